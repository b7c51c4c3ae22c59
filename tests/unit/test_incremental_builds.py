"""When a refresh must rebuild the incremental facts whole: code, seeds or a setting they depend on changed."""

from __future__ import annotations

from pathlib import Path

from pipelines.core.incremental_builds import build_fingerprint, needs_full_refresh, record_build


def project(root: Path) -> Path:
    (root / "models" / "marts").mkdir(parents=True)
    (root / "macros").mkdir()
    (root / "dbt_project.yml").write_text("name: x\n")
    (root / "models" / "marts" / "fct.sql").write_text("select 1 as x\n")
    (root / "macros" / "m.sql").write_text("{% macro m() %}1{% endmacro %}\n")
    return root


def test_a_model_macro_or_setting_change_changes_the_fingerprint(tmp_path: Path) -> None:
    root = project(tmp_path)
    settings = {"timezone": "UTC", "as_of_date": "2026-10-31", "pulse_data_dir": "/a"}
    before = build_fingerprint(root, settings)
    assert build_fingerprint(root, {**settings, "timezone": "Asia/Shanghai"}) != before
    (root / "macros" / "m.sql").write_text("{% macro m() %}2{% endmacro %}\n")
    after_macro = build_fingerprint(root, settings)
    assert after_macro != before
    (root / "models" / "marts" / "new.sql").write_text("select 2 as y\n")
    assert build_fingerprint(root, settings) != after_macro


def test_the_as_of_day_and_the_data_folder_do_not_force_a_rebuild(tmp_path: Path) -> None:
    root = project(tmp_path)
    settings = {"timezone": "UTC", "as_of_date": "2026-10-31", "pulse_data_dir": "/a"}
    assert build_fingerprint(root, {**settings, "as_of_date": "2026-11-01", "pulse_data_dir": "/b"}) == (
        build_fingerprint(root, settings)
    )


def test_a_full_refresh_until_a_build_of_the_same_fingerprint_is_recorded(tmp_path: Path) -> None:
    state = tmp_path / "warehouse"
    assert needs_full_refresh(state, "abc")
    record_build(state, "abc")
    assert not needs_full_refresh(state, "abc")
    assert needs_full_refresh(state, "def")
    (state / "incremental_build.json").write_text("{not json")
    assert needs_full_refresh(state, "abc")
