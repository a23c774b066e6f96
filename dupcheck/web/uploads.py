"""Uploaded files: kept under random names in a private folder, never under a name from the request.

- :class:`UploadDir` is a folder made by :func:`tempfile.mkdtemp` (mode 0700, readable by the
  server's user only); each upload is written to a fresh random name (``O_EXCL``, mode 0600) and
  deleted after its check. The name a browser sends is only ever a *display* string
  (:func:`display_name`), shown on pages and stored in the history and the library's index.
- :func:`zip_documents` reads the documents of an uploaded .zip *in memory*: nothing is written
  at a member's path, so ``../`` and absolute names cannot escape (they are refused anyway, with a
  reason), and sizes are capped (per member, in total, number of members, compression ratio: a
  zip bomb stops at the cap instead of filling the disk or memory).
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from dupcheck.extract import SUPPORTED_SUFFIXES

MAX_ZIP_MEMBERS = 5000
FORMATS = " ".join(sorted(SUPPORTED_SUFFIXES))  # what the pages and refusals name, from extract itself
MAX_RATIO = 200  # uncompressed / compressed size of one member above which it is refused (over 1 MB)


def display_name(name: str | None, fallback: str = "未命名文件") -> str:
    """A name fit to show and store: the last path component, control characters removed, at most
    120 characters. It never reaches the file system."""
    name = (name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".").strip()
    return name[:120] or fallback


def member_name(info: zipfile.ZipInfo) -> str:
    """A zip member's name as its author saw it: zips written by Chinese Windows store GBK names
    without the UTF-8 flag, which :mod:`zipfile` decodes as cp437."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("gbk")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name


def safe_member_path(name: str) -> str | None:
    """The member's relative path (``a/b.txt``), or None when it is absolute or climbs out (``..``)."""
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = PurePosixPath(name).parts
    if any(p == ".." for p in parts):
        return None
    clean = [display_name(p, "") for p in parts if p not in ("", ".")]
    if not clean or any(not p for p in clean):
        return None
    return "/".join(clean)


def is_docx_or_zip(data_head: bytes) -> bool:
    return data_head.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def is_plain_zip(path: str | os.PathLike) -> bool:
    """A zip archive that is not itself a Word document (a .docx is a zip with word/document.xml)."""
    with open(path, "rb") as fh:
        if not is_docx_or_zip(fh.read(4)):
            return False
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return "word/document.xml" not in names and "[Content_Types].xml" not in names


@dataclass(frozen=True)
class ZipMember:
    name: str  # the display path inside the archive
    data: bytes | None  # None when refused
    reason: str | None = None  # why it was refused (Chinese)


def zip_documents(
    path: str | os.PathLike, *, max_member_bytes: int, max_total_bytes: int, archive_name: str
) -> list[ZipMember]:
    """The supported documents of an uploaded zip (by suffix inside the archive; the content is
    sniffed again when extracted), each read in memory within the caps; refused ones with a reason."""
    out: list[ZipMember] = []
    total = 0
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return [ZipMember(archive_name, None, "压缩包已损坏，无法打开")]
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > MAX_ZIP_MEMBERS:
            return [ZipMember(archive_name, None, f"压缩包内文件过多（{len(infos)} 个，上限 {MAX_ZIP_MEMBERS} 个）")]
        for info in infos:
            raw_name = member_name(info)
            rel = safe_member_path(raw_name)
            shown = f"{archive_name}/{rel or display_name(raw_name)}"
            if rel is None:
                out.append(ZipMember(shown, None, "压缩包内的路径不安全（绝对路径或含“..”），已拒绝"))
                continue
            parts = rel.split("/")
            # Judged on the names as stored: display_name drops a leading dot, so ".x.txt" would pass.
            raw_parts = [p for p in raw_name.replace("\\", "/").split("/") if p not in ("", ".")]
            if any(p.startswith(".") or p == "__MACOSX" for p in raw_parts):
                continue  # hidden files and macOS resource forks, as `dupcheck index` skips them
            if Path(parts[-1]).suffix.lower() not in SUPPORTED_SUFFIXES:
                out.append(ZipMember(shown, None, f"不支持的文件类型（支持 {FORMATS}）"))
                continue
            if info.file_size > max_member_bytes:
                out.append(ZipMember(shown, None, f"文件过大（上限 {human(max_member_bytes)}）"))
                continue
            if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                out.append(ZipMember(shown, None, "压缩比异常（疑似压缩炸弹），已拒绝"))
                continue
            if total + info.file_size > max_total_bytes:
                out.append(
                    ZipMember(shown, None, f"压缩包解压后总大小超过上限 {human(max_total_bytes)}，其余文件未读取")
                )
                break
            try:
                with zf.open(info) as fh:  # the header's size may lie: never read past the cap
                    data = fh.read(max_member_bytes + 1)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
                reason = "文件已加密" if "encrypted" in str(exc) or "password" in str(exc) else "压缩数据损坏"
                out.append(ZipMember(shown, None, f"无法解压（{reason}）"))
                continue
            if len(data) > max_member_bytes:
                out.append(ZipMember(shown, None, f"文件过大（上限 {human(max_member_bytes)}）"))
                continue
            total += len(data)
            out.append(ZipMember(shown, data))
    return out


def human(n: int) -> str:
    if n >= 2**20:
        return f"{n / 2**20:.1f}".removesuffix(".0") + " MB"
    if n >= 2**10:
        return f"{n / 2**10:.1f}".removesuffix(".0") + " KB"
    return f"{n} 字节"


class UploadDir:
    """A private temporary folder (0700) holding uploads under random names."""

    def __init__(self, parent: str | os.PathLike | None = None) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="dupcheck-web-", dir=parent))
        os.chmod(self.path, 0o700)

    def new_path(self) -> Path:
        return self.path / secrets.token_hex(16)

    def save(self, stream, *, limit: int) -> tuple[Path, int] | None:
        """Copy ``stream`` to a new random file; None (and nothing kept) when it exceeds ``limit`` bytes."""
        target = self.new_path()
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                while block := stream.read(1 << 16):
                    size += len(block)
                    if size > limit:
                        break
                    out.write(block)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        if size > limit:
            target.unlink(missing_ok=True)
            return None
        return target, size

    def spool(self):
        """A nameless temporary file inside the folder, for the multipart parser."""
        return tempfile.TemporaryFile(dir=self.path)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
