"""Load every new or changed landing file of one kind: good rows to a table of their own in raw_files (raw.<kind>
is the view over the current ones), rejected rows to ops.rejected_rows, warnings to ops.load_warnings, one
ops.load_log row per file and attempt.

A file is loaded whole or not at all, and one file's failure — whatever it is — is recorded with its reason and
never stops the others. A changed file, or a file whose mapping changed, replaces the rows its previous load put
there. For every file: rows read = loaded + rejected + skipped + not loaded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import duckdb

from pipelines.core.contracts import Contract, contract_for
from pipelines.core.ingest import ledger as load_log
from pipelines.core.ingest.discovery import LandingFile, landing_files
from pipelines.core.ingest.ledger import Attempt, Ledger, read_ledger
from pipelines.core.ingest.lookups import lookups_fingerprint
from pipelines.core.ingest.phones import READ_BY
from pipelines.core.ingest.preparation import PreparedFile, prepare_read, read_file
from pipelines.core.ingest.readers import ReadResult, UnreadableFileError
from pipelines.core.ingest.readers.parts import first_line
from pipelines.core.ingest.results import FileLoad, FileStatus, KindLoad
from pipelines.core.ingest.schema import ensure_schema, refresh_raw_view
from pipelines.core.ingest.scope import TempScope
from pipelines.core.ingest.shared_keys import shared_key_notes
from pipelines.core.ingest.validation import ValidationSettings
from pipelines.core.ingest.writer import Counts, drop_tables, record_part, write_tables
from pipelines.core.mapping.catalog import MappingCatalog, Selection
from pipelines.core.mapping.model import Mapping
from pipelines.core.mapping.sql import MappingMismatchError

# Part of every file's mapping fingerprint: raised when a change to reading or validation means that files loaded
# by an earlier version hold different values than a load now would (3: text stored as written, phones read in
# the row's country, more spellings, line numbers for sales exports without them; 4: columns beyond the contract
# kept in each row's attributes).
INGEST_VERSION = "4"


def ingest_kind(
    connection: duckdb.DuckDBPyConnection,
    kind: str,
    landing_root: Path,
    *,
    catalog: MappingCatalog | None = None,
    settings: ValidationSettings | None = None,
    on_file: Callable[[FileLoad], None] | None = None,
) -> KindLoad:
    contract = contract_for(kind)
    catalog = catalog or MappingCatalog.load(None)
    settings = settings or ValidationSettings()
    connection.execute("set TimeZone = 'UTC'")
    ensure_schema(connection, contract)
    ledger = read_ledger(connection, kind)
    result = KindLoad(kind, problems=[problem.message for problem in catalog.problems if problem.kind in (None, kind)])
    lookups_read: dict[str, str] = {}  # per mapping, its lookups' fingerprint: the landing folder walked once a run
    try:
        for item in landing_files(landing_root, kind):
            outcome = load_file(
                connection, contract, item, catalog, settings, ledger, landing_root=landing_root, lookups=lookups_read
            )
            result.files.append(outcome)
            if on_file:
                on_file(outcome)
    finally:
        # Once per run, from the committed log: rebuilding it after every file made each file cost more than the last.
        refresh_raw_view(connection, contract)
    _note_shared_keys(connection, contract, result)
    return result


def load_file(
    connection: duckdb.DuckDBPyConnection,
    contract: Contract,
    item: LandingFile,
    catalog: MappingCatalog,
    settings: ValidationSettings,
    ledger: Ledger,
    chosen: Selection | None = None,
    landing_root: Path | None = None,
    lookups: dict[str, str] | None = None,
) -> FileLoad:
    """Decide what a landing file needs — nothing, a note that it is a copy, or a load — and do it. `chosen`: read
    it with this mapping instead of the one the catalog chooses (`pulse mapping check --mapping`). `landing_root`:
    where the mapping's lookups find their files; `lookups`: their fingerprints found so far in this run, by mapping."""
    attempt = Attempt(item)
    path = item.relative_path
    current = ledger.current.get(path)
    problems = [] if chosen else catalog.problems_for(contract.kind, item.path_in_kind)
    if problems:
        # A mapping that might read this file is broken: the file waits, its loaded rows (if any) keep serving.
        if current is not None and current.same_file(item):
            return FileLoad(path, FileStatus.UNCHANGED)
        reason = "a mapping file that may read this file is invalid, so it is not loaded until that is fixed: "
        return _failed(connection, attempt, reason + "; ".join(problem.message for problem in problems))
    attempt.selection = chosen or catalog.select(contract.kind, item.path_in_kind)
    mapping = attempt.selection.mapping
    known = lookups if lookups is not None else {}
    if mapping.label not in known:
        known[mapping.label] = lookups_fingerprint(landing_root, mapping)
    attempt.fingerprint = reading_fingerprint(mapping, settings, known[mapping.label])
    unchanged = current is not None and current.same_file(item) and current.mapping_fingerprint == attempt.fingerprint
    if unchanged and item.refused is None:  # what a path now refused loaded before (an older version read it) goes
        return FileLoad(path, FileStatus.UNCHANGED)
    failure = ledger.last_failure.get(path)
    if (
        failure is not None
        and failure.same_file(item)
        and failure.mapping_fingerprint == attempt.fingerprint
        and not failure.may_pass_on_retry
    ):
        # The same file with the same mapping would fail the same way: reported, not read again.
        return FileLoad(
            path,
            FileStatus.FAILED,
            rows_read=failure.rows_read,
            rows_not_loaded=failure.rows_not_loaded,
            error=failure.error,
            notes=("failed before as it is now; read again when the file or its mapping changes",),
            mapping=attempt.selection.mapping.label,
        )
    if item.refused is not None:
        return _refused(connection, contract, attempt, ledger)
    try:
        attempt.sha256 = item.sha256(settings.expansion)
    except (UnreadableFileError, OSError) as error:
        return _failed(connection, attempt, _in_words(error), error)
    content = (attempt.sha256, attempt.fingerprint)
    if current is not None and (current.sha256, current.mapping_fingerprint) == content:
        load_log.remember_modification_time(connection, item)
        return FileLoad(path, FileStatus.UNCHANGED)
    reread = current is not None and current.sha256 == attempt.sha256
    twin = ledger.current_by_content.get(content)
    if twin is not None and twin != path:
        return _duplicate(connection, contract, attempt, twin, ledger)
    notes = []
    if reread:
        notes.append(f"read again: the rules it is read with changed (mapping {attempt.selection.mapping.label})")
    outcome = _load(connection, contract, attempt, notes, settings, ledger, landing_root)
    if outcome.status != FileStatus.FAILED:
        ledger.now_holds(path, content)
    return replace(outcome, reread=reread)


