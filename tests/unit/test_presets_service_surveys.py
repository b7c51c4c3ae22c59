"""The Freshdesk, Intercom, SurveyMonkey and Qualtrics presets read the exports they are written for.

Each realistic sample (tests/fixtures/exports/<folder>/) is loaded with the preset its folder selects, and what the
pipeline stored is reconciled with a reading of the same raw file by Python's csv module that knows nothing of the
pipeline: rows read, loaded, rejected and skipped, the NPS by hand (promoters 9–10, detractors 0–6) against the NPS
in SQL, the anonymous answers, the count per channel, the median resolution hours, and every time converted to UTC
with zoneinfo. A few values are spot-checked literally on top.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import statistics
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from pipelines.core.ingest import ingest_kind
from pipelines.core.ingest.validation import ValidationSettings
from pipelines.core.mapping.catalog import MappingCatalog
from tests.unit.test_presets import FIXTURES, log_of, rejects

# The exports' times without an offset are the company's local times: ingest.timezone says which.
COMPANY_TIMEZONE = "Europe/Berlin"
SHOWN = "%Y-%m-%d %H:%M:%S"


def load(tmp_path: Path, kind: str, folder: str) -> duckdb.DuckDBPyConnection:
    """The sample of `folder` loaded as a refresh loads it, with ingest.timezone set to the company's zone."""
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / folder, landing / kind / folder)
    connection = duckdb.connect()
    settings = ValidationSettings(timezone=COMPANY_TIMEZONE)
    result = ingest_kind(connection, kind, landing, catalog=MappingCatalog.load(None), settings=settings)
    (file_load,) = result.files
    assert file_load.balances, file_load
    return connection


def sample(folder: str) -> Path:
    (path,) = (FIXTURES / folder).iterdir()
    return path


def records(folder: str) -> list[list[str]]:
    """Every record of the sample (the header line first) as Python's csv module reads it."""
    with sample(folder).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def skipped(connection: duckdb.DuckDBPyConnection) -> int:
    return connection.execute("select rows_skipped from ops.load_log").fetchone()[0]


def utc(text: str, fmt: str, zone: str) -> str:
    """A local time of `zone` as the UTC time the warehouse stores, written as DuckDB shows a timestamp."""
    local = datetime.strptime(text, fmt).replace(tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC).strftime(SHOWN)


def hours_between(start: str, end: str, fmt: str, zone: str) -> float:
    first, last = (datetime.strptime(utc(text, fmt, zone), SHOWN) for text in (start, end))
    return (last - first).total_seconds() / 3600


def has_digits_of_a_phone(text: str) -> bool:
    return sum(char.isdigit() for char in text) >= 6


def looks_like_an_email(text: str) -> bool:
    return re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}", text) is not None


def nps_by_hand(scores: list[int]) -> float:
    promoters = sum(score >= 9 for score in scores)
    detractors = sum(score <= 6 for score in scores)
    return 100 * (promoters - detractors) / len(scores)


NPS_IN_SQL = """
    select 100.0 * (count(*) filter (where nps >= 9) - count(*) filter (where nps <= 6)) / count(nps),
           count(nps)
    from raw.surveys
"""
ANONYMOUS_IN_SQL = "select count(*) from raw.{kind} where customer_id is null and email is null and phone is null"
MEDIAN_HOURS_IN_SQL = """
    select median(date_diff('second', created_at, resolved_at)) / 3600.0, count(resolved_at) from raw.interactions
"""


def by_key(connection: duckdb.DuckDBPyConnection, sql: str) -> dict:
    return dict(connection.execute(sql).fetchall())


# --- Freshdesk ---------------------------------------------------------------------------------------------------

FRESHDESK_TIMES = "%Y-%m-%d %H:%M:%S"
# What Freshdesk's ticket sources are, in the contract's channels (Freshdesk's source list: Email, Portal, Phone,
# Chat, Feedback Widget, Outbound Email, Twitter, WhatsApp, …).
FRESHDESK_SOURCES = {
    "Email": "email",
    "Outbound Email": "email",
    "Portal": "web_form",
    "Feedback Widget": "web_form",
    "Phone": "phone",
    "Chat": "chat",
    "WhatsApp": "chat",
    "Twitter": "social",
}


