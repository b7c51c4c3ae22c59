"""A person's request to be forgotten ([9/10]): `pulse privacy export` writes what is held about them; after
`pulse privacy erase` and a refresh, no table of the warehouse, the marts or the published snapshot — nor a file of
the open raw layer ([10/10], on here) — holds their e-mail, phone, name or customer id, rejected rows and warnings
included, while every total stays the same; a full refresh that reads the landing files (which keep the person)
again does not bring them back."""

from __future__ import annotations

import json

import duckdb
import pytest

from pipelines import cli
from pipelines.core.access import audit
from pipelines.core.generator import generate
from pipelines.core.settings import Paths

TOTALS = {
    "customers": "select count(*) from marts.customer_360",
    "revenue": "select sum(revenue) from marts.fct_orders",
    "orders": "select count(*) from marts.fct_orders",
    "interactions": "select count(*) from marts.fct_interactions",
    "nps answers": "select count(nps_score) from marts.fct_survey_responses",
    "segments": "select list(rfm_segment order by rfm_segment) from marts.customer_360",
}


def refresh(full: bool = False) -> None:
    assert cli.main(["refresh", *(["--full"] if full else [])]) == 0


def totals(paths: Paths) -> dict[str, object]:
    with duckdb.connect(str(paths.serving), read_only=True) as serving:
        return {name: serving.execute(sql).fetchone()[0] for name, sql in TOTALS.items()}


def tables_holding(paths: Paths, needles: list[str]) -> dict[str, list[str]]:
    """Every table (not view) of the three database files with a value containing one of `needles`."""
    found: dict[str, list[str]] = {}
    for database in (paths.warehouse, paths.marts, paths.serving):
        with duckdb.connect(str(database), read_only=True) as connection:
            columns = connection.execute(
                "select c.table_schema, c.table_name, c.column_name from information_schema.columns c "
                "join information_schema.tables t using (table_catalog, table_schema, table_name) "
                "where c.table_catalog = current_database() and t.table_type = 'BASE TABLE'"
            ).fetchall()
            catalog = connection.execute("select current_database()").fetchone()[0]
            for schema, table, column in columns:
                for needle in needles:
                    hits = connection.execute(
                        f'select count(*) from "{catalog}"."{schema}"."{table}" '
                        f'where contains(lower(cast("{column}" as varchar)), ?)',
                        [needle.lower()],
                    ).fetchone()[0]
                    if hits:
                        found.setdefault(f"{database.name}:{schema}.{table}.{column}", []).append(needle)
    return found


def lake_files_holding(paths: Paths, needles: list[str]) -> dict[str, list[str]]:
    """Every Parquet file of the open raw layer with a row containing one of `needles`."""
    found: dict[str, list[str]] = {}
    with duckdb.connect() as connection:
        for path in sorted(paths.lake.rglob("*.parquet")):
            for needle in needles:
                hits = connection.execute(
                    "select count(*) from read_parquet(?) as file_row "
                    "where contains(lower(cast(file_row as varchar)), ?)",
                    [str(path), needle.lower()],
                ).fetchone()[0]
                if hits:
                    found.setdefault(str(path.relative_to(paths.lake)), []).append(needle)
    return found


@pytest.fixture
def person(data_dir: Paths, dbt_manifest, monkeypatch) -> dict[str, str]:
    """A refreshed small company (some rows dirtied, so that some of them are rejected) and its busiest customer
    with an e-mail, a phone and a name; the open raw layer is kept too."""
    monkeypatch.setenv("PULSE_LAKE", "true")
    generate(data_dir.landing, scale=0.02, seed=3, dirt_rate=0.05)
    refresh()
    with duckdb.connect(str(data_dir.serving), read_only=True) as serving:
        key, name, email, phone = serving.execute(
            "select customer_key, full_name, email, phone from marts.customer_360 "
            "where email is not null and phone is not null and full_name is not null and interactions > 0 "
            "order by orders desc, customer_key limit 1"
        ).fetchone()
    return {"customer_id": key, "name": name, "email": email, "phone": phone}


def test_erasure_removes_a_person_everywhere_and_keeps_every_total(data_dir: Paths, person, tmp_path) -> None:
    needles = [person["customer_id"], person["email"], person["phone"].lstrip("+"), person["name"]]
    assert tables_holding(data_dir, needles), "the person is in the warehouse before the request"
    assert lake_files_holding(data_dir, needles), "and in the open raw layer"
    before = totals(data_dir)

    subject_access = tmp_path / "subject.json"
    assert cli.main(["privacy", "export", "--email", person["email"], "--out", str(subject_access)]) == 0
    held = json.loads(subject_access.read_text())
    assert held["keys"]["customer_id"] == [person["customer_id"]] and held["keys"]["phone"] == [person["phone"]]
    assert held["warehouse"]["marts.customer_360"][0]["full_name"] == person["name"]
    assert any(table.startswith("sales__") for table in held["raw"])

    # By e-mail only, as the person wrote to us: their id and phone go with it (their CRM record names them).
    assert cli.main(["privacy", "erase", "--email", person["email"].upper()]) == 0
    erasures = (data_dir.access_dir / "erasures.jsonl").read_text()
    assert person["email"] not in erasures and person["customer_id"] not in erasures
    refresh()
    assert tables_holding(data_dir, needles) == {}
    assert lake_files_holding(data_dir, needles) == {}
    assert totals(data_dir) == before

    refresh(full=True)  # every landing file read again: the archive still holds the person
    assert tables_holding(data_dir, needles) == {}
    assert lake_files_holding(data_dir, needles) == {}
    assert totals(data_dir) == before
    actions = [event.action for event in audit.read(data_dir.audit_log)]
    assert audit.ERASURE in actions and audit.SUBJECT_ACCESS_EXPORT in actions
    assert person["email"] not in data_dir.audit_log.read_text()
