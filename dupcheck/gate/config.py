"""Settings of the gate: defaults < config file < environment (``DUPCHECK_*``) < command line.

The file is ``dupcheck.toml`` (keys at the top level, or under ``[tool.dupcheck]``) or the
``[tool.dupcheck]`` table of ``pyproject.toml``, found in the repository root (``--config F``
names another). Every value remembers where it came from, which ``dupcheck config`` prints.
An unknown key or a bad value is a :class:`ConfigError` naming the file (or variable) and key.

Paths in the file are relative to the file's folder; paths from the environment or the
command line are relative to the current folder.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from dupcheck.errors import DupcheckError


class ConfigError(DupcheckError):
    """A setting that cannot be used; the message names the file or variable and the key."""


@dataclass(frozen=True)
class LevelRule:
    """Warn and fail levels for the documents matching one of ``paths`` (globs)."""

    paths: tuple[str, ...]
    warn: float
    fail: float


@dataclass(frozen=True)
class Settings:
    warn: float = 0.5
    fail: float = 0.8
    levels: tuple[LevelRule, ...] = ()
    skip: tuple[str, ...] = ()
    corpora: tuple[str, ...] = ("default",)
    repository: bool = True
    exclude_quotes: bool = False
    exclude_format_elements: bool = False
    accepted: str = ".dupcheck-accepted.json"
    index: str = ""  # the gate's own index file; "" = in the cache folder
    base: str = ""  # "" = the merge base with the default branch
    origins: Mapping[str, str] = field(default_factory=dict)  # key -> "default", "file.toml", "DUPCHECK_X", "--x"

    def levels_for(self, path: str) -> tuple[float, float]:
        """(warn, fail) for a repository-relative path: the first matching rule, else the defaults."""
        for rule in self.levels:
            if any(glob_match(g, path) for g in rule.paths):
                return rule.warn, rule.fail
        return self.warn, self.fail

    def skipped(self, path: str) -> bool:
        return any(glob_match(g, path) for g in self.skip)


# key -> (kind, environment variable or None)
KEYS: dict[str, tuple[str, str | None]] = {
    "warn": ("rate", "DUPCHECK_WARN"),
    "fail": ("rate", "DUPCHECK_FAIL"),
    "levels": ("levels", None),
    "skip": ("globs", "DUPCHECK_SKIP"),
    "corpora": ("list", "DUPCHECK_CORPORA"),
    "repository": ("bool", "DUPCHECK_REPOSITORY"),
    "exclude_quotes": ("bool", "DUPCHECK_EXCLUDE_QUOTES"),
    "exclude_format_elements": ("bool", "DUPCHECK_EXCLUDE_FORMAT_ELEMENTS"),
    "accepted": ("path", "DUPCHECK_ACCEPTED"),
    "index": ("path", "DUPCHECK_GATE_INDEX"),
    "base": ("str", "DUPCHECK_BASE"),
}
PATH_LISTS = {"corpora"}  # list entries that are paths (except the word "default")


def glob_match(pattern: str, path: str) -> bool:
    """Whether a '/'-separated relative ``path`` matches ``pattern``.

    ``*`` and ``?`` do not cross '/', ``**`` matches any number of folders (``docs/**``,
    ``**/draft-*.md``); a pattern without '/' matches the file name in any folder.
    """
    if "/" not in pattern.rstrip("/"):
        pattern = "**/" + pattern
    return _glob_regex(pattern).fullmatch(path) is not None


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def _rate(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ConfigError(f"{where} must be a number between 0 and 1 (0.8 means 80%), got {value!r}")
    return float(value)


def _bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{where} must be true or false, got {value!r}")


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):  # environment: comma-separated
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{where} must be a list of strings, got {value!r}")


def _levels(value: Any, where: str) -> tuple[LevelRule, ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{where} must be an array of tables ([[tool.dupcheck.levels]] with paths, warn, fail)")
    rules = []
    for n, entry in enumerate(value, 1):
        here = f"{where}[{n}]"
        unknown = sorted(set(entry) - {"paths", "warn", "fail"})
        if unknown:
            raise ConfigError(f"{here}: unknown key {unknown[0]!r} (known: paths, warn, fail)")
        if "paths" not in entry or "fail" not in entry:
            raise ConfigError(f"{here}: needs paths and fail (warn is optional)")
        fail = _rate(entry["fail"], f"{here}.fail")
        warn = _rate(entry.get("warn", fail), f"{here}.warn")
        if warn > fail:
            raise ConfigError(f"{here}: warn ({warn}) is above fail ({fail})")
        rules.append(LevelRule(_strings(entry["paths"], f"{here}.paths"), warn, fail))
    return tuple(rules)


def _convert(key: str, value: Any, where: str, base: Path) -> Any:
    kind = KEYS[key][0]
    if kind == "rate":
        if isinstance(value, str) and where.startswith("environment"):
            try:
                value = float(value)
            except ValueError:
                pass
        return _rate(value, where)
    if kind == "bool":
        return _bool(value, where)
    if kind == "levels":
        return _levels(value, where)
    if kind in ("globs", "list"):
        items = _strings(value, where)
        if key in PATH_LISTS:
            items = tuple(v if v == "default" else str(base / v) for v in items)
        return items
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be a string, got {value!r}")
    return str(base / value) if kind == "path" and value else value


def find_config(root: Path) -> Path | None:
    """``dupcheck.toml`` in ``root``, else ``pyproject.toml`` if it has a ``[tool.dupcheck]`` table."""
    if (root / "dupcheck.toml").is_file():
        return root / "dupcheck.toml"
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and "dupcheck" in _read_toml(pyproject).get("tool", {}):
        return pyproject
    return None


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def file_table(path: Path) -> tuple[dict, str]:
    """The settings table of a config file and how to name its keys in messages."""
    data = _read_toml(path)
    if path.name == "pyproject.toml" or "tool" in data:
        table = data.get("tool", {}).get("dupcheck", {})
        return table, "[tool.dupcheck]"
    return data, ""


def load_settings(
    root: Path,
    *,
    config: str | None = None,
    cli: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """The effective settings for the repository at ``root``.

    ``cli`` holds command-line values (``None`` = not given) under the keys of :data:`KEYS`.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    origins: dict[str, str] = {k: "default" for k in KEYS}
    path = Path(config) if config else find_config(root)
    if config and path is not None and not path.is_file():
        raise ConfigError(f"{config}: no such config file")
    if path is not None:
        table, prefix = file_table(path)
        for key, value in table.items():
            where = f"{path}: {prefix + ' ' if prefix else ''}{key}"
            if key not in KEYS:
                raise ConfigError(
                    f"{path}: {prefix + ' ' if prefix else ''}unknown key {key!r} (known: {', '.join(KEYS)})"
                )
            values[key] = _convert(key, value, where, path.parent)
            origins[key] = str(path)
    for key, (_, var) in KEYS.items():
        if var and var in environ:
            values[key] = _convert(key, environ[var], f"environment variable {var}", Path.cwd())
            origins[key] = var
    for key, value in (cli or {}).items():
        if value is not None:
            values[key] = _convert(key, value, f"--{key.replace('_', '-')}", Path.cwd())
            origins[key] = f"--{key.replace('_', '-')}"
    settings = Settings(**values, origins=origins)
    if settings.warn > settings.fail:
        raise ConfigError(
            f"warn ({settings.warn}, from {origins['warn']}) is above fail ({settings.fail}, from {origins['fail']})"
        )
    return settings


def describe(settings: Settings) -> str:
    """The effective settings as TOML-like lines, each with where it came from."""
    lines = []
    for key in KEYS:
        value = getattr(settings, key)
        if key == "levels":
            shown = (
                "[" + ", ".join(f"{{paths = {list(r.paths)!r}, warn = {r.warn}, fail = {r.fail}}}" for r in value) + "]"
            )
        elif isinstance(value, bool):
            shown = "true" if value else "false"
        elif isinstance(value, tuple):
            shown = repr(list(value))
        else:
            shown = repr(value)
        lines.append(f"{key} = {shown}  # {settings.origins.get(key, 'default')}")
    return "\n".join(lines)
