"""Which processes are alive and how to stop them: what a refresh needs to clean up after one that was killed.
Linux reads /proc; elsewhere only whether a pid exists can be told."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class ProcessIdentity:
    """A process as a run records it: a pid is reused once its process is gone, its start time is not."""

    host: str
    pid: int
    started: str  # clock ticks since boot (Linux), "" where that cannot be read

    @classmethod
    def current(cls) -> ProcessIdentity:
        return cls(socket.gethostname(), os.getpid(), start_time(os.getpid()) or "")

    def tag(self) -> str:
        return f"{self.host}:{self.pid}:{self.started}"

    @classmethod
    def from_tag(cls, text: str) -> ProcessIdentity | None:
        parts = text.rsplit(":", 2)
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        return cls(parts[0], int(parts[1]), parts[2])

    @classmethod
    def of(cls, pid: int) -> ProcessIdentity:
        return cls(socket.gethostname(), pid, start_time(pid) or "")

    def is_alive(self) -> bool:
        """Still running; a process on another host is taken as alive (nothing here can tell)."""
        if self.host != socket.gethostname():
            return True
        if not _exists(self.pid):
            return False
        return not self.started or start_time(self.pid) == self.started


def _stat(process: Path) -> list[str] | None:
    """/proc/<pid>/stat from field 3 on: the command name (field 2) is in parentheses and may hold spaces."""
    try:
        return process.joinpath("stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def start_time(pid: int) -> str | None:
    fields = _stat(PROC / str(pid))
    return fields[19] if fields else None  # field 22


def _parents() -> dict[int, int]:
    """Every process's parent (field 4), read once; empty where there is no /proc."""
    parents = {}
    for entry in PROC.glob("[0-9]*") if PROC.is_dir() else []:
        if fields := _stat(entry):
            parents[int(entry.name)] = int(fields[1])
    return parents


def parent_of(pid: int) -> int | None:
    fields = _stat(PROC / str(pid))
    return int(fields[1]) if fields else None


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def terminate(pids: list[int], grace_seconds: float = 5.0) -> None:
    """SIGTERM, then SIGKILL for what is still running after the grace period."""
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline and any(_exists(pid) for pid in pids):
        time.sleep(0.1)
    for pid in pids:
        if _exists(pid):
            _signal(pid, signal.SIGKILL)


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`, and theirs."""
    parents = _parents()
    found: list[int] = []
    generation = [pid]
    while generation:
        generation = [child for child, parent in parents.items() if parent in generation]
        found += generation
    return found


def orphans_with_environment(variable: str, value: str) -> list[int]:
    """Processes whose environment holds variable=value and whose parent is gone (they were handed to init): what a
    killed process left running. Linux only (empty elsewhere); never this process or its children."""
    wanted = f"{variable}={value}".encode()
    found = []
    for pid, parent in _parents().items():
        try:
            if wanted not in (PROC / str(pid) / "environ").read_bytes().split(b"\0"):
                continue
        except OSError:
            continue
        if parent != os.getpid() and os.getpid() != 1 and (parent == 1 or not _exists(parent)):
            found.append(pid)
    return found


def _signal(pid: int, number: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, number)
