"""Files made to hurt: fields and lines longer than a reader takes, links out of the landing folder, archive
members with unsafe paths, archive bombs, messages that would quote a file at length. Each is a normal outcome —
read, rejected row by row, or a failed file with its reason — never an exception that escapes, a row lost without
a trace, content from outside the landing folder read, a disk filled, or file content spilled into the load log."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import BinaryIO

import duckdb
import pytest

from pipelines.core.config import load_config
from pipelines.core.ingest import discovery, ingest_kind
from pipelines.core.ingest.discovery import landing_files, landing_fingerprint
from pipelines.core.ingest.readers import UnreadableFileError, delimited
from pipelines.core.ingest.readers.expansion import ExpansionLimits
from pipelines.core.ingest.readers.parts import first_line
from pipelines.core.ingest.validation import ValidationSettings
from pipelines.core.text import excerpt
from tests.broken_inputs import gzipped, header, lines, sale, zipped
from tests.unit.test_broken_inputs import assert_every_file_reconciles, load, load_log, put, raw_rows, sold

SMALL_LINE_LIMIT = 4096  # instead of 64 MB, so that a test file holds lines too long to read
GOOD_ORDERS = ("A-100", "A-101", "A-103")
FEWER_FIELDS = "the line has fewer fields than the header (expected: 6, found: 3)"


def line_rejects(connection: duckdb.DuckDBPyConnection, path: str) -> list[tuple[int, str, str]]:
    rows = connection.execute(
        "select row_number, reasons, original_values from ops.rejected_rows where file_path = ? order by 1", [path]
    ).fetchall()
    return [(row, reasons, json.loads(original)["line"]) for row, reasons, original in rows]


def test_a_header_line_of_200_000_characters_is_read_and_its_long_name_shown_as_an_excerpt(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    long_name = "x" * (200_000 - len(header()) - 1)
    assert len(header(long_name)) == 200_000
    put(landing / "sales" / "wide.csv", lines(header(long_name), sale("A-100", extra=("note",))))
    connection = load(landing)
    entry = load_log(connection)["sales/wide.csv"]
    assert (entry["status"], entry["error"]) == ("loaded", None)
    assert raw_rows(connection, "sales", "sales/wide.csv", list(sold("A-100"))) == {1: sold("A-100")}
    assert entry["notes"] == f"columns no rule reads, kept in each row's attributes: '{'x' * 60}'…"
    assert_every_file_reconciles(connection)


def test_a_header_line_longer_than_a_line_may_be_fails_the_file_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delimited, "MAX_LINE_BYTES", SMALL_LINE_LIMIT)
    landing = tmp_path / "landing"
    put(landing / "sales" / "wide.csv", lines(header("x" * 5_000), sale("A-100", extra=("note",))))
    entry = load_log(load(landing))["sales/wide.csv"]
    assert (entry["status"], entry["error"]) == (
        "failed",
        "the header line is longer than 4,096 bytes, the longest line that is read",
    )


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
@pytest.mark.parametrize("position", [1, 2, 4], ids=["first row", "between rows", "last row"])
def test_a_line_too_long_to_read_is_rejected_with_its_number_and_the_rows_after_keep_theirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, newline: str, position: int
) -> None:
    monkeypatch.setattr(delimited, "MAX_LINE_BYTES", SMALL_LINE_LIMIT)
    landing = tmp_path / "landing"
    rows = [sale("A-100"), sale("A-101"), "A-102,1,K-7", sale("A-103")]  # row 3 is short of fields
    long_line = sale("A-999", customer="K-" + "9" * 3 * SMALL_LINE_LIMIT)
    rows.insert(position - 1, long_line)
    put(landing / "sales" / "long.csv", lines(header(), *rows, newline=newline))
    connection = load(landing)

    entry = load_log(connection)["sales/long.csv"]
    assert (entry["status"], entry["rows_read"], entry["rows_rejected"]) == ("loaded with rejects", 5, 2)
    rejected = line_rejects(connection, "sales/long.csv")
    short_row = rows.index("A-102,1,K-7") + 1
    assert [(row, reason) for row, reason, _ in rejected] == sorted(
        [
            (position, "line could not be split into fields: the line is longer than 4,096 bytes"),
            (short_row, "line could not be split into fields: " + FEWER_FIELDS),
        ]
    )
    kept = {row: line for row, _, line in rejected}
    assert kept[position] == long_line[: delimited.LONG_LINE_KEPT]  # its beginning, not 12 KB of it
    assert kept[short_row] == "A-102,1,K-7"
    good_lines = [sale(order) for order in GOOD_ORDERS]
    good = {number: sold(row[:5]) for number, row in enumerate(rows, start=1) if row in good_lines}
    assert raw_rows(connection, "sales", "sales/long.csv", list(sold("A-100"))) == good
    assert_every_file_reconciles(connection)


def test_lines_too_long_are_found_wherever_they_cross_the_chunks_the_file_is_scanned_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delimited, "MAX_LINE_BYTES", 64)  # the file is scanned in chunks of 64 bytes
    lengths = [10, 64, 65, 3, 200, 63, 129, 0, 130]  # the last line without a line break
    content = b"\n".join(b"x" * length for length in lengths)
    path = tmp_path / "orders.csv"
    path.write_bytes(content)
    starts = [sum(lengths[:index]) + index for index in range(len(lengths))]
    expected = [
        (start, min(start + length + 1, len(content)))
        for start, length in zip(starts, lengths, strict=True)
        if length > 64
    ]
    assert delimited._long_lines(path) == expected


def test_an_excerpt_is_short_and_escapes_what_does_not_print() -> None:
    text = "root:x:0:0\n\x1b[2J\u202etxt.exe" + "y" * 1_000
    shown = excerpt(text)
    assert shown.startswith("root:x:0:0\\n\\x1b[2J\\u202etxt.exe")
    assert shown.endswith("y…") and shown.isprintable() and len(shown) < 220
    assert first_line(RuntimeError(text)) == "root:x:0:0"
    assert len(first_line(RuntimeError("z" * 5_000))) == 201


SECRET = "root:x:0:0:root:/root:/bin/bash"  # what a file outside the landing folder holds


def everything_logged_or_loaded(connection: duckdb.DuckDBPyConnection) -> str:
    """All text the warehouse holds about the files: load log, rejected rows, warnings, raw rows."""
    tables = ("ops.load_log", "ops.rejected_rows", "ops.load_warnings", "raw.sales")
    return "\n".join(str(connection.execute(f"select * from {table}").fetchall()) for table in tables)


def test_links_are_followed_only_to_files_inside_the_landing_folder(tmp_path: Path) -> None:
    outside, landing = tmp_path / "outside", tmp_path / "landing"
    put(outside / "secret.csv", lines(SECRET, "daemon:x:1:1"))
    put(outside / "folder" / "orders.csv", lines(header(), sale("S-1")))
    put(landing / "sales" / "orders.csv", lines(header(), sale("A-100")))
    put(landing / "archive" / "kept.csv", lines(header(), sale("A-200")))  # inside the landing folder
    links = {
        "secret.csv": outside / "secret.csv",
        "gone.csv": outside / "no such file.csv",
        "elsewhere": outside / "folder",
        "kept.csv": landing / "archive" / "kept.csv",
        "mirror": landing / "archive",
        "nothing.csv": landing / "archive" / "no such file.csv",
    }
    for name, target in links.items():
        (landing / "sales" / name).symlink_to(target)
    connection = load(landing)

    log = load_log(connection)
    assert {path: (row["status"], row["error"]) for path, row in log.items()} == {
        "sales/orders.csv": ("loaded", None),
        "sales/kept.csv": ("loaded", None),
        "sales/secret.csv": ("failed", "a link to a file outside the landing folder; not read"),
        "sales/gone.csv": ("failed", "a link to a file outside the landing folder; not read"),
        "sales/elsewhere": ("failed", "a link to a folder outside the landing folder; not read"),
        "sales/mirror": (
            "failed",
            "a link to a folder; links to folders are not followed, so the files in it are not read",
        ),
        "sales/nothing.csv": ("failed", "a link that leads to no file; not read"),
    }
    assert connection.execute("select order_id from raw.sales order by 1").fetchall() == [("A-100",), ("A-200",)]
    assert SECRET not in everything_logged_or_loaded(connection) and "S-1" not in everything_logged_or_loaded(
        connection
    )
    assert_every_file_reconciles(connection)

    # The next run logs nothing new: a refused link is reported once, until it changes.
    rows = connection.execute("select count(*) from ops.load_log").fetchone()[0]
    again = {item.file_path: item.status for item in ingest_kind(connection, "sales", landing).files}
    assert again["sales/secret.csv"] == "failed"
    assert connection.execute("select count(*) from ops.load_log").fetchone()[0] == rows


def test_a_loaded_file_replaced_by_a_link_out_of_the_landing_folder_stops_serving(tmp_path: Path) -> None:
    landing, outside = tmp_path / "landing", tmp_path / "outside"
    path = put(landing / "sales" / "orders.csv", lines(header(), sale("A-100"), sale("A-101", at="soon")))
    connection = load(landing)
    put(outside / "orders.csv", lines(header(), sale("S-1")))
    path.unlink()
    path.symlink_to(outside / "orders.csv")
    (outcome,) = ingest_kind(connection, "sales", landing).files
    assert (outcome.status, outcome.error) == ("failed", "a link to a file outside the landing folder; not read")
    assert connection.execute("select count(*) from raw.sales").fetchone()[0] == 0
    assert connection.execute("select count(*) from ops.rejected_rows").fetchone()[0] == 0
    assert connection.execute("select count(*) from ops.load_log where is_current").fetchone()[0] == 0


def test_a_kind_folder_that_links_out_of_the_landing_folder_is_refused(tmp_path: Path) -> None:
    landing, outside = tmp_path / "landing", tmp_path / "outside"
    put(outside / "orders.csv", lines(header(), sale("S-1")))
    landing.mkdir()
    (landing / "sales").symlink_to(outside)
    log = load_log(load(landing))
    assert {path: row["error"] for path, row in log.items()} == {
        "sales": "a link to a folder outside the landing folder; not read"
    }
    assert landing_fingerprint(landing, ("sales",))  # no target is read


def test_archive_members_with_unsafe_paths_are_refused_and_logged(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    unsafe = ("../evil.csv", "/etc/cron.csv", "..\\windows.csv", "C:/temp/orders.csv", "orders/../../up.csv")
    members = {"orders.csv": lines(header(), sale("A-100"))}
    members |= {name: lines(header(), sale(f"S-{index}")) for index, name in enumerate(unsafe)}
    put(landing / "sales" / "bundle.zip", zipped(members))
    connection = load(landing)
    log = load_log(connection)
    assert {path: (row["status"], row["error"]) for path, row in log.items()} == {
        "sales/bundle.zip/orders.csv": ("loaded", None),
        **{f"sales/bundle.zip/{name}": ("failed", "unsafe path inside the archive; not read") for name in unsafe},
    }
    assert connection.execute("select order_id from raw.sales").fetchall() == [("A-100",)]
    assert_every_file_reconciles(connection)


def test_an_unsafe_archive_member_that_an_earlier_version_loaded_stops_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    put(landing / "sales" / "bundle.zip", zipped({"/etc/orders.csv": lines(header(), sale("S-1"))}))
    with monkeypatch.context() as earlier_version:  # which took the member for a file like any other
        earlier_version.setattr(discovery, "_unsafe_member", lambda name: False)
        connection = load(landing)
    assert connection.execute("select order_id from raw.sales").fetchall() == [("S-1",)]
    (outcome,) = ingest_kind(connection, "sales", landing).files
    assert (outcome.status, outcome.error) == ("failed", "unsafe path inside the archive; not read")
    assert connection.execute("select count(*) from raw.sales").fetchone()[0] == 0
    (again,) = ingest_kind(connection, "sales", landing).files
    assert again.status == "failed"
    assert connection.execute("select count(*) from ops.load_log").fetchone()[0] == 2


def test_an_error_that_names_file_content_shows_a_short_escaped_excerpt(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    put(landing / "sales" / "odd.csv", lines("order_id,\x1b[2J" + "n" * 10_000, "A-100,x"))
    error = load_log(load(landing))["sales/odd.csv"]["error"]
    assert error.startswith("missing required column(s): ordered_at, quantity, unit_price (the file has: ")
    assert f"'order_id', '\\x1b[2J{'n' * 56}'…" in error
    assert error.isprintable() and len(error) < 300


def compressible_csv(size: int) -> bytes:
    """A sales CSV of about `size` bytes that compresses to almost nothing: one order line again and again."""
    row = sale("A-100") + "\n"
    return (header() + "\n" + row * (size // len(row))).encode()


def written_by_copies(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The bytes each file copy (a .gz decompressed, a member extracted) writes, counted as they are written."""
    sizes: list[int] = []
    copy = shutil.copyfileobj

    class Counted:
        def __init__(self, target: BinaryIO) -> None:
            self.target = target

        def write(self, data: bytes) -> int:
            sizes[-1] += len(data)
            return self.target.write(data)

    def counted_copy(source: BinaryIO, target: BinaryIO, length: int = 0) -> None:
        sizes.append(0)
        copy(source, Counted(target), length)

    monkeypatch.setattr(shutil, "copyfileobj", counted_copy)
    return sizes


