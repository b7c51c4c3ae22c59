"""Satisfaction: how customers rate us (NPS, CSAT, CES, CSI) and how that moves, where it differs (channel, region,
segment, survey method), which of the four dimensions drives it, what customers say, and which detractors nobody
has contacted since they answered."""

import pandas as pd
import streamlit as st

from dashboards.lib import access, drill
from dashboards.lib.charts import satisfaction as charts
from dashboards.lib.formats import change, count, month, percent, points
from dashboards.lib.i18n import t
from dashboards.lib.page import empty_state, start_page
from dashboards.lib.periods import compared_periods, trend_title
from dashboards.lib.queries import satisfaction as queries
from dashboards.lib.tables import show_table

CUSTOMER_CARE = "app_pages/experience/customer_care.py"
KPI_VALUES = {"nps": points, "csat": percent, "ces": points, "csi": points}
KPI_HELP = {
    "nps": "Net Promoter Score: % promoters (9–10) − % detractors (0–6) of the answers with an NPS score, "
    "−100…100. {answers} answers.",
    "csat": "% of the CSAT answers (1–5) that are 4 or 5. {answers} answers.",
    "ces": "Customer effort: mean answer on 1–7, higher = easier. {answers} answers.",
    "csi": "Customer satisfaction index, 0–100: the mean of the four dimension scores (product quality, service "
    "quality, delivery, value for money), each its mean answer rescaled to 0–100. {answers} answers.",
}
# Region first: every answer of a known customer has one, where a channel needs an order or a contact.
DIMENSIONS = {
    "region": "Region",
    "segment": "Segment (RFM)",
    "method": "Survey method",
    "sales_channel": "Sales channel",
    "contact_channel": "Contact channel",
}
UNPLACED = {
    "sales_channel": "{answers} answers are about no order and have no sales channel.",
    "contact_channel": "{answers} answers are about no service contact and have no contact channel.",
    "region": "{answers} anonymous answers count in the totals but belong to no region.",
    "segment": "{answers} anonymous answers count in the totals but belong to no segment.",
}
COMMENT_LIMIT = 200


def kpi_text(kpi: str, value: float | None) -> str:
    return KPI_VALUES[kpi](value)


def figure_of(row: pd.Series | None, kpi: str) -> float | None:
    return None if row is None or pd.isna(row[kpi]) else float(row[kpi])


def kpi_trend_title(monthly: pd.DataFrame, kpi: str) -> str:
    name = charts.KPIS[kpi][0]
    when_empty = t("No {kpi} answers in these filters", kpi=name)
    return trend_title(monthly, kpi, name, KPI_VALUES[kpi], when_empty)


page = start_page("Satisfaction")
if not queries.has_answers(page.version):
    empty_state("survey answers", "surveys")
    st.stop()
monthly = queries.monthly(page.version, page.filters, page.as_of)
if monthly.empty:
    st.info(t("No survey answer matches these filters — widen the period or clear a filter."))
    st.stop()

# --- KPI tiles: the chosen period against the one of equal length before it -------------------------------------
# With no as-of day published (no marts.kpi_by_period), the last month with answers stands in for it.
last_day = page.as_of or (pd.Timestamp(monthly["month"].max()) + pd.offsets.MonthEnd(0)).date()
comparison = compared_periods(page.filters, last_day)
periods = queries.period_kpis(page.version, page.filters, comparison, page.as_of).set_index("period")
current = periods.loc["current"] if "current" in periods.index else None
previous = periods.loc["previous"] if "previous" in periods.index else None
shown_period, previous_period = comparison.names()


headline_kpi = "nps" if figure_of(current, "nps") is not None else "csat"
now, before = figure_of(current, headline_kpi), figure_of(previous, headline_kpi)
if now is None:
    st.subheader(t("No survey answers in {period}", period=shown_period))
elif before is None:
    st.subheader(
        t(
            "{kpi} {value} in {period}",
            kpi=charts.KPIS[headline_kpi][0],
            value=kpi_text(headline_kpi, now),
            period=shown_period,
        )
    )
elif now >= before:
    st.subheader(
        t(
            "{kpi} {value} in {period}, up {change} points on {previous}",
            kpi=charts.KPIS[headline_kpi][0],
            value=kpi_text(headline_kpi, now),
            period=shown_period,
            change=points(now - before),
            previous=previous_period,
        )
    )
