"""Every text the dashboards show through t() (or mark with N_() for showing later) has a Simplified Chinese
translation with the same {fields}, and the formats follow the chosen language."""

from __future__ import annotations

import ast
import string
from datetime import date
from pathlib import Path

from dashboards.lib import formats
from dashboards.lib.i18n import catalog, catalog_entries, t

DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"


def texts_to_translate() -> dict[str, str]:
    """Every literal passed to t() (or the digest's tr()) or N_() in dashboards/, with the file that uses it."""
    found = {}
    for path in DASHBOARDS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("t", "tr", "N_")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found[node.args[0].value] = str(path.relative_to(DASHBOARDS))
    return found


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_shown_text_has_a_chinese_translation_with_the_same_fields() -> None:
    chinese = catalog("zh-CN")
    texts = texts_to_translate()
    assert len(texts) > 100
    missing = {text: where for text, where in texts.items() if text not in chinese}
    assert not missing, f"{len(missing)} texts without a zh-CN translation: {missing}"
    mismatched = [text for text in texts if fields(text) != fields(chinese[text])]
    assert not mismatched, mismatched


def test_each_text_has_one_translation() -> None:
    seen: dict[str, tuple[str, str]] = {}
    for file_name, source, translation in catalog_entries("zh-CN"):
        earlier = seen.setdefault(source, (file_name, translation))
        assert earlier[1] == translation, f"{source!r}: {earlier} and {file_name} disagree"


def test_a_translation_fills_its_fields_and_falls_back_to_english() -> None:
    assert t("Overview", "zh-CN") != "Overview"
    assert t("no such text {n}", "zh-CN", n=3) == "no such text 3"


def test_numbers_and_dates_follow_the_language() -> None:
    assert formats.money(1_234_567, "en") == "1.2 m"
    assert formats.money(1_234_567, "zh-CN") == "123.5万"
    assert formats.money(345_600_000, "zh-CN") == "3.5亿"
    assert formats.long_date(date(2026, 10, 31), "en") == "31 October 2026"
    assert formats.long_date(date(2026, 10, 31), "zh-CN") == "2026年10月31日"
    assert formats.month(date(2026, 10, 1), "zh-CN") == "2026年10月"
    assert formats.percent(12.345, "en") == "12.3 %"
    assert formats.percent(12.345, "zh-CN") == "12.3%"
    assert formats.hours(30, "en") == "30.0 h" and formats.hours(72, "en") == "3.0 days"
    assert formats.hours(0.07, "en") == "4 min" and formats.hours(0.07, "zh-CN") == "4 分钟"
    assert formats.count(None) == formats.MISSING
