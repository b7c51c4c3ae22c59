"""SQL that reads a value written as text — a number, a date/time — the way validation types it. Shared by
validation and by mapping rules that need a typed value before validation (ordering the rows of a group, the
smallest or largest value of a group)."""

from __future__ import annotations

from pipelines.core.sql import literal

THOUSANDS_BY_COMMAS = r"[+\-]?\d{1,3}(,\d{3})+(\.\d*)?"
THOUSANDS_BY_POINTS = r"[+\-]?\d{1,3}(\.\d{3})+(,\d*)?"
UNPRINTABLE = r"[\p{Cc}\x{200E}\x{200F}\x{202A}-\x{202E}\x{2066}-\x{2069}]"
OFFSET_PATTERN = r"\d:\d\d(:\d\d(\.\d+)?)?\s*(Z|[+\-]\d\d(:?\d\d)?)$"


def number_sql(text: str, decimal_comma: bool, sql_type_name: str) -> str:
    """The text as a number. Plain numbers cast directly; only those that fail are cleaned (spaces and currency
    signs removed, thousands separators removed where they group digits by three, a decimal comma made a point),
    which is the slow part. A comma that does not group thousands ("1,5") is left, so the value is rejected rather
    than read as 15."""
    stripped = f"regexp_replace({text}, '[\\s€$£¥''\u00a0\u202f]', '', 'g')"
    if decimal_comma:
        # "12,5" and "3" directly; "1.234,5" (points grouping thousands) the long way; "1.5" stays 1.5.
        direct = f"case when not contains({text}, '.') then replace({text}, ',', '.') end"
        grouped = f"regexp_full_match({stripped}, {literal(THOUSANDS_BY_POINTS)})"
        unpointed = f"replace(replace({stripped}, '.', ''), ',', '.')"
        cleaned = f"case when {grouped} then {unpointed} else replace({stripped}, ',', '.') end"
    else:
        grouped = f"regexp_full_match({stripped}, {literal(THOUSANDS_BY_COMMAS)})"
        direct, cleaned = text, f"case when {grouped} then replace({stripped}, ',', '') else {stripped} end"
    return f"coalesce(try_cast({direct} as {sql_type_name}), try_cast({cleaned} as {sql_type_name}))"


def timestamp_sql(text: str, formats: tuple[str, ...], zone: str) -> str:
    """The text as a UTC timestamp: with the strptime `formats` if given, else ISO 8601; a time without an
    offset is local time in `zone`."""
    if formats:
        with_offset = [item for item in formats if "%z" in item or "%Z" in item]
        if with_offset and len(with_offset) == len(formats):
            return f"timezone('UTC', try_strptime({text}, [{in_list(formats)}]))"
        local = f"try_strptime({text}, [{in_list(tuple(item for item in formats if item not in with_offset))}])"
        converted = _local_to_utc(local, zone)
        if with_offset:
            return f"coalesce({converted}, timezone('UTC', try_strptime({text}, [{in_list(tuple(with_offset))}])))"
        return converted
    # try_cast(… as timestamp) ignores a written offset, so text with one is read as timestamptz.
    return (
        f"case when regexp_matches({text}, {literal(OFFSET_PATTERN)}) "
        f"then timezone('UTC', try_cast({text} as timestamptz)) "
        f"else {_local_to_utc(f'try_cast({text} as timestamp)', zone)} end"
    )


def date_sql(text: str, formats: tuple[str, ...]) -> str:
    if formats:
        return f"cast(try_strptime({text}, [{in_list(formats)}]) as date)"
    return f"coalesce(try_cast({text} as date), cast(try_cast({text} as timestamp) as date))"


def _local_to_utc(local: str, zone: str) -> str:
    if zone == "UTC":
        return local
    return f"timezone('UTC', timezone({literal(zone)}, {local}))"


def in_list(values: tuple[str, ...]) -> str:
    return ", ".join(literal(value) for value in values)


def shown_sql(text: str) -> str:
    """A value in a reason or warning: its first 60 characters, those that do not print (line breaks, terminal
    escapes, direction overrides) as �, so that a value cannot fake a line of a report or garble a terminal."""
    return f"'''' || regexp_replace(left({text}, 60), {literal(UNPRINTABLE)}, '\ufffd', 'g') || ''''"
