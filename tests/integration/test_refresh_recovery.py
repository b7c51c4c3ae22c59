"""A refresh that is killed — kill -9 at the start of a step, SIGTERM — leaves nothing that blocks the next one: the
next refresh closes it (marks it failed, frees its slot, stops its dbt, records and alerts it) and publishes what a
clean run publishes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.core import refresh_history
from pipelines.core.generator import generate
from pipelines.core.processes import ProcessIdentity
from pipelines.core.settings import Paths
from tests.helpers import webhook_receiver

PULSE = str(Path(sys.executable).with_name("pulse"))
LINEAGE_OF_A_LOAD = ("load_id", "_load_id", "_loaded_at")


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict]]]:
    with webhook_receiver() as receiver:
        yield receiver


def environment(paths: Paths, webhook_url: str) -> dict[str, str]:
    values = {**os.environ, "PULSE_DATA_DIR": str(paths.data_dir), "DAGSTER_HOME": str(paths.data_dir / "dagster")}
    values["PULSE_ALERT_WEBHOOK_URL"] = webhook_url
    values.pop("PULSE_CONFIG", None)
    return values


def create_dagster_storage(paths: Paths, webhook_url: str) -> None:
    """Dagster's storage as the first refresh (or `pulse serve --dagster`) leaves it, before a poller opens it: one
    opening it while a refresh creates it would race Dagster's unlocked schema creation (headless.py)."""
    from pipelines.defs.automation.headless import ensure_dagster_home

    with pytest.MonkeyPatch.context() as patch:
        for variable, value in environment(paths, webhook_url).items():
            patch.setenv(variable, value)
        ensure_dagster_home()


def start_refresh(paths: Paths, webhook_url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [PULSE, "refresh"],
        env=environment(paths, webhook_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_as_in_a_terminal,
    )


def _as_in_a_terminal() -> None:
    """Ctrl+C (SIGINT) handled as in a terminal: tests started as a background job (`pytest &`) have it ignored,
    and a child inherits that — a refresh would then rightly carry on through it, as background jobs do."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def refresh(paths: Paths, webhook_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PULSE, "refresh"], env=environment(paths, webhook_url), capture_output=True, text=True, timeout=600
    )


def wait_for_step(paths: Paths, process: subprocess.Popen, step_key: str, timeout: float = 300) -> str:
    """The run id, once the newest refresh run has started `step_key`; Dagster's storage must exist already
    (create_dagster_storage). One instance serves every look: opening the storage for each took long enough on a
    busy machine to miss a whole refresh."""
    deadline = time.monotonic() + timeout
    with dg.DagsterInstance.from_config(str(paths.data_dir / "dagster")) as instance:
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else "refresh ended"
            if run_id := _run_at_step(instance, step_key):
                return run_id
            time.sleep(0.02)
    raise AssertionError(f"step {step_key} did not start within {timeout} s")


def wait_for_dbt(paths: Paths, process: subprocess.Popen, timeout: float = 300) -> None:
    """Until the refresh's dbt is running: looked for in /proc, which is cheap and exact, where polling Dagster's
    storage while the run writes to it can be slow enough to miss a short step on a busy machine."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else "refresh ended"
        if dbt_processes(paths):
            return
        time.sleep(0.02)
    raise AssertionError(f"dbt did not start within {timeout} s")


def wait_for_publication(paths: Paths, process: subprocess.Popen, timeout: float = 300) -> None:
    """Until the refresh is writing its snapshot candidate (pipelines.core.publish): a file looked for every few
    milliseconds, where the serving step's start in Dagster's storage, a query away, was missed on a busy machine
    (the step takes a fraction of a second)."""
    deadline = time.monotonic() + timeout
    candidates = f".{paths.serving.stem}.*.duckdb"
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else "refresh ended"
        if any(paths.serving.parent.glob(candidates)):
            return
        time.sleep(0.005)
    raise AssertionError(f"no snapshot was written within {timeout} s")


def newest_run(paths: Paths) -> str:
    with dg.DagsterInstance.from_config(str(paths.data_dir / "dagster")) as instance:
        return instance.get_runs(limit=1)[0].run_id


def step_events(paths: Paths, run_id: str, step_key: str) -> set[str]:
    with dg.DagsterInstance.from_config(str(paths.data_dir / "dagster")) as instance:
        records = instance.get_records_for_run(run_id).records
        return {
            record.event_log_entry.dagster_event.event_type_value
            for record in records
            if record.event_log_entry.step_key == step_key and record.event_log_entry.dagster_event
        }


def _run_at_step(instance: dg.DagsterInstance, step_key: str) -> str | None:
    runs = instance.get_runs(limit=1)
    if runs:
        records = instance.get_records_for_run(runs[0].run_id, of_type=dg.DagsterEventType.STEP_START)
        if any(record.event_log_entry.step_key == step_key for record in records.records):
            return runs[0].run_id
    return None


def served_rows(paths: Paths) -> dict[str, list[tuple]]:
    """Every published table's rows, without what differs between two loads of the same files (load ids, times)."""
    with duckdb.connect(str(paths.serving), read_only=True) as serving:
        tables = serving.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('staging', 'ops') and table_name <> 'load_log' order by all"
        ).fetchall()
        rows = {}
        for schema, name in tables:
            columns = [row[0] for row in serving.execute(f'describe "{schema}"."{name}"').fetchall()]
            kept = ", ".join(f'"{column}"' for column in columns if column not in LINEAGE_OF_A_LOAD)
            rows[f"{schema}.{name}"] = serving.execute(
                f'select {kept} from "{schema}"."{name}" order by all'
            ).fetchall()
    return rows


