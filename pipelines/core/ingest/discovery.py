"""Which files wait in the landing folder, what kind each holds, and their fingerprints.

A file belongs to the kind of the folder it is in (landing/<kind>/…). A ZIP archive is opened: each member is a
file of its own, of the kind named by a folder inside the archive or by the start of its name
(customers/…, sales_2025.csv), else of the archive's folder. So one archive may carry several kinds.

What is not read is still listed, with the reason, so that the load log names it: a link that points out of the
landing folder (to a file or a folder), a link to a folder (links to folders are not followed), a link that leads
to no file, and an archive member whose path would climb out of the folder it is unpacked into.
"""

from __future__ import annotations

import hashlib
import os
import re
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
from pipelines.core.ingest.readers.expansion import BoundedReader, ExpansionLimits
from pipelines.core.text import excerpt

_HASH_CHUNK = 1 << 22
ZIP_SUFFIX = ".zip"
HIDDEN_PREFIXES = (".", "_")
OUTSIDE_FILE = "a link to a file outside the landing folder; not read"
OUTSIDE_FOLDER = "a link to a folder outside the landing folder; not read"
FOLDER_LINK = "a link to a folder; links to folders are not followed, so the files in it are not read"
LINK_TO_NOTHING = "a link that leads to no file; not read"
UNSAFE_MEMBER = "unsafe path inside the archive; not read"
_DRIVE = re.compile(r"[A-Za-z]:")


@dataclass(frozen=True)
class LandingFile:
    path: Path  # on disk; for an archive member, the archive
    relative_path: str  # below landing/, e.g. sales/orders.csv or sales/bundle.zip/customers/crm.csv
    kind: str
    size_bytes: int
    modified_at: datetime
    member: str | None = None  # path inside the archive
    refused: str | None = None  # why it is not read at all: it is listed only to be logged with the reason

    @property
    def name(self) -> str:
        return PurePosixPath(self.member).name if self.member else self.path.name

    @property
    def path_in_kind(self) -> str:
        """The path mappings match against: below landing/<kind>/ (for members of archives elsewhere, the member)."""
        prefix = f"{self.kind}/"
        return self.relative_path[len(prefix) :] if self.relative_path.startswith(prefix) else self.member or self.name

    def sha256(self, limits: ExpansionLimits | None = None) -> str:
        """Of the file, or of an archive member as it streams out of the archive (within `limits`)."""
        digest = hashlib.sha256()
        with self._open_bytes(limits or ExpansionLimits()) as handle:
            while chunk := handle.read(_HASH_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    @contextmanager
    def _open_bytes(self, limits: ExpansionLimits) -> Iterator:
        if self.member is None:
            with self.path.open("rb") as handle:
                yield handle
            return
        # An encrypted member or an unknown compression method shows when opened, damaged data (bad CRC, broken
        # deflate stream) only when read: either way this member fails, not the whole load.
        try:
            with zipfile.ZipFile(self.path) as archive, archive.open(self.member) as handle:
                compressed = archive.getinfo(self.member).compress_size
                yield BoundedReader(handle, compressed, limits, "the archive member")
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as error:
            raise UnreadableFileError(
                f"{excerpt(self.member)} cannot be read from the ZIP archive ({excerpt(str(error))})"
            ) from error

    @contextmanager
    def on_disk(self, limits: ExpansionLimits | None = None) -> Iterator[Path]:
        """A path to read: the file itself, or an archive member extracted (within `limits`) to a temporary file."""
        if self.member is None:
            yield self.path
            return
        with tempfile.NamedTemporaryFile(suffix=PurePosixPath(self.member).suffix, delete=True) as target:
            with self._open_bytes(limits or ExpansionLimits()) as source:
                shutil.copyfileobj(source, target, _HASH_CHUNK)
            target.flush()
            yield Path(target.name)


def landing_files(landing_root: Path, kind: str) -> list[LandingFile]:
    """Files of `kind`, sorted by path; names starting with '.' or '_' are ignored, archives are opened."""
    found: list[LandingFile] = []
    for folder_kind in KINDS:
        for path, refused in entries_below(landing_root, folder_kind):
            relative = path.relative_to(landing_root).as_posix()
            stat = path.lstat() if refused else path.stat()  # the link itself: its target is not to be touched
            modified_at = datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None)
            if refused or path.suffix.lower() != ZIP_SUFFIX:
                if folder_kind == kind:
                    found.append(LandingFile(path, relative, kind, stat.st_size, modified_at, refused=refused))
                continue
            members = _archive_members(path)
            if members is None:  # not a readable archive: the loader reports it under the folder's kind
                if folder_kind == kind:
                    found.append(LandingFile(path, relative, kind, stat.st_size, modified_at))
                continue
            for member, size, unsafe in members:
                if member_kind(member, folder_kind) == kind:
                    refusal = UNSAFE_MEMBER if unsafe else None
                    found.append(LandingFile(path, f"{relative}/{member}", kind, size, modified_at, member, refusal))
    return sorted(found, key=lambda item: item.relative_path)


