"""The landing sensor asks for a refresh exactly when files were added or changed."""

from __future__ import annotations

import os

import dagster as dg

from pipelines.core.config import RefreshSettings
from pipelines.defs.automation.sensors import build_automation, landing_run_request
from tests.helpers import SALES_HEADER, write_csv


def test_no_files_no_run(data_dir) -> None:
    request, cursor = landing_run_request(None)
    assert isinstance(request, dg.SkipReason)
    assert cursor is None


def test_new_then_unchanged_then_changed_files(data_dir) -> None:
    path = write_csv(data_dir.landing_for("sales") / "orders.csv", SALES_HEADER, [])
    first, cursor = landing_run_request(None)
    assert isinstance(first, dg.RunRequest)
    assert first.tags["customer_pulse/trigger"] == "landing_sensor"

    again, same_cursor = landing_run_request(cursor)
    assert isinstance(again, dg.SkipReason)
    assert same_cursor == cursor

    path.write_text(path.read_text() + "O1,1,C1,,2025-01-01,1,1,completed\n")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 2))
    changed, new_cursor = landing_run_request(cursor)
    assert isinstance(changed, dg.RunRequest)
    assert new_cursor != cursor and changed.run_key == new_cursor


def test_the_sensor_keeps_its_cursor_between_ticks(data_dir) -> None:
    write_csv(data_dir.landing_for("customers") / "crm.csv", ["customer_id"], [["C1"]])
    landing_sensor = build_automation(RefreshSettings()).resolve_sensor_def("landing_sensor")
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance)
        assert isinstance(landing_sensor(context), dg.RunRequest)
        assert isinstance(
            landing_sensor(dg.build_sensor_context(instance=instance, cursor=context.cursor)), dg.SkipReason
        )