def test_freshdesk_tickets_reconcile_with_the_raw_export(tmp_path) -> None:
    connection = load(tmp_path, "interactions", "freshdesk")
    header, *lines = records("freshdesk")
    tickets = [dict(zip(header, line, strict=True)) for line in lines]

    def unusable(ticket: dict) -> bool:
        """Names its customer only by a phone field that holds no number (Freshdesk's phone fields are free text)."""
        phones = [ticket["Work phone"], ticket["Mobile phone"]]
        only_phone = not ticket["Email"] and not ticket["Unique External ID"] and any(phones)
        return only_phone and not any(has_digits_of_a_phone(phone) for phone in phones)

    rejected = [number for number, ticket in enumerate(tickets, start=1) if unusable(ticket)]
    loaded = [ticket for number, ticket in enumerate(tickets, start=1) if number not in rejected]
    assert len(rejected) == 1 and len(loaded) >= 10
    assert log_of(connection) == (
        "freshdesk_tickets (freshdesk_tickets.yaml)",
        "loaded with rejects",
        len(tickets),
        len(loaded),
        len(rejected),
    )
    assert skipped(connection) == 0
    assert rejects(connection) == [
        (
            rejected[0],
            "no usable customer reference: customer_id is empty, email is empty, phone 'unknown' is not a phone number",
        )
    ]

    # Every ticket's times, converted from the company's zone to UTC; a ticket closed without being resolved
    # (the outbound e-mail) is resolved when it was closed.
    stored = connection.execute(
        """
        select interaction_id, cast(created_at as varchar), cast(first_response_at as varchar),
               cast(resolved_at as varchar)
        from raw.interactions
        """
    ).fetchall()
    expected = [
        (
            ticket["Ticket ID"],
            utc(ticket["Created time"], FRESHDESK_TIMES, COMPANY_TIMEZONE),
            utc(ticket["Initial response time"], FRESHDESK_TIMES, COMPANY_TIMEZONE)
            if ticket["Initial response time"]
            else None,
            utc(ticket["Resolved time"] or ticket["Closed time"], FRESHDESK_TIMES, COMPANY_TIMEZONE)
            if ticket["Resolved time"] or ticket["Closed time"]
            else None,
        )
        for ticket in loaded
    ]
    assert sorted(stored) == sorted(expected)
    assert any(ticket["Closed time"] and not ticket["Resolved time"] for ticket in loaded)

    channels = Counter(FRESHDESK_SOURCES[ticket["Source"]] for ticket in loaded)
    assert by_key(connection, "select channel, count(*) from raw.interactions group by channel") == channels

    resolution_hours = [
        hours_between(ticket["Created time"], end, FRESHDESK_TIMES, COMPANY_TIMEZONE)
        for ticket in loaded
        if (end := ticket["Resolved time"] or ticket["Closed time"])
    ]
    median_hours, resolved = connection.execute(MEDIAN_HOURS_IN_SQL).fetchone()
    assert resolved == len(resolution_hours)
    assert median_hours == pytest.approx(statistics.median(resolution_hours))

    anonymous = [
        ticket
        for ticket in loaded
        if not any(ticket[name] for name in ("Unique External ID", "Email", "Work phone", "Mobile phone"))
    ]
    assert len(anonymous) == 2  # an unnamed caller, and a tweet whose author Freshdesk knows only by handle
    assert connection.execute(ANONYMOUS_IN_SQL.format(kind="interactions")).fetchone()[0] == len(anonymous)

    # Subjects as written (umlauts, Chinese), and a few tickets' values literally.
    assert by_key(connection, "select interaction_id, subject from raw.interactions") == {
        ticket["Ticket ID"]: ticket["Subject"] for ticket in loaded
    }
    mapped = connection.execute(
        """
        select interaction_id, channel, type, priority, status, agent, rating from raw.interactions
        where interaction_id in ('1203', '1204', '1206', '1209', '1215') order by interaction_id
        """
    ).fetchall()
    assert mapped == [
        ("1203", "chat", "suggestion", "low", "closed", "Lena Hoffmann", 5),  # Chat, Feature Request, Awesome
        ("1204", "email", "return", "normal", "pending", "Jonas Weber", None),  # Refund, Waiting on Customer
        ("1206", "chat", "return", "normal", "open", None, None),  # WhatsApp
        ("1209", "email", "return", "low", "closed", "Jonas Weber", None),  # Outbound Email
        ("1215", "email", "complaint", "high", "resolved", "Lena Hoffmann", 1),  # Incident, Not Good
    ]
    references = connection.execute(
        """
        select interaction_id, customer_id, email, phone from raw.interactions
        where interaction_id in ('1203', '1204', '1206', '1209') order by interaction_id
        """
    ).fetchall()
    assert references == [
        ("1203", "C00000003", "juergen.gross@example.de", None),
        ("1204", None, "carla@example.net", "+34612345678"),  # no Unique External ID: the e-mail names her
        ("1206", "C00000006", None, "+8613800138000"),
        ("1209", "C00000002", "ben@example.org", "+4915123456789"),  # mobile 0151 …, read in Germany
    ]
    assert connection.execute(
        "select cast(created_at as varchar), cast(resolved_at as varchar) from raw.interactions "
        "where interaction_id = '1209'"
    ).fetchone() == ("2025-11-07 14:00:00", "2025-11-07 14:00:05")
    assert connection.execute("select count(*) from ops.load_warnings").fetchone()[0] == 0


