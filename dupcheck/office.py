"""Word 97 binary documents (.doc, and .wps from WPS Office, which writes the same format).

Recognised by content (an OLE2 compound file holding a ``WordDocument`` stream), then:

1. LibreOffice in headless mode converts the file to .docx, which the extract stage reads like any
   .docx, so offsets and the annotated Word output work as for a .docx draft. Each conversion
   runs in its own temporary folder with a private user profile per process (parallel conversions
   never share a profile, which LibreOffice locks), under a time limit after which the whole
   process group is killed;
2. antiword (``-m UTF-8.txt``) when LibreOffice is not installed: plain text, one paragraph a line;
3. neither installed: one line naming the Debian packages to install.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dupcheck import limits
from dupcheck.errors import InputError
from dupcheck.safety import run_program

__all__ = ["Converted", "antiword_path", "convert_word97", "soffice_path"]

_INSTALL = (
    "无法读取 .doc/.wps：未安装 LibreOffice 或 antiword（请安装：apt install libreoffice-writer-nogui 或 antiword）"
)


@dataclass(frozen=True)
class Converted:
    method: str  # "converted:libreoffice" or "converted:antiword"
    docx: bytes | None = None  # the .docx LibreOffice wrote
    text: str = ""  # antiword's text


def soffice_path() -> str | None:
    return os.environ.get("DUPCHECK_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")


def antiword_path() -> str | None:
    return shutil.which("antiword")


_profile: str | None = None


def _private_profile() -> str:
    """A LibreOffice user profile for this process, removed at exit (a profile is locked while in use)."""
    global _profile
    if _profile is None or not os.path.isdir(_profile):
        _profile = tempfile.mkdtemp(prefix=f"dupcheck-lo-{os.getpid()}-")
        atexit.register(shutil.rmtree, _profile, True)
    return _profile


def convert_word97(data: bytes, name: str) -> Converted:
    """Convert a Word 97 document to .docx (LibreOffice) or text (antiword); InputError otherwise."""
    soffice, antiword = soffice_path(), antiword_path()
    if not soffice and not antiword:
        raise InputError(name, _INSTALL)
    timeout = limits.CONVERT_SECONDS
    with tempfile.TemporaryDirectory(prefix="dupcheck-doc-") as work:
        src = Path(work) / "draft.doc"  # the Word 97 filter, whatever the name said (.wps)
        src.write_bytes(data)
        failure = ""
        if soffice:
            out = Path(work) / "out"
            out.mkdir()
            profile = Path(_private_profile()).as_uri()
            cmd = [
                soffice,
                "--headless",
                "--norestore",
                "--nolockcheck",
                f"-env:UserInstallation={profile}",
                "--convert-to",
                "docx:MS Word 2007 XML",
                "--outdir",
                str(out),
                str(src),
            ]
            env = {**os.environ, "HOME": work}  # LibreOffice writes into HOME on first start
            try:
                run_program(cmd, timeout, work, env)
            except subprocess.TimeoutExpired:
                failure = f"LibreOffice 转换超时（超过 {timeout:.0f} 秒）"
            except OSError as e:
                failure = f"LibreOffice 无法启动（{e.strerror or e}）"
            else:
                result = out / "draft.docx"
                if result.is_file() and result.stat().st_size > 0:
                    if result.stat().st_size > limits.MAX_FILE_BYTES:
                        raise InputError(name, "转换得到的 .docx 过大")
                    return Converted("converted:libreoffice", docx=result.read_bytes())
                failure = "LibreOffice 无法转换此文件（可能已损坏或加密）"
        if antiword:
            try:
                r = run_program([antiword, "-m", "UTF-8.txt", "-w", "0", str(src)], timeout, work)
            except subprocess.TimeoutExpired:
                raise InputError(name, f"antiword 转换超时（超过 {timeout:.0f} 秒）") from None
            except OSError as e:
                raise InputError(name, f"antiword 无法启动（{e.strerror or e}）") from None
            text = r.stdout.decode("utf-8", "replace")
            if r.returncode == 0 and text.strip():
                return Converted("converted:antiword", text=_antiword_lines(text))
            failure = failure or "antiword 无法读取此文件（可能已损坏或加密）"
        raise InputError(name, f"无法读取 .doc/.wps：{failure}")


def _antiword_lines(text: str) -> str:
    """antiword's paragraphs, one a line, blank lines and trailing spaces dropped."""
    return "\n".join(line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip())
