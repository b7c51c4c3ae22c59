"""One generated data set refreshed once through the real CLI, shared by the end-to-end tests of this folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from pipelines.core.settings import DATA_DIR_VARIABLE, Paths
from tests.helpers import signed_in

SCALE = 0.1
SEED = 7
AS_OF = "2026-10-31"
APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "streamlit_app.py")


@dataclass(frozen=True)
class Demo:
    paths: Paths
    environment: dict[str, str]

    def pulse(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(Path(sys.executable).with_name("pulse")), *arguments],
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    root = tmp_path_factory.mktemp("demo") / "data"
    environment = {**os.environ, "PULSE_DATA_DIR": str(root), "DAGSTER_HOME": str(root / "dagster")}
    # Counted to the sample data's last day, not to the day the tests run: the same figures every day.
    environment["PULSE_AS_OF"] = AS_OF
    for variable in ("PULSE_CONFIG", "PULSE_ALERT_WEBHOOK_URL", "PULSE_ALERT_EMAIL_TO"):
        environment.pop(variable, None)
    demo = Demo(Paths(root), environment)
    generated = demo.pulse("generate", "--scale", str(SCALE), "--seed", str(SEED), "--out", str(root / "landing"))
    assert generated.returncode == 0, generated.stderr
    refreshed = demo.pulse("refresh")
    assert refreshed.returncode == 0, refreshed.stderr
    yield demo


@pytest.fixture
def app(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The dashboards in Streamlit's AppTest, reading the demo's snapshot, signed in as an admin."""
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(demo.paths.data_dir))
    return signed_in(AppTest.from_file(APP, default_timeout=60))


@pytest.fixture(scope="module")
def serving(demo: Demo) -> Iterator[duckdb.DuckDBPyConnection]:
    """The demo's published snapshot, read directly, to check what the pages show against."""
    connection = duckdb.connect(str(demo.paths.serving), read_only=True)
    yield connection
    connection.close()
