"""A generated data set with a fifth of its rows dirtied, refreshed once and shared by the integration tests that
compare the warehouse with the generator's ground truth (identity resolution, churn)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pipelines.core.settings import Paths


@pytest.fixture(scope="session")
def dirty_generated_warehouse(tmp_path_factory: pytest.TempPathFactory, dbt_manifest) -> Iterator[Paths]:
    from pipelines.core.generator import generate
    from pipelines.core.settings import DATA_DIR_VARIABLE
    from pipelines.defs.automation.headless import run_refresh

    root = tmp_path_factory.mktemp("generated") / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DATA_DIR_VARIABLE, str(root))
        patch.setenv("DAGSTER_HOME", str(root / "dagster"))
        patch.delenv("PULSE_CONFIG", raising=False)
        paths = Paths(root).ensure()
        generate(paths.landing, scale=1, seed=11, dirt_rate=0.2)
        from pipelines.definitions import build_definitions

        outcome = run_refresh(build_definitions(), tags={})
        assert outcome.status == "succeeded", outcome.message
        yield paths