# --- Intercom ----------------------------------------------------------------------------------------------------

INTERCOM_TIMES = "%Y-%m-%d %H:%M:%S"
# Intercom's conversation channels in the contract's terms.
INTERCOM_CHANNELS = {
    "Chat": "chat",
    "Email": "email",
    "Phone": "phone",
    "WhatsApp": "chat",
    "SMS": "chat",
    "Instagram": "social",
    "Facebook": "social",
}


def test_intercom_conversations_reconcile_with_the_raw_export(tmp_path) -> None:
    connection = load(tmp_path, "interactions", "intercom")
    header, *lines = records("intercom")
    conversations = [dict(zip(header, line, strict=True)) for line in lines]
    # The time columns name the workspace's zone: "Conversation started at (UTC)".
    (started, zone), *_ = (
        (name, match.group(1)) for name in header if (match := re.fullmatch(r"Conversation started at \((.+)\)", name))
    )
    replied = f"Conversation first replied at ({zone})"
    closed = f"Conversation last closed at ({zone})"
    assert zone != COMPANY_TIMEZONE  # the preset's own zone wins over ingest.timezone

    rejected = [
        number
        for number, conversation in enumerate(conversations, start=1)
        if not conversation["User ID"]
        and conversation["User email"]
        and not looks_like_an_email(conversation["User email"])
    ]
    loaded = [conversation for number, conversation in enumerate(conversations, start=1) if number not in rejected]
    assert len(rejected) == 1
    assert log_of(connection) == (
        "intercom_conversations (intercom_conversations.yaml)",
        "loaded with rejects",
        len(conversations),
        len(loaded),
        len(rejected),
    )
    assert skipped(connection) == 0
    assert rejects(connection) == [
        (
            rejected[0],
            "no usable customer reference: customer_id is empty, email 'anna.berg@gmail' is not an e-mail address, "
            "phone is empty",
        )
    ]

    stored = connection.execute(
        """
        select interaction_id, cast(created_at as varchar), cast(first_response_at as varchar),
               cast(resolved_at as varchar)
        from raw.interactions
        """
    ).fetchall()
    expected = [
        (
            conversation["Conversation ID"],
            *(
                utc(conversation[name], INTERCOM_TIMES, zone) if conversation[name] else None
                for name in (started, replied, closed)
            ),
        )
        for conversation in loaded
    ]
    assert sorted(stored) == sorted(expected)

    channels = Counter(INTERCOM_CHANNELS[conversation["Channel"]] for conversation in loaded)
    assert by_key(connection, "select channel, count(*) from raw.interactions group by channel") == channels

    resolution_hours = [
        hours_between(conversation[started], conversation[closed], INTERCOM_TIMES, zone)
        for conversation in loaded
        if conversation[closed]
    ]
    median_hours, resolved = connection.execute(MEDIAN_HOURS_IN_SQL).fetchone()
    assert resolved == len(resolution_hours)
    assert median_hours == pytest.approx(statistics.median(resolution_hours))

    anonymous = [c for c in loaded if not c["User ID"] and not c["User email"]]
    assert len(anonymous) == 2  # a website visitor's chat and an Instagram message
    assert connection.execute(ANONYMOUS_IN_SQL.format(kind="interactions")).fetchone()[0] == len(anonymous)

    ratings = Counter(int(c["Last teammate rating"]) for c in loaded if c["Last teammate rating"])
    assert by_key(connection, "select rating, count(*) from raw.interactions where rating is not null group by 1") == (
        ratings
    )
    assert by_key(connection, "select interaction_id, subject from raw.interactions") == {
        c["Conversation ID"]: c["Title"] or None for c in loaded
    }
    mapped = connection.execute(
        """
        select interaction_id, customer_id, email, channel, priority, status, agent from raw.interactions
        where interaction_id in ('215471928361204', '215471928361205', '215471928361206') order by interaction_id
        """
    ).fetchall()
    assert mapped == [
        ("215471928361204", "C00000004", "dana@example.com", "chat", "normal", "pending", "Tom Becker"),  # WhatsApp
        ("215471928361205", "C00000003", "juergen.gross@example.de", "phone", "high", "closed", "Mia Schulz"),
        ("215471928361206", None, None, "chat", "normal", "closed", "Tom Becker"),  # a visitor: anonymous
    ]
    assert connection.execute(
        "select cast(created_at as varchar) from raw.interactions where interaction_id = '215471928361201'"
    ).fetchone() == ("2025-11-17 09:02:13",)