def test_a_gzip_file_that_expands_beyond_the_limit_is_refused_before_more_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    put(landing / "sales" / "orders.csv.gz", gzipped(compressible_csv(3_000_000)))
    writes = written_by_copies(monkeypatch)
    settings = ValidationSettings(expansion=ExpansionLimits(max_bytes=1_000_000, max_ratio=10_000))
    connection = duckdb.connect()
    ingest_kind(connection, "sales", landing, settings=settings)
    entry = load_log(connection)["sales/orders.csv.gz"]
    assert (entry["status"], entry["error"]) == (
        "failed",
        "the gzip file expands to more than 1 MB, the most a compressed file may expand to "
        "(ingest.max_uncompressed_bytes in pulse.yaml); not read",
    )
    assert writes and max(writes) <= 1_000_000


def test_a_zip_member_that_expands_beyond_the_ratio_is_refused_before_more_is_read_or_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    archive = put(landing / "sales" / "bundle.zip", zipped({"orders.csv": compressible_csv(3_000_000)}))
    compressed = zipfile.ZipFile(archive).getinfo("orders.csv").compress_size
    limits = ExpansionLimits(max_bytes=10**12, max_ratio=20)
    connection = duckdb.connect()
    ingest_kind(connection, "sales", landing, settings=ValidationSettings(expansion=limits))
    entry = load_log(connection)["sales/bundle.zip/orders.csv"]
    assert entry["status"] == "failed" and entry["file_sha256"] is None  # its hash is not taken past the limit
    assert entry["error"].startswith("the archive member expands to more than 20 times its compressed size of ")
    assert entry["error"].endswith(", as an archive bomb does (ingest.max_compression_ratio in pulse.yaml); not read")

    # Extracting it for reading stops at the limit too.
    writes = written_by_copies(monkeypatch)
    (member,) = landing_files(landing, "sales")
    with pytest.raises(UnreadableFileError, match="20 times its compressed size"), member.on_disk(limits):
        pass
    assert writes and max(writes) <= 20 * compressed


def test_the_expansion_limits_are_set_in_pulse_yaml(tmp_path: Path) -> None:
    config = tmp_path / "pulse.yaml"
    config.write_text("ingest:\n  max_uncompressed_bytes: 5000000000\n  max_compression_ratio: 50\n")
    assert load_config(config).validation_settings().expansion == ExpansionLimits(5_000_000_000, 50)
    assert load_config(tmp_path / "absent.yaml").validation_settings().expansion == ExpansionLimits(20 * 10**9, 200)
    config.write_text("ingest:\n  max_compression_ratio: 0\n")
    with pytest.raises(ValueError, match=r"ingest\.max_compression_ratio: 0 is not a positive number"):
        load_config(config)
