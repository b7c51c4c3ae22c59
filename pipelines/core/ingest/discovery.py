"""Which files wait in a landing folder, and their fingerprints."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

_HASH_CHUNK = 1 << 22


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative_path: str
    size_bytes: int
    modified_at: datetime

    def sha256(self) -> str:
        digest = hashlib.sha256()
        with self.path.open("rb") as handle:
            while chunk := handle.read(_HASH_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()


def landing_files(landing_root: Path, kind: str) -> list[LandingFile]:
    """Files under landing/<kind>/, sorted by path; names starting with '.' or '_' are ignored."""
    folder = landing_root / kind
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(landing_root)
        if not path.is_file() or any(part.startswith((".", "_")) for part in relative.parts):
            continue
        stat = path.stat()
        found.append(
            LandingFile(
                path=path,
                relative_path=relative.as_posix(),
                size_bytes=stat.st_size,
                modified_at=datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None),
            )
        )
    return found


def landing_fingerprint(landing_root: Path, kinds: tuple[str, ...]) -> str:
    """Cheap change detector for sensors: path, size and mtime of every landing file."""
    digest = hashlib.sha256()
    for kind in kinds:
        for item in landing_files(landing_root, kind):
            digest.update(f"{item.relative_path}|{item.size_bytes}|{item.modified_at.isoformat()}\n".encode())
    return digest.hexdigest()
