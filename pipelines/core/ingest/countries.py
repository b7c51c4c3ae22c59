"""Country names as exports write them ("DE", "DEU", "Germany", "Deutschland", "德国", "United States", "USA")
and the ISO 3166 code of each, for reading a row's phone number in its own country.

Names come from ISO 3166 (pycountry: codes, names, official and common names, and their translations into the
languages business exports are written in); a few everyday aliases are added. A name that two countries share
("Congo") is left out rather than guessed."""

from __future__ import annotations

import gettext
from functools import cache

import duckdb
import pyarrow as pa
import pycountry
from phonenumbers import SUPPORTED_REGIONS

# Spellings that neither source has, seen in CRM and shop exports.
ALIASES = {
    "GB": ("UK", "Great Britain", "Britain", "England", "Scotland", "Wales", "Northern Ireland", "英国"),
    "US": ("USA", "U.S.", "U.S.A.", "America", "United States of America", "美国"),
    "CN": ("PRC", "P.R. China", "Mainland China", "China Mainland", "中国大陆", "中华人民共和国", "大陆"),
    "HK": ("Hong Kong SAR", "Hong Kong China", "中国香港", "香港"),
    "MO": ("Macau", "Macao SAR", "中国澳门", "澳门"),
    "TW": ("Taiwan", "中国台湾", "台湾", "臺灣"),
    "KR": ("Korea", "Republic of Korea", "South Korea", "韩国", "韓國"),
    "RU": ("Russia", "Россия"),
    "NL": ("Holland", "The Netherlands"),
    "CZ": ("Czech Republic",),
    "AE": ("UAE",),
    "VN": ("Vietnam",),
    "TR": ("Turkey",),
}

# Languages whose country names are read (pycountry's ISO 3166 translations); libphonenumber's own geodata would
# add more, but importing it takes seconds.
LANGUAGES = (
    "de", "fr", "es", "it", "pt", "nl", "pl", "sv", "da", "fi", "nb", "cs", "hu", "ro", "tr", "ru", "uk", "el",
    "zh_CN", "zh_TW", "ja", "ko", "ar", "he", "hi", "id", "ms", "th", "vi",
)  # fmt: skip

# The same normalisation on both sides: letters and digits in lower case, anything else one space.
NORMALIZED_SQL = "trim(regexp_replace(lower({text}), '[^\\p{{L}}\\p{{N}}]+', ' ', 'g'))"


def normalized_sql(text: str) -> str:
    return NORMALIZED_SQL.format(text=text)


@cache
def _spellings() -> tuple[tuple[str, str], ...]:
    """(spelling, region) for every spelling that names exactly one country libphonenumber knows."""
    spellings: dict[str, set[str]] = {}

    def add(name: str | None, region: str) -> None:
        if name and region in SUPPORTED_REGIONS:
            spellings.setdefault(name, set()).add(region)

    translations = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)
        for language in LANGUAGES
    ]
    for country in pycountry.countries:
        region = country.alpha_2
        for attribute in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            add(getattr(country, attribute, None), region)
        for attribute in ("name", "official_name", "common_name"):
            english = getattr(country, attribute, None)
            for translation in translations if english else ():
                add(translation.gettext(english), region)
    for region, names in ALIASES.items():
        for name in names:
            spellings[name] = {region}  # an alias decides, even where a name is shared
    return tuple((name, regions.pop()) for name, regions in spellings.items() if len(regions) == 1)


def create_country_table(connection: duckdb.DuckDBPyConnection, table: str, arrow_name: str) -> None:
    """Temp table `table` (spelling, region): spelling normalised as `normalized_sql` normalises a value."""
    pairs = _spellings()
    rows = pa.table({"name": [name for name, _ in pairs], "region": [region for _, region in pairs]})
    connection.register(arrow_name, rows)
    try:
        connection.execute(
            f"""
            create or replace temp table {table} as
            select spelling, min(region) as region
            from (select {normalized_sql("name")} as spelling, region from {arrow_name})
            group by spelling
            having count(distinct region) = 1
            """
        )
    finally:
        connection.unregister(arrow_name)
