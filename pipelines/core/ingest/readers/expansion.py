"""How far a compressed file (a .gz file, a member of a ZIP archive) may expand while it is read. A bomb — a few MB
that unpack to many GB — is refused with its reason once its output passes the limit, before it fills the disk:
the output is counted as it streams, so nothing larger than the limit is ever written or hashed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from pipelines.core.ingest.readers.parts import UnreadableFileError

CHUNK_BYTES = 1 << 22


@dataclass(frozen=True)
class ExpansionLimits:
    max_bytes: int = 20 * 10**9  # ingest.max_uncompressed_bytes
    max_ratio: float = 200  # ingest.max_compression_ratio: uncompressed size / compressed size

    def limit_for(self, compressed_bytes: int) -> int:
        return min(self.max_bytes, int(self.max_ratio * compressed_bytes))

    def refusal(self, what: str, compressed_bytes: int) -> str:
        if self.max_bytes <= self.max_ratio * compressed_bytes:
            return (
                f"{what} expands to more than {_size(self.max_bytes)}, the most a compressed file may expand to "
                "(ingest.max_uncompressed_bytes in pulse.yaml); not read"
            )
        return (
            f"{what} expands to more than {self.max_ratio:g} times its compressed size of {_size(compressed_bytes)}, "
            "as an archive bomb does (ingest.max_compression_ratio in pulse.yaml); not read"
        )


class BoundedReader:
    """The decompressed stream of a file, read in chunks, that stops with UnreadableFileError before handing on the
    chunk that would take its output past the limits."""

    def __init__(self, stream: BinaryIO, compressed_bytes: int, limits: ExpansionLimits, what: str) -> None:
        self.stream = stream
        self.compressed_bytes = compressed_bytes
        self.limits = limits
        self.what = what
        self.limit = limits.limit_for(compressed_bytes)
        self.passed = 0

    def read(self, size: int = CHUNK_BYTES) -> bytes:
        chunk = self.stream.read(size if 0 <= size <= CHUNK_BYTES else CHUNK_BYTES)
        self.passed += len(chunk)
        if self.passed > self.limit:
            raise UnreadableFileError(self.limits.refusal(self.what, self.compressed_bytes))
        return chunk


def _size(count: int) -> str:
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if count >= size:
            return f"{count / size:,.4g} {unit}"
    return f"{count:,} bytes"
