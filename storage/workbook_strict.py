"""Excel's "Strict Open XML" workbooks, rewritten in memory as the Transitional ones openpyxl reads.

Strict (Save As "Strict Open XML Spreadsheet") differs from the usual .xlsx mostly in its
namespaces: `http://purl.oclc.org/ooxml/...` where Transitional has
`http://schemas.openxmlformats.org/.../2006/...`. openpyxl knows only the latter, so it found no
sheets at all. Mapping the namespaces back, part by part, is what Apache POI's converter does
(github.com/pjfanning/ooxml-strict-converter); the package has already passed `check_package`,
so every part is within its limits before it is copied.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from typing import IO, BinaryIO

STRICT = "http://purl.oclc.org/ooxml/"
_SPREADSHEET = "spreadsheetml/main"
_TRANSITIONAL = "http://schemas.openxmlformats.org/"
# Strict name: its Transitional twin. The few that do not follow "x/y" -> "x/2006/y" are spelled
# out (ECMA-376 Part 1, Strict and Transitional namespaces; POI's mapping table).
_RENAMED = {
    "officeDocument/customProperties": "officeDocument/2006/custom-properties",
    "officeDocument/extendedProperties": "officeDocument/2006/extended-properties",
    "wordprocessingml/main": "wordprocessingml/2006/main",
}
_NAME = re.compile(rb"http://purl\.oclc\.org/ooxml/([A-Za-z]+)/([A-Za-z]+)")
_CHUNK = 64 * 1024
_IN_MEMORY = 8 * 1024 * 1024  # a converted copy larger than this goes to a temporary file
_LONGEST_TAG = 1024 * 1024  # a tag still open after this much text is cut where it stands


def is_strict(namespace: str) -> bool:
    """True for the Strict SpreadsheetML namespace of a part's root element."""
    return namespace == STRICT + _SPREADSHEET


def transitional_name(name: str) -> str:
    """An expat "namespace local" name with a Strict namespace given its Transitional one."""
    if not name.startswith(STRICT):
        return name
    return _NAME.sub(_replacement, name.encode()).decode()


def _replacement(match: re.Match[bytes]) -> bytes:
    area, name = match.group(1).decode(), match.group(2).decode()
    twin = _RENAMED.get(f"{area}/{name}", f"{area}/2006/{name}")
    return (_TRANSITIONAL + twin).encode()


def transitional_copy(file: BinaryIO) -> IO[bytes]:
    """A Transitional copy of the Strict package in `file`, open for reading from its start."""
    copy = tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY)  # noqa: SIM115 - the caller closes
    file.seek(0)
    with zipfile.ZipFile(file) as source, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            with source.open(info) as part, out.open(info.filename, "w") as target:
                _convert(part, target)
    copy.seek(0)
    return copy


def _convert(part: IO[bytes], target: IO[bytes]) -> None:
    """Copy one part, renaming namespaces; a name never spans two pieces, as tags are kept whole."""
    carried = b""
    while chunk := part.read(_CHUNK):
        text = carried + chunk
        # Namespaces appear only inside tags: cut after the last ">" so none is split in two.
        cut = text.rfind(b">") + 1
        if cut == 0 and len(text) < _LONGEST_TAG:
            carried = text
            continue
        cut = cut or len(text)
        target.write(_NAME.sub(_replacement, text[:cut]))
        carried = text[cut:]
    target.write(_NAME.sub(_replacement, carried))