else:
    st.subheader(
        t(
            "{kpi} {value} in {period}, down {change} points on {previous}",
            kpi=charts.KPIS[headline_kpi][0],
            value=kpi_text(headline_kpi, now),
            period=shown_period,
            change=points(before - now),
            previous=previous_period,
        )
    )
tiles = st.columns(4)
for tile, kpi in zip(tiles, ("nps", "csat", "ces", "csi"), strict=True):
    now, before = figure_of(current, kpi), figure_of(previous, kpi)
    answers = 0 if current is None else current[charts.KPIS[kpi][3]]
    tile.metric(
        t(charts.KPIS[kpi][0]),
        kpi_text(kpi, now),
        change(None if now is None or before is None else now - before, points),
        help=t(KPI_HELP[kpi], answers=count(answers)),
        border=True,
    )
notes = [t("{period}; changes in points against {previous}.", period=shown_period, previous=previous_period)]
if page.filters.regions or page.filters.segments:
    notes.append(t("Anonymous answers are left out: they cannot be placed in a region or segment."))
elif current is not None and current["anonymous_responses"]:
    notes.append(
        t(
            "{answers} anonymous answers count in these figures but belong to no region or segment.",
            answers=count(current["anonymous_responses"]),
        )
    )
if page.filters.channels:
    notes.append(
        t(
            "The channel filter keeps answers about an order or a service contact of those channels; answers about "
            "neither (relationship and NPS surveys mostly) are left out."
        )
    )
st.caption(" ".join(notes))

# --- Trends and NPS composition -----------------------------------------------------------------------------------
st.header(t("How satisfaction moves"), divider="gray")
for row in (("nps", "csat"), ("ces", "csi")):
    columns = st.columns(2)
    for column, kpi in zip(columns, row, strict=True):
        with column:
            st.markdown(f"**{kpi_trend_title(monthly, kpi)}**")
            if monthly[kpi].notna().any():
                st.plotly_chart(charts.kpi_trend(monthly, kpi), key=f"trend_{kpi}")
            else:
                st.info(t("No answer in these filters has a score for {kpi}.", kpi=charts.KPIS[kpi][0]))

with_nps = monthly[monthly["nps_responses"] > 0]
if with_nps.empty:
    st.info(t("No answer in these filters has an NPS score, so there is no NPS composition to show."))
else:
    last = with_nps.iloc[-1]
    st.markdown(
        "**"
        + t(
            "Detractors were {detractors} of NPS answers in {month}, promoters {promoters}",
            detractors=percent(100.0 * last["detractors"] / last["nps_responses"]),
            promoters=percent(100.0 * last["promoters"] / last["nps_responses"]),
            month=month(last["month"]),
        )
        + "**"
    )
    st.plotly_chart(charts.nps_composition(monthly), key="nps_composition")
    drill.link_to_customers("Customers whose last NPS answer was a detractor", nps_category="detractor")

# --- Breakdowns ---------------------------------------------------------------------------------------------------
st.header(t("Where it differs"), divider="gray")
breakdowns = queries.breakdowns(page.version, page.filters, page.as_of)
chosen_kpi = (
    st.segmented_control(
        t("Measure"),
        list(charts.KPIS),
        default=headline_kpi,
        format_func=lambda kpi: t(charts.KPIS[kpi][0]),
        key="breakdown_kpi",
    )
    or headline_kpi
)
kpi_name = charts.KPIS[chosen_kpi][0]
for tab, (dimension, dimension_name) in zip(
    st.tabs([t(name) for name in DIMENSIONS.values()]), DIMENSIONS.items(), strict=True
):
    with tab:
        rows = breakdowns[breakdowns["dimension"] == dimension]
        placed = rows[rows["value"].notna()]
        scored = placed[placed[chosen_kpi].notna()]
        if scored.empty:
            st.info(
                t(
                    "{dimension}: no {kpi} answer says which — choose another measure.",
                    kpi=kpi_name,
                    dimension=t(dimension_name),
                )
            )
        else:
            best, worst = scored.loc[scored[chosen_kpi].idxmax()], scored.loc[scored[chosen_kpi].idxmin()]
            title = (
                t(
                    "{value}: {kpi} {score}",
                    value=best["value"],
                    kpi=kpi_name,
                    score=kpi_text(chosen_kpi, best[chosen_kpi]),
                )
                if len(scored) == 1
                else t(
                    "{best} leads on {kpi} ({best_score}); {worst} trails ({worst_score})",
                    best=best["value"],
                    worst=worst["value"],
                    kpi=kpi_name,
                    best_score=kpi_text(chosen_kpi, best[chosen_kpi]),
                    worst_score=kpi_text(chosen_kpi, worst[chosen_kpi]),
                )
            )
            st.markdown(f"**{title}**")
            st.plotly_chart(charts.breakdown(scored, chosen_kpi), key=f"breakdown_{dimension}")
        unplaced = rows[rows["value"].isna()]["responses"].sum()
        if unplaced and dimension in UNPLACED:
            st.caption(t(UNPLACED[dimension], answers=count(unplaced)))