def dbt_processes(paths: Paths) -> list[int]:
    target = f"DBT_TARGET_PATH={paths.dbt_target}".encode()
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if target in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to find processes")
def test_a_refresh_killed_at_each_step_is_closed_by_the_next_which_publishes_what_a_clean_run_does(
    tmp_path, dbt_manifest, webhook
) -> None:
    url, alerts = webhook
    killed_dir, clean_dir = Paths(tmp_path / "killed").ensure(), Paths(tmp_path / "clean").ensure()
    generate(killed_dir.landing, scale=0.02, seed=11)
    shutil.copytree(killed_dir.landing, clean_dir.landing, dirs_exist_ok=True)
    create_dagster_storage(killed_dir, url)

    killed_runs = []
    for step in ("raw__customers", "warehouse_models", "serving_snapshot"):
        process = start_refresh(killed_dir, url)
        if step == "warehouse_models":  # dbt's burst of events can keep Dagster's storage from a poller
            wait_for_dbt(killed_dir, process)
        elif step == "serving_snapshot":
            wait_for_publication(killed_dir, process)
        else:
            wait_for_step(killed_dir, process, step)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        killed_runs.append(newest_run(killed_dir))

    recovered = refresh(killed_dir, url)
    assert recovered.returncode == 0, recovered.stderr
    assert "closed a refresh that was killed" in recovered.stderr
    assert dbt_processes(killed_dir) == []
    assert not any(killed_dir.serving.parent.glob(f".{killed_dir.serving.stem}.*.duckdb*")), "a candidate was left"
    history = {item.run_id: item for item in refresh_history.read_history(killed_dir.refresh_history)}
    for run_id in killed_runs:
        assert history[run_id].status == "failed"
        assert "is gone: it was killed or crashed" in history[run_id].message
    assert {payload["refresh"]["run_id"] for payload in alerts} >= set(killed_runs)
    latest = refresh_history.read_history(killed_dir.refresh_history)[0]
    assert (latest.status, latest.published) == ("succeeded", True)

    assert refresh(clean_dir, url).returncode == 0
    assert served_rows(killed_dir) == served_rows(clean_dir)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to find processes")
def test_a_stopped_refresh_ends_cleanly_and_the_next_one_runs(tmp_path, dbt_manifest, webhook) -> None:
    """Stopped by SIGTERM, then the next one by Ctrl+C, each while dbt runs; the one after that publishes."""
    url, alerts = webhook
    paths = Paths(tmp_path / "data").ensure()
    generate(paths.landing, scale=0.01, seed=5)
    stopped_runs = []
    for stop in (signal.SIGTERM, signal.SIGINT):
        process = start_refresh(paths, url)
        wait_for_dbt(paths, process)
        process.send_signal(stop)
        assert process.wait(timeout=60) == 130, stop
        assert dbt_processes(paths) == [], stop
        stopped = refresh_history.read_history(paths.refresh_history)[0]
        assert stopped.run_id not in stopped_runs
        stopped_runs.append(stopped.run_id)
        assert stopped.status == "failed"
        events = step_events(paths, stopped.run_id, "warehouse_models")
        assert "STEP_START" in events and "STEP_SUCCESS" not in events, stop  # stopped while dbt ran
        assert stopped.message == "the refresh was stopped (Ctrl+C or SIGTERM)"
        assert [payload["refresh"]["run_id"] for payload in alerts] == stopped_runs
        with dg.DagsterInstance.from_config(str(paths.data_dir / "dagster")) as instance:
            assert instance.get_run_by_id(stopped.run_id).status == dg.DagsterRunStatus.FAILURE
            assert instance.event_log_storage.get_concurrency_info("warehouse_writer").claimed_slots == []
    assert refresh(paths, url).returncode == 0
    latest = refresh_history.read_history(paths.refresh_history)[0]
    assert (latest.status, latest.published) == ("succeeded", True)


def test_a_process_is_told_apart_from_a_later_one_with_its_pid() -> None:
    me = ProcessIdentity.current()
    assert me.is_alive()
    assert not ProcessIdentity(me.host, me.pid, "1").is_alive()  # the same pid, started at another time
    assert ProcessIdentity.from_tag(me.tag()) == me
