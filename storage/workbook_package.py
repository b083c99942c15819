"""Check an .xlsx package against `workbook_limits` before openpyxl reads any of it.

openpyxl trusts the file: it lists every zip entry, unpacks whatever sizes the zip claims and
builds a tree of every part but the worksheets and shared strings. Here each part is streamed
once through expat, so a hostile file is refused having cost a 64 KB buffer.
"""

from __future__ import annotations

import os
import struct
import zipfile
from collections import Counter
from dataclasses import dataclass
from typing import BinaryIO

from storage import workbook_limits as limits
from storage.workbook_scan import STREAMED, Part, WorkbookRefused, scan_part

NOT_XLSX = "is not an .xlsx workbook; save it as Excel Workbook (.xlsx) and try again"
PASSWORD = "is password-protected: save a copy without a password"
OLD_EXCEL = "is an Excel 97-2003 workbook (.xls); save it as Excel Workbook (.xlsx) and try again"
# Excel keeps an encrypted .xlsx inside an OLE2 compound file, as the old .xls was kept: the
# compound file's magic, then a stream named EncryptionInfo (its name is stored in UTF-16).
_COMPOUND_FILE = bytes.fromhex("D0CF11E0A1B11AE1")
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
_END_OF_DIRECTORY = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
# Parts openpyxl parses whole by their fixed name, whatever links to them.
_TREE_PATHS = frozenset(
    {"[Content_Types].xml", "xl/workbook.xml", "xl/styles.xml", "docProps/core.xml"}
    | {"docProps/custom.xml"}
)

__all__ = ["NOT_XLSX", "Package", "WorkbookRefused", "check_package"]


@dataclass(frozen=True)
class Package:
    """What the check learnt that changes how the workbook is read."""

    strict: bool  # saved as "Strict Open XML": read through a Transitional copy
    unsaved_formulas: bool  # some cell holds a formula with no value saved with it


def check_package(file: BinaryIO) -> Package:
    """Raise `WorkbookRefused` unless the whole package is within the limits and readable."""
    size = file.seek(0, os.SEEK_END)
    if size > limits.MAX_FILE_BYTES:
        raise WorkbookRefused(f"is {_mb(size)}; at most {_mb(limits.MAX_FILE_BYTES)} is read")
    _check_compound_file(file)
    _check_directory(file, size)
    file.seek(0)
    with zipfile.ZipFile(file) as archive:
        infos = archive.infolist()
        _check_entries(infos)
        parts = [scan_part(archive, info) for info in infos]
    _check_parts(parts)
    _check_damage(parts)
    return Package(
        strict=any(part.strict for part in parts),
        unsaved_formulas=any(part.unsaved_formulas for part in parts),
    )


def _check_compound_file(file: BinaryIO) -> None:
    """Name the two things an OLE2 file is here: an encrypted .xlsx, or an old .xls."""
    file.seek(0)
    if file.read(len(_COMPOUND_FILE)) != _COMPOUND_FILE:
        return
    # The file is at most MAX_FILE_BYTES; the directory holding the stream names may be anywhere.
    file.seek(0)
    overlap = b""
    while chunk := file.read(1024 * 1024):
        if _ENCRYPTION_INFO in overlap + chunk:
            raise WorkbookRefused(PASSWORD)
        overlap = chunk[-len(_ENCRYPTION_INFO) :]
    raise WorkbookRefused(OLD_EXCEL)


def _check_directory(file: BinaryIO, size: int) -> None:
    """Refuse a zip whose directory lists more entries than a workbook has, before listing it."""
    tail = min(size, 22 + 65_535)
    file.seek(size - tail)
    data = file.read(tail)
    at = data.rfind(_END_OF_DIRECTORY)
    if at < 0 or len(data) - at < 22:
        raise WorkbookRefused(NOT_XLSX)
    entries, directory_bytes = struct.unpack("<HI", data[at + 10 : at + 16])
    if data[max(at - 20, 0) : at].startswith(_ZIP64_LOCATOR):
        # zipfile then takes the counts from the ZIP64 record just before the locator.
        record = data[max(at - 76, 0) : at - 20]
        if len(record) < 56:
            raise WorkbookRefused(NOT_XLSX)
        entries, directory_bytes = struct.unpack("<QQ", record[32:48])
    if entries > limits.MAX_PARTS or directory_bytes > limits.MAX_DIRECTORY_BYTES:
        raise WorkbookRefused(f"has more than {limits.MAX_PARTS:,} parts; a workbook has a few")


def _check_entries(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse entries a spreadsheet program never writes, and more unpacked bytes than allowed."""
    if len(infos) > limits.MAX_PARTS:
        raise WorkbookRefused(f"has more than {limits.MAX_PARTS:,} parts; a workbook has a few")
    for info in infos:
        if info.flag_bits & 0x1:
            raise WorkbookRefused(PASSWORD)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise WorkbookRefused("is packed in a way spreadsheet programs do not use")
        packed = max(info.compress_size, 1)
        if (
            info.file_size > limits.RATIO_CHECKED_ABOVE
            and info.file_size > limits.MAX_RATIO * packed
        ):
            ratio = info.file_size // packed
            raise WorkbookRefused(
                f"unpacks {info.filename} to {ratio:,} times its size (a zip bomb)"
            )
    _check_unpacked(sum(info.file_size for info in infos))


def _check_unpacked(total: int) -> None:
    if total > limits.MAX_UNPACKED_BYTES:
        raise WorkbookRefused(
            f"unpacks to {_mb(total)}; at most {_mb(limits.MAX_UNPACKED_BYTES)} is read"
        )


def _check_parts(parts: list[Part]) -> None:
    """A part too big to parse whole must be one openpyxl streams, linked only as such."""
    links = [link for part in parts for link in part.links]
    reads = Counter(target for kind, target in links if not kind.endswith("+xml"))
    _check_unpacked(sum(part.size * max(1, reads[part.name]) for part in parts))
    for part in parts:
        if part.size <= limits.MAX_TREE_PART_BYTES and part.elements <= limits.MAX_TREE_ELEMENTS:
            continue
        streamed = STREAMED.get(part.root or "")
        kinds = {kind for kind, target in links if target == part.name}
        if (
            streamed is None
            or part.name in _TREE_PATHS
            or part.name.endswith(".rels")
            or not all(kind.endswith(streamed.kinds) for kind in kinds)
            or part.size > streamed.most_bytes
        ):
            raise WorkbookRefused(f"has a part too large to read ({part.name}, {_mb(part.size)})")


def _check_damage(parts: list[Part]) -> None:
    """Refuse a part openpyxl needs that is not well-formed XML, naming it and what is wrong."""
    needed = {target for part in parts for kind, target in part.links if kind.endswith(_NEEDED)}
    for part in parts:
        if part.damage is None:
            continue
        if part.name in _TREE_PATHS or part.name.endswith(".rels") or part.name in needed:
            what = _WHAT.get(_kind(part, parts), "part")
            raise WorkbookRefused(
                f"is damaged: its {what} ({part.name}) cannot be read ({part.damage}); "
                "open it in Excel and save it again"
            )


_NEEDED = ("/worksheet", "/sharedStrings", "/styles", "worksheet+xml", "sharedStrings+xml")
_WHAT = {"sharedStrings": "table of texts", "worksheet": "sheet", "styles": "styles"}


def _kind(part: Part, parts: list[Part]) -> str:
    """The last word of what links to `part` as (worksheet, sharedStrings...), or ""."""
    for kind, target in (link for other in parts for link in other.links):
        if target == part.name:
            return kind.rsplit("/", 1)[-1].split(".")[-1].split("+")[0]
    return ""


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB"