def reading_fingerprint(mapping: Mapping, settings: ValidationSettings, lookups: str = "") -> str:
    """What decides the values a file loads as, besides its content: the mapping's rules, the settings it is read
    with, the files its lookups read (`lookups`) and the version of Customer Pulse's reading. When it changes, the
    file is read again."""
    text = f"{INGEST_VERSION}|{mapping.fingerprint}|{settings.phone_region}|{settings.timezone}"
    if lookups:
        text += f"|{lookups}"
    return hashlib.sha256(text.encode()).hexdigest()


def forget_loads(connection: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """For a full rebuild: the raw tables, rejects and warnings of the kind removed, failed files tried again;
    the load history stays."""
    ensure_schema(connection, contract)
    load_log.retire(connection, contract, read_ledger(connection, contract.kind).current)
    connection.execute(
        "update ops.load_log set may_pass_on_retry = true where kind = ? and status = ?",
        [contract.kind, FileStatus.FAILED],
    )
    refresh_raw_view(connection, contract)


def _load(
    connection: duckdb.DuckDBPyConnection,
    contract: Contract,
    attempt: Attempt,
    notes: list[str],
    settings: ValidationSettings,
    ledger: Ledger,
    landing_root: Path | None,
) -> FileLoad:
    assert attempt.selection is not None
    path = attempt.item.relative_path
    read: ReadResult | None = None
    tables: list[str] = []
    in_transaction = False
    with TempScope(connection, "file") as scope:
        try:
            read = read_file(connection, scope, attempt.item, attempt.selection, settings.expansion)
            prepared = prepare_read(
                connection, scope, contract, read, attempt.selection, settings, landing_root, attempt.item.modified_at
            )
            tables = write_tables(connection, contract, attempt.load_id, prepared)
            connection.execute("begin transaction")
            in_transaction = True
            current = ledger.current.get(path)
            if current is not None:
                load_log.retire(connection, contract, {path: current}, path)
            counts = Counts()
            for part, table in zip(prepared.parts, tables, strict=True):
                counts.add(record_part(connection, contract, attempt.load_id, path, part, table))
            outcome = _outcome(contract, attempt, prepared, counts, tables, notes, settings)
            if not outcome.balances:
                raise RuntimeError(
                    f"{outcome.rows_read:,} rows read but {outcome.rows_loaded:,} loaded + {outcome.rows_rejected:,} "
                    f"rejected + {outcome.rows_skipped:,} skipped + {outcome.rows_not_loaded:,} not loaded + "
                    f"{outcome.rows_merged:,} merged into their group; "
                    "nothing of the file is kept"
                )
            load_log.log_load(connection, attempt, outcome, prepared.read, is_current=True)
            connection.execute("commit")
        except Exception as error:
            if in_transaction:
                connection.execute("rollback")
            drop_tables(connection, tables)
            rows = error.rows if isinstance(error, UnreadableFileError) and error.rows is not None else None
            if rows is None and read is not None:
                rows = read.rows
            return _failed(connection, attempt, _in_words(error), error, rows)
    return outcome


def _outcome(
    contract: Contract,
    attempt: Attempt,
    prepared: PreparedFile,
    counts: Counts,
    tables: list[str],
    notes: list[str],
    settings: ValidationSettings,
) -> FileLoad:
    assert attempt.selection is not None
    mapping = attempt.selection.mapping
    notes = [*notes, *prepared.notes]
    if counts.skipped:
        notes.append(f"{counts.skipped:,} row(s) skipped by the mapping's rules")
    if mapping.group_by:
        groups = counts.loaded + counts.rejected
        notes.append(
            f"{groups + counts.merged:,} row(s) folded into {groups:,} row(s), one per "
            f"{' + '.join(mapping.group_by)} (group_by)"
        )
    if counts.phones_read_by:
        notes.append(_phones_note(counts.phones_read_by, mapping, settings))
    outcome = FileLoad(
        attempt.item.relative_path,
        FileStatus.LOADED,
        rows_read=prepared.read.rows,
        rows_loaded=counts.loaded,
        rows_rejected=counts.rejected,
        rows_skipped=counts.skipped,
        rows_not_loaded=prepared.rows_not_loaded,
        rows_merged=counts.merged,
        rows_with_warnings=counts.warned,
        rows_repeating_key=counts.repeating_key,
        rows_repeated_copies=counts.repeated_copies,
        doubts=tuple(prepared.doubts),
        mapping=mapping.label,
        tables=tuple(tables),
        column_origins=tuple((name, column.origin) for name, column in prepared.parts[0].compiled.columns.items()),
    )
    if outcome.has_many_repeated_keys:
        notes.insert(0, _repeated_keys_note(contract, outcome))
    status = FileStatus.LOADED_WITH_REJECTS if counts.rejected or prepared.rows_not_loaded else FileStatus.LOADED
    return replace(outcome, status=status, notes=tuple(notes))


def _phones_note(read_by: dict[str, int], mapping: Mapping, settings: ValidationSettings) -> str:
    regions = {"mapping_region": mapping.phone_region, "default_region": settings.phone_region}
    parts = [
        f"{count:,} {READ_BY[rule]}" + (f" ({regions[rule]})" if regions.get(rule) else "")
        for rule, count in read_by.items()
    ]
    return "phone numbers: " + ", ".join(parts)


def _repeated_keys_note(contract: Contract, outcome: FileLoad) -> str:
    key = "/".join(contract.key)
    replaced = outcome.rows_replaced_in_file
    share = 100 * replaced / outcome.rows_loaded
    text = (
        f"ATTENTION: {replaced:,} of {outcome.rows_loaded:,} rows ({share:.1f} %) have the same {key} as a later "
        "row of this file with other values, and only the last row of each is kept. "
    )
    if contract.numbered_within is not None:
        column, within = contract.numbered_within
        return text + (
            f"If the file has several rows per {within} (one per product, say), number them in the mapping: "
            f"{column}: {{sequence_within: <the column that holds the {within}>}}"
        )
    return text + (
        f"If the file has several rows per {key} (one per event of a ticket, say), only the last is kept: check "
        f"that the mapping's {contract.key[0]} is the right column"
    )


def _duplicate(
    connection: duckdb.DuckDBPyConnection, contract: Contract, attempt: Attempt, twin: str, ledger: Ledger
) -> FileLoad:
    """Logged as current, so that the next refresh skips it."""
    outcome = FileLoad(
        attempt.item.relative_path,
        FileStatus.DUPLICATE,
        notes=(f"same content as {twin}, which is loaded; not loaded again",),
        mapping=attempt.selection.mapping.label if attempt.selection else None,
    )

    def log() -> FileLoad:
        load_log.log_load(connection, attempt, outcome, is_current=True)
        return outcome

    return _instead_of_current(connection, contract, attempt, ledger, log)


def _refused(connection: duckdb.DuckDBPyConnection, contract: Contract, attempt: Attempt, ledger: Ledger) -> FileLoad:
    """A landing entry that is not read (a link out of the landing folder, an unsafe archive member), logged as
    failed with its reason. What its path loaded before goes: that may be content from outside the landing folder."""
    reason = attempt.item.refused
    assert reason is not None
    return _instead_of_current(
        connection, contract, attempt, ledger, lambda: _failed(connection, attempt, reason, UnreadableFileError(reason))
    )


def _instead_of_current(
    connection: duckdb.DuckDBPyConnection,
    contract: Contract,
    attempt: Attempt,
    ledger: Ledger,
    log: Callable[[], FileLoad],
) -> FileLoad:
    """In one transaction: what the path's current load put into the warehouse goes, and `log` records what takes
    its place (a copy of another file, a refusal)."""
    path = attempt.item.relative_path
    connection.execute("begin transaction")
    try:
        current = ledger.current.get(path)
        if current is not None:
            load_log.retire(connection, contract, {path: current}, path)
        outcome = log()
        connection.execute("commit")
    except Exception:
        connection.execute("rollback")
        raise
    ledger.now_holds(path, None)
    return outcome


def _failed(
    connection: duckdb.DuckDBPyConnection,
    attempt: Attempt,
    reason: str,
    error: BaseException | None = None,
    rows: int | None = None,
) -> FileLoad:
    """A file that could not be loaded, logged with its reason and the rows it holds where known; its earlier
    load (if any) stays current and keeps serving. Without an error (a broken mapping) it is tried again."""
    outcome = FileLoad(
        attempt.item.relative_path,
        FileStatus.FAILED,
        rows_read=rows or 0,
        rows_not_loaded=rows or 0,
        error=reason,
        mapping=attempt.selection.mapping.label if attempt.selection else None,
    )
    retry = True if error is None else _may_pass_on_retry(error)
    load_log.log_load(connection, attempt, outcome, is_current=False, may_pass_on_retry=retry)
    return outcome


def _may_pass_on_retry(error: BaseException) -> bool:
    """Failures of the machine rather than of the file: another run may not meet them."""
    if isinstance(error, UnreadableFileError | MappingMismatchError):
        return False
    return isinstance(error, OSError | MemoryError | duckdb.IOException | duckdb.OutOfMemoryException)


def _in_words(error: BaseException) -> str:
    if isinstance(error, UnreadableFileError | MappingMismatchError):
        return str(error)
    if isinstance(error, OSError):
        return f"the file could not be read ({error.strerror or error})"
    if isinstance(error, duckdb.Error):
        return f"the warehouse could not process the file ({first_line(error)})"
    return f"unexpected error while loading the file: {type(error).__name__}: {first_line(error)}"


def _note_shared_keys(connection: duckdb.DuckDBPyConnection, contract: Contract, result: KindLoad) -> None:
    loaded = {
        item.file_path: item
        for item in result.files
        if item.status in (FileStatus.LOADED, FileStatus.LOADED_WITH_REJECTS)
    }
    if not loaded:
        return
    load_ids = dict(
        connection.execute(
            "select file_path, load_id from ops.load_log where kind = ? and is_current and list_contains(?, file_path)",
            [contract.kind, list(loaded)],
        ).fetchall()
    )
    notes = shared_key_notes(connection, contract, list(load_ids.values()))
    for path, load_id in load_ids.items():
        if load_id in notes:
            load_log.add_note(connection, load_id, notes[load_id])
            index = result.files.index(loaded[path])
            result.files[index] = replace(loaded[path], notes=(*loaded[path].notes, notes[load_id]))
