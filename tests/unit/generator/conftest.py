from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.core.generator import GenerationSummary, generate


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    """500 customers, default dirt."""
    return generate(tmp_path_factory.mktemp("small"), scale=0.05, seed=11)


@pytest.fixture(scope="session")
def clean(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    return generate(tmp_path_factory.mktemp("clean"), scale=0.05, seed=11, dirt_rate=0.0)


@pytest.fixture(scope="session")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    """A high dirt rate, so that every kind of dirt occurs often enough to measure."""
    return generate(tmp_path_factory.mktemp("dirty"), scale=0.05, seed=5, dirt_rate=0.3)


def file_bytes(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}
