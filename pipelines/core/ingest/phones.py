"""Phone numbers to E.164 (+4930123456). The common spellings are rewritten in SQL; the rest, few distinct values,
go through `phonenumbers` (Google's libphonenumber metadata) in Python, once per distinct value."""

from __future__ import annotations

from functools import cache

import duckdb
import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata

from pipelines.core.mapping.sql import literal, trimmed_text

LOOKUP_TABLE = "_phone_lookup"


class UnknownRegionError(ValueError):
    pass


@cache
def _country_codes_by_length() -> dict[int, tuple[str, ...]]:
    codes = [str(code) for code in COUNTRY_CODE_TO_REGION_CODE if code]
    return {length: tuple(sorted(code for code in codes if len(code) == length)) for length in (1, 2, 3)}


def region_metadata(region: str) -> PhoneMetadata:
    metadata = PhoneMetadata.metadata_for_region(region.upper())
    if metadata is None:
        raise UnknownRegionError(f"{region!r} is not a phone region; use an ISO 3166 code such as DE, US, GB")
    return metadata


def cleaned_sql(text: str) -> str:
    """Separators and the '(0)' that Germans and Swiss write after the country code removed."""
    without_trunk = f"replace({text}, '(0)', '')"
    return f"regexp_replace({without_trunk}, '[\\s().\\-/\u00a0]', '', 'g')"


def fast_e164_query(texts_sql: str, region: str) -> str:
    """SELECT raw, e164 for the texts `raw` that `texts_sql` selects: E.164 for the spellings whose reading is
    certain, else NULL (left to `phonenumbers`): +<country code><number not starting with 0>, 00<same>, and
    <national prefix><national number> of the region. Cleaning is done once per text, in inner queries: each
    regexp_replace written into the CASE would run again at every use."""
    metadata = region_metadata(region)
    codes = _country_codes_by_length()
    country_code = " ".join(
        f"when substr(international, 1, {length}) in ({', '.join(literal(code) for code in codes[length])}) "
        f"then {length}"
        for length in (1, 2, 3)
    )
    prefix = metadata.national_prefix or ""
    lengths = ", ".join(str(length) for length in metadata.general_desc.possible_length)
    national = (
        f"when regexp_full_match(cleaned, {literal(prefix + '[1-9][0-9]+')}) "
        f"and length(cleaned) - {len(prefix)} in ({lengths}) "
        f"then '+{metadata.country_code}' || substr(cleaned, {len(prefix) + 1})"
        if prefix
        else ""
    )
    return f"""
        select raw,
               case when regexp_full_match(cleaned, '(\\+|00)[1-9][0-9]{{6,14}}')
                         and substr(international, (case {country_code} end) + 1, 1) <> '0'
                    then '+' || international {national} end as e164
        from (
            select raw, cleaned, regexp_replace(cleaned, '^(\\+|00)', '') as international
            from (select raw, {cleaned_sql("raw")} as cleaned from ({texts_sql}))
        )
    """


def e164(raw: str, region: str) -> str | None:
    """libphonenumber's reading of one number, or None when it cannot be a phone number."""
    try:
        number = phonenumbers.parse(raw, region.upper())
    except phonenumbers.NumberParseException:
        return None
    # Strictly possible: "local only" numbers (no area code) cannot identify a customer.
    if phonenumbers.is_possible_number_with_reason(number) != phonenumbers.ValidationResult.IS_POSSIBLE:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def build_lookup(connection: duckdb.DuckDBPyConnection, source_table: str, column: str, region: str) -> None:
    """Temp table LOOKUP_TABLE (raw, e164) for every distinct phone text of `column`: a number is normalised once,
    however many rows repeat it. The SQL fast path fills most; `phonenumbers` the rest."""
    text = trimmed_text(column)
    connection.execute(
        f"""
        create or replace temp table {LOOKUP_TABLE} as
        {fast_e164_query(f"select distinct {text} as raw from {source_table} where {text} is not null", region)}
        """
    )
    leftovers = connection.execute(f"select raw from {LOOKUP_TABLE} where e164 is null").fetchall()
    readings = [(e164(raw, region), raw) for (raw,) in leftovers]
    readable = [(number, raw) for number, raw in readings if number is not None]
    if readable:
        connection.execute("create or replace temp table _phone_readings (e164 varchar, raw varchar)")
        connection.executemany("insert into _phone_readings values (?, ?)", readable)
        connection.execute(
            f"update {LOOKUP_TABLE} set e164 = readings.e164 from _phone_readings as readings "
            f"where {LOOKUP_TABLE}.raw = readings.raw"
        )
        connection.execute("drop table _phone_readings")
