"""What a reader hands on: a file's rows as temp tables of text columns, one part per sheet."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.core.text import excerpt


class UnreadableFileError(Exception):
    """The file cannot be read at all; the message says why in words. `rows` is how many data rows the file was
    seen to hold, when that is known (a file read whole whose columns do not fit its mapping)."""

    def __init__(self, message: str, rows: int | None = None) -> None:
        super().__init__(message)
        self.rows = rows


@dataclass(frozen=True)
class SourcePart:
    table: str
    sheet: str | None
    columns: tuple[str, ...]
    rows: int  # data rows read, including those rejected because they could not be split into fields
    rejects_table: str | None = None  # (_source_row, reason, raw_line) of such rows
    row_number_sql: str = "_source_row"  # the data row of a row of `table`

    @property
    def relation(self) -> str:
        """The part's rows with their `_source_row`, for use in a FROM clause."""
        if self.row_number_sql == "_source_row":
            return self.table
        return f"(select *, {self.row_number_sql} as _source_row from {self.table})"


@dataclass
class ReadResult:
    file_format: str
    encoding: str | None = None
    parts: list[SourcePart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(part.rows for part in self.parts)


def first_line(error: BaseException) -> str:
    """The first line of an error, as an excerpt: a library's message may quote the file."""
    return excerpt(str(error).strip().splitlines()[0]) if str(error).strip() else type(error).__name__
