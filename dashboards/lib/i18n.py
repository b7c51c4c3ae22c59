"""The dashboards in English or Simplified Chinese. Texts are written in English in the pages, wrapped in `t()`;
each translation lives in dashboards/locales/<language>/<section>.yaml as `English: translation`. A text with no
translation shows in English (a unit test lists the missing ones).

The language is the `lang` widget of the sidebar, bound to the URL (`?lang=zh-CN`), so a shared link opens in the
language it was sent in."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

LANGUAGES = {"en": "English", "zh-CN": "简体中文"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_KEY = "lang"
LOCALES = Path(__file__).resolve().parents[1] / "locales"


def language() -> str:
    """The language chosen in this session (English outside a Streamlit run, e.g. in the report command)."""
    from streamlit import runtime, session_state

    if not runtime.exists():  # plain Python: the report command, unit tests
        return DEFAULT_LANGUAGE
    chosen = session_state.get(LANGUAGE_KEY, DEFAULT_LANGUAGE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def t(text: str, language_code: str | None = None, **values: object) -> str:
    """`text` in the session's language (or `language_code`), with `{name}` fields filled from `values`."""
    translated = catalog(language_code or language()).get(text, text)
    return translated.format(**values) if values else translated


@cache
def catalog(language_code: str) -> dict[str, str]:
    if language_code == DEFAULT_LANGUAGE:
        return {}
    return {source: translation for _, source, translation in catalog_entries(language_code)}


def catalog_entries(language_code: str) -> list[tuple[str, str, str]]:
    """(file name, English, translation) of every entry, in file order (a later file wins; the unit test wants
    one translation per text)."""
    entries = []
    for path in sorted((LOCALES / language_code).glob("*.yaml")):
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        entries += [(path.name, str(source), str(translation)) for source, translation in loaded.items()]
    return entries


def N_(text: str) -> str:  # noqa: N802 (gettext's name for it)
    """Marks a text kept in data (a page title, a card label) for translation where it is shown with t()."""
    return text