# --- SurveyMonkey ------------------------------------------------------------------------------------------------

SURVEYMONKEY_TIMES = "%m/%d/%Y %I:%M:%S %p"
SURVEYMONKEY_NPS = "How likely is it that you would recommend us to a friend or colleague?"
SURVEYMONKEY_COMMENT = "What is the primary reason for your score?"


def surveymonkey_score(answer: str) -> int:
    """'9', or the scale's end with its label: '10 - Extremely likely'."""
    return int(answer.split(" - ")[0])


def test_surveymonkey_responses_two_header_lines_reconcile_with_the_raw_export(tmp_path) -> None:
    connection = load(tmp_path, "surveys", "surveymonkey")
    header, *lines = records("surveymonkey")
    column = {name: header.index(name) for name in header if name}
    respondent, end, nps = column["Respondent ID"], column["End Date"], column[SURVEYMONKEY_NPS]

    def readable(text: str) -> bool:
        try:
            datetime.strptime(text, SURVEYMONKEY_TIMES)
        except ValueError:
            return False
        return True

    second_header = [number for number, line in enumerate(lines, start=1) if not line[respondent]]
    rejected = [
        number for number, line in enumerate(lines, start=1) if number not in second_header and not readable(line[end])
    ]
    loaded = [line for number, line in enumerate(lines, start=1) if number not in second_header + rejected]
    assert second_header == [1] and len(rejected) == 1
    assert lines[0][nps] == "Response"  # the second header line names the answer type under each question
    assert log_of(connection) == (
        "surveymonkey_responses (surveymonkey_responses.yaml)",
        "loaded with rejects",
        len(lines),
        len(loaded),
        len(rejected),
    )
    assert skipped(connection) == len(second_header)
    assert connection.execute(
        "select row_number, disposition, reasons from ops.rejected_rows order by row_number"
    ).fetchall() == [
        (second_header[0], "skipped", "skipped by the mapping: Respondent ID is empty"),
        (
            rejected[0],
            "rejected",
            "submitted_at: '11/31/2025 09:12:40 AM' is not a date/time in the format(s) %m/%d/%Y %I:%M:%S %p",
        ),
    ]

    scores = [surveymonkey_score(line[nps]) for line in loaded if line[nps]]
    assert any(" - " in line[nps] for line in loaded) and len(scores) < len(loaded)  # labelled ends, unanswered
    sql_nps, answered = connection.execute(NPS_IN_SQL).fetchone()
    assert answered == len(scores)
    assert float(sql_nps) == pytest.approx(nps_by_hand(scores))

    anonymous = [line for line in loaded if not line[column["Email Address"]] and not line[column["Custom Data 1"]]]
    assert len(anonymous) == 5  # web-link responses
    assert connection.execute(ANONYMOUS_IN_SQL.format(kind="surveys")).fetchone()[0] == len(anonymous)

    stored = connection.execute("select response_id, cast(submitted_at as varchar) from raw.surveys").fetchall()
    assert sorted(stored) == sorted(
        (line[respondent], utc(line[end], SURVEYMONKEY_TIMES, COMPANY_TIMEZONE)) for line in loaded
    )
    assert by_key(connection, "select response_id, comment from raw.surveys") == {
        line[respondent]: line[column[SURVEYMONKEY_COMMENT]] or None for line in loaded
    }
    mapped = connection.execute(
        """
        select response_id, customer_id, email, survey_type, method, cast(submitted_at as varchar), nps, csat
        from raw.surveys where response_id in ('118530117201', '118530117205', '118530117206') order by response_id
        """
    ).fetchall()
    assert mapped == [
        ("118530117201", "C00000001", "anna.berg@example.com", "nps", "online", "2025-11-20 07:04:37", 10, 5),
        ("118530117205", None, None, "nps", "online", "2025-11-21 06:13:10", 0, 1),  # "0 - Not at all likely"
        ("118530117206", "C00000006", "wang.fang@example.cn", "nps", "online", "2025-11-21 09:36:48", 7, 3),
    ]
    assert by_key(connection, "select response_id, comment from raw.surveys where comment like '%\n%'") == {
        "118530117205": "Parcel lost, refund took three weeks.\nNever again."
    }


