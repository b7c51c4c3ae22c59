"""The management digest: a self-contained one-page HTML report of the Overview — KPI cards with their change and
trend, what needs attention, the biggest movers, three charts — for a chosen month. Written by `pulse report --out
FILE.html`, and sent weekly by the schedule to the configured address (pipelines.core.alerts' SMTP settings).

It draws the same figures as the Overview page (dashboards.lib.headline over the same queries), so the page and the
e-mail never disagree; the charts are inline SVG, so the file needs no network and no JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from html import escape

import pandas as pd

from dashboards.lib import svg
from dashboards.lib.access import current_scope
from dashboards.lib.charts.style import NPS_CATEGORY_COLOURS, SERIES
from dashboards.lib.formats import by_unit, change_by_unit, long_date, month, timestamp
from dashboards.lib.headline import Headline, Mover, attention, headline, movers
from dashboards.lib.i18n import t
from dashboards.lib.queries import health
from dashboards.lib.queries import overview as queries
from dashboards.lib.serving import snapshot_info, snapshot_version

SEVERITY_COLOURS = {"error": "#c62828", "warning": "#ef6c00", "info": "#1565c0"}
MONTHS_SHOWN = 13


class DigestError(RuntimeError):
    """The digest cannot be written (nothing published, no complete month); the message says why."""


@dataclass(frozen=True)
class Digest:
    subject: str
    html: str
    text: str  # the plain-text part of the e-mail
    headline: Headline


def build_digest(for_month: date | None = None, language: str = "en") -> Digest:
    """The digest of `for_month` (a complete month; default: the last complete one) from the published snapshot."""
    version = snapshot_version()
    if version is None:
        raise DigestError("nothing has been published yet: run `pulse refresh` first")
    months, _ = queries.kpis_by_period("month", version)
    if months.empty or not months["is_complete"].any():
        raise DigestError("the snapshot has no complete month of figures yet")
    until = None
    if for_month is not None:
        until = (pd.Timestamp(for_month).to_period("M").end_time).date()
        if pd.Timestamp(months["period_start"].min()).date() > for_month:
            raise DigestError(f"the snapshot has no figures for {for_month:%Y-%m}")
    since = (pd.Timestamp(until or months["counted_until"].max()) - pd.DateOffset(months=MONTHS_SHOWN - 1)).date()
    figures = headline(months, queries.average_clv(version), since=since, until=until)
    if figures.month is None:
        raise DigestError(f"{for_month:%Y-%m} is not a complete month of the snapshot" if for_month else "no month")
    refresh = health.refresh_outcomes(limit=1)
    items = attention(figures, queries.attention_counts(version), refresh[0].status if refresh else None)
    moved = movers(queries.movers(figures.month, figures.previous_month, version)) if figures.previous_month else []
    shown = months[
        (months["is_complete"])
        & (pd.to_datetime(months["period_start"]).dt.date >= since.replace(day=1))
        & (pd.to_datetime(months["period_start"]).dt.date <= figures.month)
    ]

    def tr(text: str, **values: object) -> str:
        return t(text, language, **values)

    title = tr("Customer Pulse — {month}", month=month(figures.month, language))
    subtitle = tr(
        "Figures of {month}, against {previous} · as of {day} · snapshot published {time}",
        month=month(figures.month, language),
        previous=month(figures.previous_month, language),
        day=long_date(figures.as_of, language),
        time=timestamp(snapshot_info(version).published_at),
    )
    regions = current_scope().regions
    if regions:  # written for an account limited to regions: every figure is theirs
        subtitle += " · " + tr("regions: {regions}", regions=", ".join(sorted(regions)))
    sections = {
        "cards": _cards(figures, tr, language),
        "attention": _list(
            [(item.severity, tr(item.message, **item.values)) for item in items],
            tr("Nothing needs attention: no complaint past its target, no high churn risk, no failed load."),
        ),
        "movers": _list(
            [("info", _mover(mover, tr, language)) for mover in moved],
            tr("No segment, region or channel moved enough to show."),
        ),
        "charts": _charts(shown, tr),
    }
    headings = {
        "attention": tr("What needs attention now"),
        "movers": tr("Top movers in {month}", month=month(figures.month, language)),
        "footer": tr(
            'Definitions: DESIGN.md, "KPI definitions"; the numbers come from marts.kpi_by_period. The Data '
            "health page shows where every loaded row went."
        ),
    }
    html = _page(language, title, subtitle, sections, headings)
    text_lines = [title, subtitle, ""]
    for card in figures.cards:
        change = change_by_unit(card.change, card.unit, language)
        text_lines.append(
            f"{tr(card.label)}: {by_unit(card.value, card.unit, language)}" + (f" ({change})" if change else "")
        )
    text_lines += ["", headings["attention"], *(f"- {tr(item.message, **item.values)}" for item in items)]
    return Digest(title, html, "\n".join(text_lines), figures)


Translate = Callable[..., str]


def _cards(figures: Headline, tr: Translate, language: str) -> str:
    cards = []
    for card in figures.cards:
        change = change_by_unit(card.change, card.unit, language)
        colour = "#888" if change is None else ("#c62828" if card.is_worse else "#2e7d32")
        cards.append(
            f'<div class="card"><div class="label">{escape(tr(card.label))}</div>'
            f'<div class="value">{escape(by_unit(card.value, card.unit, language))}</div>'
            f'<div class="change" style="color:{colour}">{escape(change or "")}</div>'
            f"{svg.sparkline([value for _, value in card.series])}"
            f'<div class="definition">{escape(tr(card.definition))}</div></div>'
        )
    return "".join(cards)


def _list(entries: list[tuple[str, str]], when_empty: str) -> str:
    if not entries:
        return f"<li>{escape(when_empty)}</li>"
    return "".join(
        f'<li style="border-left:4px solid {SEVERITY_COLOURS[severity]}">{escape(text)}</li>'
        for severity, text in entries
    )


def _mover(mover: Mover, tr: Translate, language: str) -> str:
    unit = "points" if mover.measure == "NPS" else "money"
    change = change_by_unit(mover.change, unit, language) or ""
    return (
        f"{tr(mover.measure)}, {tr(mover.dimension_label)} {mover.value_name}: "
        f"{by_unit(mover.previous, unit, language)} → {by_unit(mover.value, unit, language)} ({change})"
    )


def _charts(shown: pd.DataFrame, tr: Translate) -> str:
    labels = [f"{pd.Timestamp(day):%Y-%m}" for day in shown["period_start"]]
    charts = [
        (tr("Revenue"), svg.chart(labels, _values(shown["revenue"]), colour=SERIES[0])),
        (tr("Active customers"), svg.chart(labels, _values(shown["active_customers"]), kind="line", colour=SERIES[1])),
        (
            "NPS",
            svg.chart(
                labels,
                _values(shown["nps"]),
                kind="line",
                colour=NPS_CATEGORY_COLOURS["promoter"],
                value_format="{:.1f}",
                low=-100,
                high=100,
            ),
        ),
    ]
    return "".join(f'<div class="chart"><h3>{escape(name)}</h3>{chart}</div>' for name, chart in charts)


def _page(language: str, title: str, subtitle: str, sections: dict[str, str], headings: dict[str, str]) -> str:
    return f"""<!DOCTYPE html>
