"""Stream one part of an .xlsx package through expat, counting what openpyxl would build from it."""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass, field
from typing import NamedTuple
from xml.parsers import expat

from storage import workbook_limits as limits
from storage.workbook_strict import is_strict, transitional_name

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
_CHUNK = 64 * 1024


class WorkbookRefused(Exception):
    """A workbook refused whole; `str(error)` completes the sentence "The file ..."."""


class Streamed(NamedTuple):
    """A part openpyxl reads one `unit` at a time, and the links that make it read it so."""

    unit: str
    most_units: int
    most_unit_text: int
    most_bytes: int
    kinds: tuple[str, ...]
    most_held: int | None = None  # text bytes kept in memory (all units together), if kept


STREAMED = {
    f"{_MAIN} worksheet": Streamed(
        f"{_MAIN} row",
        limits.MAX_SHEET_ROWS,
        1024 * 1024,  # a row's text: 32 cells at Excel's 32,767 characters each
        limits.MAX_UNPACKED_BYTES,
        ("/worksheet", "worksheet+xml"),
    ),
    f"{_MAIN} sst": Streamed(
        f"{_MAIN} si",
        limits.MAX_SHARED_STRINGS,
        limits.EXCEL_MAX_TEXT,
        limits.MAX_SHARED_STRINGS_BYTES,
        ("/sharedStrings", "sharedStrings+xml"),
        limits.MAX_SHARED_TEXT_BYTES,
    ),
}


@dataclass
class Part:
    """What one zip entry holds: its size, root element, elements and links to other parts."""

    name: str
    size: int
    root: str | None = None
    elements: int = 0
    outside: int = 0  # elements not inside a streamed unit: openpyxl keeps every one
    links: list[tuple[str, str]] = field(default_factory=list)  # (kind, part name)
    strict: bool = False  # its root is in Excel's "Strict Open XML" namespace
    damage: str | None = None  # why expat could not read it, if it could not
    unsaved_formulas: int = 0  # cells holding a formula but no value saved with it


def scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Part:
    """Read one entry through expat; raise `WorkbookRefused` when it breaks a limit."""
    scanner = _Scanner(Part(info.filename, info.file_size))
    with archive.open(info) as source:
        while chunk := source.read(_CHUNK):
            scanner.feed(chunk)
    scanner.feed(b"", final=True)
    return scanner.part


