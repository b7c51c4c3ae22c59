"""Which files wait in the landing folder, what kind each holds, and their fingerprints.

A file belongs to the kind of the folder it is in (landing/<kind>/…). A ZIP archive is opened: each member is a
file of its own, of the kind named by a folder inside the archive or by the start of its name
(customers/…, sales_2025.csv), else of the archive's folder. So one archive may carry several kinds.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from pipelines.core.contracts import KINDS
from pipelines.core.ingest.readers import UnreadableFileError
from pipelines.core.text import excerpt

_HASH_CHUNK = 1 << 22
ZIP_SUFFIX = ".zip"


@dataclass(frozen=True)
class LandingFile:
    path: Path  # on disk; for an archive member, the archive
    relative_path: str  # below landing/, e.g. sales/orders.csv or sales/bundle.zip/customers/crm.csv
    kind: str
    size_bytes: int
    modified_at: datetime
    member: str | None = None  # path inside the archive

    @property
    def name(self) -> str:
        return PurePosixPath(self.member).name if self.member else self.path.name

    @property
    def path_in_kind(self) -> str:
        """The path mappings match against: below landing/<kind>/ (for members of archives elsewhere, the member)."""
        prefix = f"{self.kind}/"
        return self.relative_path[len(prefix) :] if self.relative_path.startswith(prefix) else self.member or self.name

    def sha256(self) -> str:
        digest = hashlib.sha256()
        with self._open_bytes() as handle:
            while chunk := handle.read(_HASH_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    @contextmanager
    def _open_bytes(self) -> Iterator:
        if self.member is None:
            with self.path.open("rb") as handle:
                yield handle
            return
        # An encrypted member or an unknown compression method shows when opened, damaged data (bad CRC, broken
        # deflate stream) only when read: either way this member fails, not the whole load.
        try:
            with zipfile.ZipFile(self.path) as archive, archive.open(self.member) as handle:
                yield handle
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as error:
            raise UnreadableFileError(
                f"{excerpt(self.member)} cannot be read from the ZIP archive ({excerpt(str(error))})"
            ) from error

    @contextmanager
    def on_disk(self) -> Iterator[Path]:
        """A path to read: the file itself, or an archive member extracted to a temporary file."""
        if self.member is None:
            yield self.path
            return
        with tempfile.NamedTemporaryFile(suffix=PurePosixPath(self.member).suffix, delete=True) as target:
            with self._open_bytes() as source:
                shutil.copyfileobj(source, target, _HASH_CHUNK)
            target.flush()
            yield Path(target.name)


def landing_files(landing_root: Path, kind: str) -> list[LandingFile]:
    """Files of `kind`, sorted by path; names starting with '.' or '_' are ignored, archives are opened."""
    found: list[LandingFile] = []
    for folder_kind in KINDS:
        for path in _files_below(landing_root / folder_kind):
            relative = path.relative_to(landing_root).as_posix()
            stat = path.stat()
            modified_at = datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None)
            if path.suffix.lower() != ZIP_SUFFIX:
                if folder_kind == kind:
                    found.append(LandingFile(path, relative, kind, stat.st_size, modified_at))
                continue
            members = _archive_members(path)
            if members is None:  # not a readable archive: the loader reports it under the folder's kind
                if folder_kind == kind:
                    found.append(LandingFile(path, relative, kind, stat.st_size, modified_at))
                continue
            for member, size in members:
                if member_kind(member, folder_kind) == kind:
                    found.append(LandingFile(path, f"{relative}/{member}", kind, size, modified_at, member))
    return sorted(found, key=lambda item: item.relative_path)


def member_kind(member: str, archive_kind: str) -> str:
    parts = PurePosixPath(member).parts
    for folder in parts[:-1]:
        if folder.lower() in KINDS:
            return folder.lower()
    stem = PurePosixPath(member).name.lower()
    return next((kind for kind in KINDS if stem.startswith(kind)), archive_kind)


def _files_below(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file() and not any(part.startswith((".", "_")) for part in path.relative_to(folder).parts)
    )


def _archive_members(path: Path) -> list[tuple[str, int]] | None:
    try:
        with zipfile.ZipFile(path) as archive:
            return [
                (info.filename, info.file_size)
                for info in archive.infolist()
                if not info.is_dir()
                and not any(part.startswith((".", "_")) for part in PurePosixPath(info.filename).parts)
            ]
    except (zipfile.BadZipFile, OSError):
        return None


def landing_fingerprint(landing_root: Path, kinds: tuple[str, ...]) -> str:
    """Cheap change detector for sensors: path, size and mtime of every landing file."""
    digest = hashlib.sha256()
    for kind in kinds:
        for path in _files_below(landing_root / kind):
            stat = path.stat()
            digest.update(f"{path.relative_to(landing_root).as_posix()}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()