<html lang="{escape(language)}"><head><meta charset="utf-8"><title>{escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{STYLE}</style></head><body>
<h1>{escape(title)}</h1><div class="subtitle">{escape(subtitle)}</div>
<div class="cards">{sections["cards"]}</div>
<div class="columns">
<div><h2>{escape(headings["attention"])}</h2><ul>{sections["attention"]}</ul></div>
<div><h2>{escape(headings["movers"])}</h2><ul>{sections["movers"]}</ul></div>
</div>
<div class="charts">{sections["charts"]}</div>
<p class="subtitle">{escape(headings["footer"])}</p>
</body></html>
"""


STYLE = """
body { font-family: -apple-system, "Segoe UI", "Noto Sans", "PingFang SC", sans-serif; margin: 24px; color: #222;
       max-width: 1200px; }
h1 { margin-bottom: 4px; } .subtitle { color: #666; margin-bottom: 20px; }
.cards { display: grid; grid-template-columns: repeat(5, 1fr); gap: 10px; }
.card { border: 1px solid #ddd; border-radius: 8px; padding: 10px; }
.label { color: #555; font-size: 13px; } .value { font-size: 26px; font-weight: 600; }
.change { font-size: 13px; min-height: 16px; } .definition { color: #888; font-size: 11px; margin-top: 4px; }
.columns { display: grid; grid-template-columns: 3fr 2fr; gap: 24px; margin-top: 20px; }
ul { padding-left: 0; list-style: none; } li { padding: 6px 10px; margin-bottom: 6px; background: #fafafa; }
.charts { display: grid; grid-template-columns: repeat(3, 1fr); gap: 16px; }
h3 { font-size: 14px; margin: 8px 0; }
"""


def _unit(measure: str) -> str:
    return "points" if measure == "NPS" else "money"


def _values(column: pd.Series) -> list[float | None]:
    return [None if pd.isna(value) else float(value) for value in column]
