"""Phone numbers to E.164 (+4930123456), each read in the right country: a number written with its country code
as it says; otherwise in the row's own country (a customer list's `country`), else the region the mapping gives
for the file, else the configured default region.

The common spellings are rewritten in SQL; the rest, few distinct values, go through `phonenumbers` (Google's
libphonenumber metadata) in Python, once per distinct (text, region) pair."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import duckdb
import phonenumbers
import pyarrow as pa
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata

from pipelines.core.ingest import countries
from pipelines.core.ingest.scope import TempScope
from pipelines.core.sql import literal

# How a phone number's country was decided, stored with each row (`_phone_read_by`) and counted per file.
READ_BY = {
    "country_code": "written with its country code",
    "row_country": "read in the row's own country",
    "mapping_region": "read in the region the mapping gives",
    "default_region": "read in the default region",
}


# A VALUES list needs a row; a file without phones joins none of it.
DEFAULT_UNUSED_REGION = "DE"


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


@dataclass(frozen=True)
class PhoneReading:
    """What validation needs: the rows to read (a query in parentheses: the mapped rows with the region of each
    row's phone) and the lookup table (raw, region, e164, has_country_code); None when the file gives no phones."""

    rows: str
    lookup_table: str | None


def prepare(
    connection: duckdb.DuckDBPyConnection,
    scope: TempScope,
    mapped: str,
    *,
    country_column: str | None,
    mapping_region: str | None,
    default_region: str,
    has_phones: bool = True,
) -> PhoneReading:
    """The rows of `mapped` (a relation) with `_phone_region` and `_phone_rule`, and the lookup of their phones.
    `has_phones`: False when the file has no phone column, so there is nothing to look up."""
    region_metadata(default_region)
    if mapping_region:
        region_metadata(mapping_region)
    if not has_phones:
        return PhoneReading(mapped, None)
    decided: list[tuple[str, str]] = []  # (region expression, rule)
    join = ""
    if country_column:
        country_table = scope.table("countries")
        countries.create_country_table(connection, country_table, scope.registered("country_names"))
        join = (
            f" left join {country_table} as row_country "
            f"on row_country.spelling = {countries.normalized_sql(f'mapped.{country_column}')}"
        )
        decided.append(("row_country.region", "row_country"))
    if mapping_region:
        decided.append((literal(mapping_region.upper()), "mapping_region"))
    decided.append((literal(default_region.upper()), "default_region"))
    region = "coalesce(" + ", ".join(expression for expression, _ in decided) + ")"
    rule = literal(decided[-1][1])
    if len(decided) > 1:
        whens = " ".join(f"when {expression} is not null then {literal(name)}" for expression, name in decided[:-1])
        rule = f"case {whens} else {rule} end"
    rows = f"(select mapped.*, {region} as _phone_region, {rule} as _phone_rule from {mapped} as mapped{join})"
    lookup = scope.table("phone_lookup")
    # Without a country column the regions are known beforehand: no need to ask the file.
    regions = None if country_column else sorted({expression.strip("'") for expression, _ in decided})
    _build_lookup(connection, scope, rows, lookup, regions)
    return PhoneReading(rows, lookup)


def _build_lookup(
    connection: duckdb.DuckDBPyConnection, scope: TempScope, rows: str, lookup: str, regions: list[str] | None
) -> None:
    """Temp table `lookup` (raw, region, e164, has_country_code) for every distinct phone text and region: a
    number is normalised once, however many rows repeat it. The SQL fast path fills most; `phonenumbers` the rest."""
    # The mapped phone is trimmed text already: the very value validation joins on.
    pairs = scope.table("phone_pairs")
    connection.execute(
        f"""
        create or replace temp table {pairs} as
        select distinct phone as raw, _phone_region as region from {rows} as phone_rows where phone is not null
        """
    )
    if regions is None:
        regions = [region for (region,) in connection.execute(f"select distinct region from {pairs}").fetchall()]
    connection.execute(f"create or replace temp table {lookup} as {_fast_e164_query(pairs, regions_sql(regions))}")
    leftovers = connection.execute(f"select raw, region from {lookup} where e164 is null").fetchall()
    readable = [(raw, region, number) for raw, region in leftovers if (number := e164(raw, region)) is not None]
    if readable:
        readings = scope.registered("phone_readings")
        connection.register(
            readings,
            pa.table(
                {
                    "raw": [raw for raw, _, _ in readable],
                    "region": [region for _, region, _ in readable],
                    "e164": [number for _, _, number in readable],
                }
            ),
        )
        connection.execute(
            f"update {lookup} set e164 = readings.e164 from {readings} as readings "
            f"where {lookup}.raw = readings.raw and {lookup}.region = readings.region"
        )


def regions_sql(regions: list[str]) -> str:
    """(region, calling_code, national_prefix, lengths) of the regions whose numbers are read, as a VALUES list."""
    rows = []
    for region in regions or [DEFAULT_UNUSED_REGION]:
        metadata = region_metadata(region)
        prefix = literal(metadata.national_prefix) if metadata.national_prefix else "cast(null as varchar)"
        lengths = ", ".join(str(length) for length in metadata.general_desc.possible_length or ())
        rows.append(
            f"({literal(region)}, {literal(str(metadata.country_code))}, {prefix}, cast([{lengths}] as bigint[]))"
        )
    return f"(select * from (values {', '.join(rows)}) as regions(region, calling_code, national_prefix, lengths))"


def _fast_e164_query(pairs: str, regions: str) -> str:  # regions: a relation, e.g. regions_sql(...)
    """SELECT raw, region, e164, has_country_code: E.164 for the spellings whose reading is certain, else NULL
    (left to `phonenumbers`): +<country code><number not starting with 0>, 00<same>, and <national prefix>
    <national number> of the region. Cleaning is done once per text, in inner queries: each regexp_replace written
    into the CASE would run again at every use."""
    codes = _country_codes_by_length()
    country_code = " ".join(
        f"when substr(international, 1, {length}) in ({', '.join(literal(code) for code in codes[length])}) "
        f"then {length}"
        for length in (1, 2, 3)
    )
    prefix_length = "length(regions.national_prefix)"
    return f"""
        select raw, region,
               case when has_country_code and regexp_full_match(cleaned, '(\\+|00)[1-9][0-9]{{6,14}}')
                         and substr(international, (case {country_code} end) + 1, 1) <> '0'
                    then '+' || international
                    when not has_country_code and regions.national_prefix is not null
                         and starts_with(cleaned, regions.national_prefix)
                         and regexp_full_match(cleaned, '[0-9]+')
                         and substr(cleaned, {prefix_length} + 1, 1) between '1' and '9'
                         and list_contains(regions.lengths, length(cleaned) - {prefix_length})
                    then '+' || regions.calling_code || substr(cleaned, {prefix_length} + 1)
               end as e164,
               has_country_code
        from (
            select raw, region, cleaned, regexp_replace(cleaned, '^(\\+|00)', '') as international,
                   regexp_matches(cleaned, '^(\\+|00)') as has_country_code
            from (select raw, region, {cleaned_sql("raw")} as cleaned from {pairs})
        ) as numbers
        join {regions} as regions using (region)
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