# --- Drivers ------------------------------------------------------------------------------------------------------
st.header(t("What drives satisfaction"), divider="gray")
drivers = queries.drivers(page.version, page.filters, page.as_of)
MIN_PAIRS = 30
usable = {
    outcome: bool(((drivers[f"{outcome}_pairs"] >= MIN_PAIRS) & drivers[f"{outcome}_correlation"].notna()).any())
    for outcome in ("nps", "csat")
}
outcome = (
    st.segmented_control(
        t("Overall satisfaction measured by"),
        ["nps", "csat"],
        default="nps" if usable["nps"] or not usable["csat"] else "csat",
        format_func=lambda kpi: t(charts.KPIS[kpi][0]),
        key="driver_outcome",
    )
    or "nps"
)
outcome_name = charts.KPIS[outcome][0]
rated = drivers[(drivers[f"{outcome}_pairs"] >= MIN_PAIRS) & drivers[f"{outcome}_correlation"].notna()]
if rated.empty:
    st.info(
        t(
            "Too few answers give both a dimension score and a {outcome} score (at least {minimum} needed) to tell "
            "what drives {outcome}.",
            outcome=outcome_name,
            minimum=MIN_PAIRS,
        )
    )
else:
    correlation = f"{outcome}_correlation"
    mean_importance, mean_score = rated[correlation].mean(), rated["score_100"].mean()
    fix_first = rated[(rated[correlation] > mean_importance) & (rated["score_100"] < mean_score)]
    if not fix_first.empty:
        chosen = fix_first.sort_values(correlation, ascending=False).iloc[0]
        title = t(
            "Fix {dimension} first: it moves with {outcome} (r = {r}) and scores below the average dimension "
            "({score} of 100)",
            dimension=t(charts.DIMENSION_NAMES[chosen["dimension"]]).lower(),
            outcome=outcome_name,
            r=f"{chosen[correlation]:.2f}",
            score=points(chosen["score_100"]),
        )
    else:
        chosen = rated.sort_values(correlation, ascending=False).iloc[0]
        title = t(
            "{dimension} moves most with {outcome} (r = {r}) and already scores {score} of 100: no dimension is both "
            "more important and weaker than average",
            dimension=t(charts.DIMENSION_NAMES[chosen["dimension"]]),
            outcome=outcome_name,
            r=f"{chosen[correlation]:.2f}",
            score=points(chosen["score_100"]),
        )
    st.markdown(f"**{title}**")
    st.plotly_chart(charts.driver_matrix(rated, outcome), key="driver_matrix")
    st.caption(
        t(
            "Importance = the correlation between a dimension score and the same answer's {outcome} score, over the "
            "answers in these filters that give both ({answers} for the best-covered dimension); current score = "
            "the mean answer rescaled to 0–100. Top left (shaded): more important and weaker than the average "
            "dimension. Correlation is not causation: dimensions that move together share their importance.",
            outcome=outcome_name,
            answers=count(rated[f"{outcome}_pairs"].max()),
        )
    )
    with st.expander(t("The driver figures")):
        table = drivers.assign(dimension=[t(charts.DIMENSION_NAMES[name]) for name in drivers["dimension"]])
        show_table(
            table[
                [
                    "dimension",
                    "answers",
                    "score",
                    "score_100",
                    "nps_correlation",
                    "nps_pairs",
                    "csat_correlation",
                    "csat_pairs",
                ]
            ],
            {
                "score": "Mean answer (1–5)",
                "score_100": "Score (0–100)",
                "nps_correlation": "Correlation with NPS",
                "nps_pairs": "Answers with NPS",
                "csat_correlation": "Correlation with CSAT",
                "csat_pairs": "Answers with CSAT",
            },
            download_as="satisfaction_drivers",
            column_config={
                name: st.column_config.NumberColumn(format="%.2f")
                for name in ("score", "nps_correlation", "csat_correlation")
            }
            | {"score_100": st.column_config.NumberColumn(format="%.1f")},
            key="drivers_table",
        )