def member_kind(member: str, archive_kind: str) -> str:
    parts = PurePosixPath(member).parts
    for folder in parts[:-1]:
        if folder.lower() in KINDS:
            return folder.lower()
    stem = PurePosixPath(member).name.lower()
    return next((kind for kind in KINDS if stem.startswith(kind)), archive_kind)


def entries_below(landing_root: Path, folder_kind: str) -> list[tuple[Path, str | None]]:
    """The files below landing/<kind>/, sorted, each with the reason it is not read (None: it is read). Links are
    followed only to files inside the landing folder; the walk never enters a linked folder."""
    root, folder = landing_root.resolve(), landing_root / folder_kind
    if folder.is_symlink():
        refused = _link_refusal(folder, root)
        if refused is not None:
            return [(folder, refused)]
    if not folder.is_dir():
        return []
    entries: list[tuple[Path, str | None]] = []
    for directory, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if not name.startswith(HIDDEN_PREFIXES)]
        for name in folders:
            path = Path(directory) / name
            if path.is_symlink():  # not walked into (os.walk does not follow links): named, with the reason
                entries.append((path, _link_refusal(path, root) or FOLDER_LINK))
        for name in files:
            path = Path(directory) / name
            if name.startswith(HIDDEN_PREFIXES):
                continue
            if path.is_symlink():
                entries.append((path, _link_refusal(path, root)))
            elif path.is_file():  # not a pipe or a device
                entries.append((path, None))
    return sorted(entries)


def _link_refusal(link: Path, root: Path) -> str | None:
    """Why a link is not followed, or None for a link to a file inside the landing folder."""
    try:
        target = link.resolve()
    except (RuntimeError, OSError):  # a loop of links
        return LINK_TO_NOTHING
    inside = target.is_relative_to(root)
    if target.is_dir():
        return FOLDER_LINK if inside else OUTSIDE_FOLDER
    if not inside:
        return OUTSIDE_FILE
    return None if target.is_file() else LINK_TO_NOTHING


def _archive_members(path: Path) -> list[tuple[str, int, bool]] | None:
    """The archive's files: name, size, and whether the name is unsafe (it would climb out of the folder it is
    unpacked into). Hidden ones (__MACOSX/…, .DS_Store) are left out."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError):
        return None
    members = []
    for info in infos:
        unsafe = _unsafe_member(info.filename)
        if unsafe or not any(part.startswith(HIDDEN_PREFIXES) for part in PurePosixPath(info.filename).parts):
            members.append((info.filename, info.file_size, unsafe))
    return members


def _unsafe_member(name: str) -> bool:
    """An absolute path, one with a drive, or one with a '..' part ('/' and '\\' both separate parts)."""
    return name.startswith(("/", "\\")) or bool(_DRIVE.match(name)) or ".." in re.split(r"[/\\]", name)


def landing_fingerprint(landing_root: Path, folders: tuple[str, ...]) -> str:
    """Cheap change detector for sensors: path, size and mtime of every file in these folders of landing/."""
    digest = hashlib.sha256()
    for folder in folders:
        for path, refused in entries_below(landing_root, folder):
            stat = path.lstat() if refused else path.stat()
            digest.update(f"{path.relative_to(landing_root).as_posix()}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()
