"""What loading a file, and a kind, came to: statuses in plain words and the counts that reconcile.

For every file: rows read = loaded + rejected + skipped (by a rule of the mapping) + not loaded (the whole file,
or a sheet of it, could not be loaded; its rows are counted all the same) + merged (folded into the row of their
group by a mapping with group_by: an event log's activities into their case)."""

from __future__ import annotations

from dataclasses import dataclass, field


class FileStatus:
    LOADED = "loaded"
    LOADED_WITH_REJECTS = "loaded with rejects"
    FAILED = "failed"
    DUPLICATE = "duplicate"  # the same content as a file that is loaded
    UNCHANGED = "unchanged"  # loaded before, as it is now (not logged again)


LOADED_STATUSES = (FileStatus.LOADED, FileStatus.LOADED_WITH_REJECTS)
# A file where more rows than this share their key with a later row of the same file is flagged: most likely one
# row per line or per event, of which only the last would be kept.
REPEATED_KEY_SHARE = 0.01


@dataclass(frozen=True)
class FileLoad:
    file_path: str
    status: str  # a FileStatus
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    rows_not_loaded: int = 0
    rows_merged: int = 0  # rows folded into the row of their group (beyond each group's first row)
    rows_with_warnings: int = 0
    rows_repeating_key: int = 0  # loaded rows whose key a later row of the same file has (the later one is kept)
    rows_repeated_copies: int = 0  # of those, rows with the same values as the later one: nothing is lost by them
    error: str | None = None
    notes: tuple[str, ...] = ()
    doubts: tuple[str, ...] = ()  # of the notes, those that most likely point to a mistake in the mapping
    mapping: str | None = None
    tables: tuple[str, ...] = ()  # its tables in raw_files
    column_origins: tuple[tuple[str, str], ...] = ()  # contract column, where its value comes from (first part)
    reread: bool = False  # loaded before with the same content: read again because its mapping or settings changed

    @property
    def rows_replaced_in_file(self) -> int:
        """Loaded rows that a later row of the file with the same key but other values replaces."""
        return self.rows_repeating_key - self.rows_repeated_copies

    @property
    def has_many_repeated_keys(self) -> bool:
        return self.rows_loaded > 0 and self.rows_replaced_in_file > REPEATED_KEY_SHARE * self.rows_loaded

    @property
    def balances(self) -> bool:
        return self.rows_read == (
            self.rows_loaded + self.rows_rejected + self.rows_skipped + self.rows_not_loaded + self.rows_merged
        )


@dataclass
class KindLoad:
    kind: str
    files: list[FileLoad] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # invalid mapping files that kept files of this kind waiting

    def count(self, status: str) -> int:
        return sum(1 for item in self.files if item.status == status)

    @property
    def rows_loaded(self) -> int:
        return sum(item.rows_loaded for item in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(item.rows_rejected for item in self.files)

    @property
    def rows_skipped(self) -> int:
        return sum(item.rows_skipped for item in self.files)

    @property
    def rows_not_loaded(self) -> int:
        return sum(item.rows_not_loaded for item in self.files)

    @property
    def rows_merged(self) -> int:
        return sum(item.rows_merged for item in self.files)

    @property
    def failed_files(self) -> list[FileLoad]:
        return [item for item in self.files if item.status == FileStatus.FAILED]

    @property
    def files_reread(self) -> list[FileLoad]:
        return [item for item in self.files if item.reread]

    @property
    def files_with_repeated_keys(self) -> list[FileLoad]:
        return [item for item in self.files if item.has_many_repeated_keys]
