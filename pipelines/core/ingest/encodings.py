"""Which text encoding a file is in, whether it is text at all, and a UTF-8 copy for DuckDB (which reads UTF-8
only: its encodings extension cannot be installed here)."""

from __future__ import annotations

import codecs
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Tried in this order; the first that decodes the whole file and reads as plausible text wins. GB18030 decodes
# most byte sequences that are not UTF-8, Latin-1 decodes everything; cp1252 (Windows' Latin-1) has €, „“, – …
# in the bytes 0x80–0x9F that are control characters in Latin-1.
CANDIDATES = ("utf-8", "gb18030", "latin-1", "cp1252")
ALIASES = {"gbk": "gb18030", "gb2312": "gb18030", "cp936": "gb18030", "utf8": "utf-8", "latin1": "latin-1"}
_CHUNK = 1 << 22
_SNIFF = 1 << 16
# Detection reads this much; the rest is checked where it is read anyway (DuckDB rejects lines that are not
# UTF-8; transcoding stops at the first byte that is not in the file's encoding).
_DETECT = 1 << 22
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_WEDGED = re.compile(r"(?<=[A-Za-z])[^\x00-\x7f]|[^\x00-\x7f](?=[A-Za-z])")
_C1_CONTROLS = re.compile(rb"[\x80-\x9f]")


class UnreadableEncodingError(Exception):
    """The file is not text in any encoding we read, or not in the encoding its mapping declares."""


def detect(path: Path, declared: str | None = None) -> str:
    head = _head(path)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    bom_less_utf16 = _bom_less_utf16(head)
    if bom_less_utf16:
        return bom_less_utf16
    _refuse_binary(path, head)
    if declared:
        encoding = _known(declared)
        position = _first_undecodable(path, encoding)
        if position is not None:
            raise UnreadableEncodingError(
                f"the mapping declares encoding {declared}, but the bytes at offset {position:,} are not {declared}; "
                f"the file looks like {_detected(path)}"
            )
        return encoding
    return _detected(path)


def _detected(path: Path) -> str:
    with path.open("rb") as handle:
        sample = handle.read(_DETECT)
    for encoding in CANDIDATES:
        if _first_undecodable(path, encoding) is None and _plausible(sample, encoding):
            return encoding
    return "latin-1"


def _plausible(sample: bytes, encoding: str) -> bool:
    if encoding == "gb18030":
        # Latin-1 read as GB18030 takes an accented letter and the next byte for one CJK character wedged between
        # Latin letters ('Müller' → 'M黮ler'); in Chinese text hardly any character touches a Latin letter.
        text = sample.decode(encoding, errors="ignore")
        return len(_WEDGED.findall(text)) <= len(_NON_ASCII.findall(text)) / 2
    if encoding == "latin-1":
        return _C1_CONTROLS.search(sample) is None
    return True


def _known(name: str) -> str:
    normalized = ALIASES.get(name.strip().lower(), name.strip().lower())
    try:
        return codecs.lookup(normalized).name
    except LookupError:
        raise UnreadableEncodingError(
            f"the mapping declares encoding {name!r}, which is not a known text encoding"
        ) from None


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(_SNIFF)


def _bom_less_utf16(head: bytes) -> str | None:
    """UTF-16 without a byte order mark: every other byte zero in mostly-ASCII text."""
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _refuse_binary(path: Path, head: bytes) -> None:
    if head.startswith(b"PK\x03\x04"):
        raise UnreadableEncodingError("this is a ZIP archive or Excel workbook, not text; rename it to .zip or .xlsx")
    if b"\x00" in head:
        raise UnreadableEncodingError(f"binary data, not a text file (a NUL byte at offset {head.index(0):,})")
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 13, 12))
    if head and controls > 0.05 * len(head):
        raise UnreadableEncodingError(
            f"binary data, not a text file ({controls:,} control bytes in the first {len(head):,})"
        )


def _first_undecodable(path: Path, encoding: str) -> int | None:
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as handle:
        sample = handle.read(_DETECT)
        whole = len(sample) < _DETECT
    try:
        decoder.decode(sample, final=whole)  # not final: the sample may end inside a character
    except UnicodeDecodeError as error:
        return max(error.start, 0)
    return None


@contextmanager
def as_utf8(path: Path, encoding: str) -> Iterator[Path]:
    """The file itself when it is UTF-8 already, else a transcoded temporary copy (written in chunks)."""
    if encoding in ("utf-8", "utf-8-sig", "ascii"):
        yield path
        return
    decoder = codecs.getincrementaldecoder(encoding)()
    with tempfile.NamedTemporaryFile("wb", suffix=path.suffix, delete=True) as target:
        offset = 0
        try:
            with path.open("rb") as source:
                while chunk := source.read(_CHUNK):
                    target.write(decoder.decode(chunk).encode("utf-8"))
                    offset += len(chunk)
                target.write(decoder.decode(b"", final=True).encode("utf-8"))
        except UnicodeDecodeError as error:
            position = offset + max(error.start, 0)
            raise UnreadableEncodingError(
                f"the file was read as {encoding}, but the bytes at offset {position:,} are not {encoding}"
            ) from None
        target.flush()
        yield Path(target.name)