class _Scanner:
    """expat handlers that count as they go; anything past a limit stops the parse."""

    def __init__(self, part: Part) -> None:
        self.part = part
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.buffer_text = True
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.streamed: Streamed | None = None
        self.depth = self.unit_depth = self.units = self.run = self.unit_text = 0
        self.unit_elements = self.unit_width = self.held = 0
        self.cell = ""
        self.formula = self.value = self.in_value = False
        self.xml = True

    def feed(self, chunk: bytes, final: bool = False) -> None:
        """Parse the next chunk; a part that is not XML is only counted by size."""
        if not self.xml:
            return
        try:
            self.parser.Parse(chunk, final)
        except expat.ExpatError as error:
            # An image, or XML openpyxl will fail on too: `check_package` decides which.
            self.xml, self.part.root = False, None
            self.part.damage = str(error)

    def _doctype(self, *_args: object) -> None:
        # Spreadsheet XML never declares a DTD; refusing it rules out entity expansion bombs
        # and external entities (openpyxl parses with the stdlib, not defusedxml).
        raise WorkbookRefused(f"declares a DTD in {self.part.name}; workbooks never do")

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        self.run = 0
        self.depth += 1
        self.part.elements += 1
        if self.depth == 1:
            self.part.strict = is_strict(name.partition(" ")[0])
        # Strict parts are read as their Transitional copy will be (see workbook_strict).
        name = transitional_name(name)
        if self.depth == 1:
            self.part.root = name
            self.streamed = STREAMED.get(name)
        if name == f"{_MAIN} c":
            self.cell = attrs.get("r", "")
            self.formula = self.value = False
        self.formula |= name == f"{_MAIN} f"
        self.in_value = name == f"{_MAIN} v"
        if self.unit_depth:
            self._inside_unit()
        elif self.streamed and name == self.streamed.unit:
            self._new_unit(attrs.get("r", ""))
        else:
            self.part.outside += 1
            self._check(self.part.outside <= limits.MAX_TREE_ELEMENTS, "too many elements")
            self._link(name, attrs)

    def _new_unit(self, number: str) -> None:
        assert self.streamed is not None
        self.unit_depth, self.unit_elements, self.unit_text = self.depth, 0, 0
        self.unit_width = 1
        self.units += 1
        self._check(self.units <= self.streamed.most_units, "too many rows or strings")
        # openpyxl stops at the last row it is asked for; a row past Excel's last is refused
        # here rather than left out of the import unsaid.
        past = number.isdigit() and (len(number) > 7 or int(number) > limits.EXCEL_MAX_ROWS)
        self._check(not past, "a row past 1,048,576")

    def _inside_unit(self) -> None:
        self.unit_elements += 1
        self._check(self.unit_elements <= limits.MAX_ROW_ELEMENTS, "too many cells in a row")

    def _end(self, name: str) -> None:
        self.run = 0
        self.in_value = False
        if self.formula and not self.value and name.endswith(" c"):
            self.part.unsaved_formulas += 1
            self.formula = False
        if self.unit_depth == self.depth:
            self.unit_depth = 0
            self._hold()
        self.depth -= 1

    def _hold(self) -> None:
        """Count a kept unit's text as Python stores it: 1, 2 or 4 bytes a character."""
        if self.streamed and self.streamed.most_held is not None:
            self.held += self.unit_text * self.unit_width
            self._check(self.held <= self.streamed.most_held, "too much text")

    def _text(self, data: str) -> None:
        # An empty <v/> (openpyxl writes one for every formula) saves no value either.
        self.value |= self.in_value and bool(data.strip())
        self.run += len(data)
        if self.run > limits.EXCEL_MAX_TEXT:
            where = f"cell {self.cell} in " if self.cell else ""
            raise WorkbookRefused(
                f"holds a text of more than {limits.EXCEL_MAX_TEXT:,} characters ({where}"
                f"{self.part.name}), more than a spreadsheet cell can hold"
            )
        if self.unit_depth and self.streamed:
            self.unit_text += len(data)
            self._check(self.unit_text <= self.streamed.most_unit_text, "too much text in a row")
            if self.streamed.most_held is not None and data:
                self.unit_width = max(self.unit_width, _width(data))

    def _link(self, name: str, attrs: dict[str, str]) -> None:
        """Note which part a relationship or a content type points at, and as what."""
        if name == f"{_RELATIONSHIPS} Relationship" and attrs.get("TargetMode") != "External":
            target = _resolve(self.part.name, attrs.get("Target", ""))
            self.part.links.append((attrs.get("Type", ""), target))
        elif name == f"{_CONTENT_TYPES} Override":
            target = attrs.get("PartName", "").lstrip("/")
            self.part.links.append((attrs.get("ContentType", ""), target))

    def _check(self, within: bool, what: str) -> None:
        if not within:
            raise WorkbookRefused(f"has {what} in {self.part.name} to be a catalog")


def _width(data: str) -> int:
    """Bytes a character Python needs for a text holding `data`: its widest character decides."""
    widest = ord(max(data))
    return 4 if widest > 0xFFFF else 2 if widest > 0xFF else 1


def _resolve(source: str, target: str) -> str:
    """A relationship target as openpyxl finds it: relative to the folder the .rels serves."""
    if target.startswith("/"):
        return target[1:]
    parent = posixpath.split(posixpath.dirname(source))[0]
    return posixpath.normpath(posixpath.join(parent, target))
