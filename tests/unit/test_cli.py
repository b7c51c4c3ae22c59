"""The `pulse` command line: argument rules, commands it starts, and its one-line errors."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pipelines import cli


def test_generate_options_have_documented_defaults() -> None:
    arguments = cli.build_parser().parse_args(["generate"])
    assert (arguments.scale, arguments.seed, arguments.dirt_rate, arguments.out) == (1.0, 42, 0.02, None)


def test_demo_defaults_to_a_small_data_set() -> None:
    assert cli.build_parser().parse_args(["demo"]).scale == 0.2


def test_sample_data_ends_on_a_fixed_day_but_the_demos_ends_yesterday() -> None:
    """Same seed, same files; the demo's dashboards count to today, so its business must still be running."""
    assert cli.build_parser().parse_args(["generate"]).end_date == date(2026, 10, 31)
    assert cli.build_parser().parse_args(["demo"]).end_date == date.today() - timedelta(days=1)
    assert cli.build_parser().parse_args(["generate", "--end-date", "2025-06-30"]).end_date == date(2025, 6, 30)


@pytest.mark.parametrize("arguments", [["generate", "--scale", "0"], ["generate", "--dirt-rate", "0.9"]])
def test_out_of_range_options_are_refused(arguments: list[str], capsys) -> None:
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(arguments)
    assert "must be" in capsys.readouterr().err


def test_streamlit_is_started_headless_on_the_requested_port() -> None:
    command = cli.streamlit_command(8600, "0.0.0.0")
    assert command[1:4] == ["-m", "streamlit", "run"]
    assert command[command.index("--server.port") + 1] == "8600"
    assert command[command.index("--server.address") + 1] == "0.0.0.0"
    assert command[command.index("--server.headless") + 1] == "true"


def test_landing_is_empty_until_an_export_arrives(data_dir) -> None:
    assert cli.landing_is_empty(data_dir.landing)
    (data_dir.landing_for("surveys") / "responses.csv").write_text("response_id\nR1\n")
    assert not cli.landing_is_empty(data_dir.landing)


def test_a_crash_is_one_line_and_a_log_file(data_dir, monkeypatch, capsys) -> None:
    def explode(**_: object) -> int:
        raise RuntimeError("the warehouse disk is full\nlong detail")

    monkeypatch.setattr(cli, "run_refresh", explode)
    assert cli.main(["refresh"]) == 1
    error = capsys.readouterr().err
    assert "error: the warehouse disk is full" in error and "long detail" not in error
    log = data_dir.data_dir / "logs" / "pulse-error.log"
    assert "long detail" in log.read_text()