# --- Qualtrics ---------------------------------------------------------------------------------------------------

QUALTRICS_TIMES = "%Y-%m-%d %H:%M:%S"
NOT_RESPONSES = {"Survey Preview", "Survey Test", "Spam", "Preview Spam", "Imported Spam", "Offline Survey Preview"}


def test_qualtrics_responses_three_header_lines_reconcile_with_the_raw_export(tmp_path) -> None:
    connection = load(tmp_path, "surveys", "qualtrics")
    ids, *lines = records("qualtrics")
    responses_and_headers = [dict(zip(ids, line, strict=True)) for line in lines]
    # Qualtrics' response ids start R_; the two lines under the header (question texts, import ids) do not.
    header_lines = [n for n, row in enumerate(responses_and_headers, start=1) if not row["ResponseId"].startswith("R_")]
    assert header_lines == [1, 2]
    # The export says in its third line which zone its times are in: the one ingest.timezone names.
    zone = json.loads(responses_and_headers[1]["EndDate"])["timeZone"]
    assert zone == COMPANY_TIMEZONE

    not_counted = [
        n
        for n, row in enumerate(responses_and_headers, start=1)
        if n not in header_lines and (row["Status"] in NOT_RESPONSES or row["Finished"] != "True")
    ]
    candidates = [
        (n, row)
        for n, row in enumerate(responses_and_headers, start=1)
        if n not in header_lines and n not in not_counted
    ]
    rejected = [n for n, row in candidates if row["Q2"] and not 0 <= int(row["Q2"]) <= 10]
    loaded = [row for n, row in candidates if n not in rejected]
    assert len(not_counted) == 3 and len(rejected) == 1  # a preview, a spam response, one left unfinished
    assert log_of(connection) == (
        "qualtrics_responses (qualtrics_responses.yaml)",
        "loaded with rejects",
        len(lines),
        len(loaded),
        len(rejected),
    )
    assert skipped(connection) == len(header_lines) + len(not_counted)
    dispositions = connection.execute(
        "select row_number, disposition from ops.rejected_rows order by row_number"
    ).fetchall()
    assert dispositions == sorted(
        [(n, "skipped") for n in header_lines + not_counted] + [(n, "rejected") for n in rejected]
    )
    assert rejects(connection)[-1] == (rejected[0], "nps: '11' is above the maximum 10")

    scores = [int(row["Q2"]) for row in loaded if row["Q2"]]
    groups = Counter(row["Q2_NPS_GROUP"] for row in loaded if row["Q2"])
    sql_nps, answered = connection.execute(NPS_IN_SQL).fetchone()
    assert answered == len(scores) == groups.total()
    assert float(sql_nps) == pytest.approx(nps_by_hand(scores))
    # Qualtrics' own grouping of the same answers gives the same score.
    assert float(sql_nps) == pytest.approx(100 * (groups["Promoter"] - groups["Detractor"]) / groups.total())

    anonymous = [row for row in loaded if not row["RecipientEmail"] and not row["ExternalReference"]]
    assert len(anonymous) == 5  # anonymous-link and SMS responses
    assert connection.execute(ANONYMOUS_IN_SQL.format(kind="surveys")).fetchone()[0] == len(anonymous)

    stored = connection.execute("select response_id, cast(submitted_at as varchar) from raw.surveys").fetchall()
    assert sorted(stored) == sorted((row["ResponseId"], utc(row["EndDate"], QUALTRICS_TIMES, zone)) for row in loaded)
    assert by_key(connection, "select response_id, comment from raw.surveys") == {
        row["ResponseId"]: row["Q3"] or None for row in loaded
    }
    mapped = connection.execute(
        """
        select response_id, customer_id, email, method, cast(submitted_at as varchar), nps, csat from raw.surveys
        where response_id in ('R_2VbN8cWq4Zr1Tf6', 'R_3bD5fH7jL9nP1rT', 'R_4pLm6Nq2Rs8Tu0v', 'R_7dF9hJ1lN3pR5tV')
        order by response_id
        """
    ).fetchall()
    assert mapped == [
        ("R_2VbN8cWq4Zr1Tf6", "C00000002", "ben@example.org", "online", "2025-11-20 08:44:23", 4, 2),
        ("R_3bD5fH7jL9nP1rT", "C00000008", "hanna.wolf@example.com", "questionnaire", "2025-11-23 18:58:19", 9, 5),
        ("R_4pLm6Nq2Rs8Tu0v", None, None, "online", "2025-11-21 17:47:09", 0, 1),  # anonymous link
        ("R_7dF9hJ1lN3pR5tV", None, None, "sms", "2025-11-24 11:22:23", 9, 4),
    ]
    assert connection.execute("select comment from raw.surveys where response_id = 'R_5tHn3Rk1Vd8Ga4j'").fetchone() == (
        "质量很好，物流有点慢",
    )


@pytest.mark.parametrize(
    ("folder", "kind", "preset"),
    [
        ("freshdesk", "interactions", "freshdesk_tickets"),
        ("intercom", "interactions", "intercom_conversations"),
        ("surveymonkey", "surveys", "surveymonkey_responses"),
        ("qualtrics", "surveys", "qualtrics_responses"),
    ],
)
def test_each_new_preset_applies_only_in_its_folder(folder: str, kind: str, preset: str) -> None:
    catalog = MappingCatalog.load(None)
    name = sample(folder).name
    assert catalog.select(kind, f"exports/{name}").mapping.name == "canonical"
    assert catalog.select(kind, f"{folder}/{name}").mapping.name == preset