# --- Detractors awaiting follow-up ---------------------------------------------------------------------------------
st.header(t("Detractors awaiting follow-up"), divider="gray")
waiting = queries.detractors_awaiting_follow_up(page.version, page.filters, page.as_of)
if waiting.empty and not monthly["nps_responses"].sum():
    st.info(t("No answer in these filters has an NPS score, so there are no detractors to follow up."))
elif waiting.empty:
    st.success(t("Every detractor in these filters has been contacted since answering."))
else:
    total, customers = int(waiting["total"].iloc[0]), int(waiting["customers"].iloc[0])
    st.markdown(
        "**"
        + t(
            "{answers} detractor answers from {customers} customers have had no contact since",
            answers=count(total),
            customers=count(customers),
        )
        + "**"
    )
    st.caption(
        t(
            "Detractor answers (NPS 0–6) from identified customers with no service contact with that customer after "
            "the answer; most value at stake first. Showing {shown} of {total}. Click a row to open the customer.",
            shown=count(len(waiting)),
            total=count(total),
        )
    )
    selection = show_table(
        waiting.drop(columns=["total", "customers"]),
        {
            "customer_key": "Customer",
            "full_name": "Name",
            "submitted_at": "Answered at",
            "nps_score": "NPS score",
            "comment_text": "Comment",
        },
        download_as="detractors_awaiting_follow_up",
        column_config={
            "value_at_stake": st.column_config.NumberColumn(format="localized"),
            "comment_text": st.column_config.TextColumn(width="large"),
        },
        key="detractors_table",
        selectable=True,
    )
    picked = selection.selection.rows if selection else []
    if picked:
        drill.link_to_customer(waiting.iloc[picked[0]]["customer_key"])
access.page_link(CUSTOMER_CARE, label=t("Work through them on the Customer care list"), icon=":material/call:")

# --- Comments -----------------------------------------------------------------------------------------------------
st.header(t("What customers say"), divider="gray")
channel_options = sorted(
    breakdowns[breakdowns["dimension"].isin(["sales_channel", "contact_channel"]) & breakdowns["value"].notna()][
        "value"
    ].unique()
)
search_column, category_column, channel_column = st.columns([2, 1, 1])
search = search_column.text_input(t("Search the comments"), key="comment_search", placeholder=t("e.g. delivery"))
categories = category_column.multiselect(
    t("NPS category"),
    [*queries.NPS_CATEGORIES, queries.NO_NPS],
    format_func=lambda value: t("no NPS score") if value == queries.NO_NPS else t(value),
    key="comment_categories",
)
channels = channel_column.multiselect(t("Channel"), channel_options, key="comment_channels")
found = queries.comments(
    page.version,
    page.filters,
    page.as_of,
    search=search,
    categories=tuple(categories),
    channels=tuple(channels),
    limit=COMMENT_LIMIT,
)
if found.empty:
    st.info(t("No comment matches."))
else:
    total = int(found["total"].iloc[0])
    st.caption(
        t("{shown} of {total} comments, newest first.", shown=count(len(found)), total=count(total))
        if total > len(found)
        else t("{total} comments, newest first.", total=count(total))
    )
    show_table(
        found.drop(columns=["total"]),
        {
            "submitted_at": "Answered at",
            "nps_score": "NPS score",
            "nps_category": "NPS category",
            "csat_score": "CSAT score",
            "ces_score": "CES score",
            "method": "Survey method",
            "customer_key": "Customer",
            "comment_text": "Comment",
        },
        download_as="survey_comments",
        column_config={"comment_text": st.column_config.TextColumn(width="large")},
        key="comments_table",
    )
