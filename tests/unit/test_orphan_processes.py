"""What a killed refresh leaves running is found by its environment once its parent is gone, and nothing else is:
a process whose parent lives (this test's own child, a live refresh's dbt) is never taken for a leftover."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from pipelines.core.processes import orphans_with_environment, parent_of, terminate

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")


def test_an_orphan_is_found_by_its_environment_and_a_child_with_a_live_parent_is_not() -> None:
    marker = uuid.uuid4().hex
    environment = {**os.environ, "PULSE_TEST_MARKER": marker}
    # A shell that starts `sleep` and exits at once: the sleep is orphaned, as dbt is when its refresh is killed.
    shell = subprocess.run(
        ["sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!"], env=environment, capture_output=True, text=True, check=True
    )
    orphan = int(shell.stdout.strip())
    kept = subprocess.Popen(["sleep", "30"], env=environment)
    try:
        if parent_of(orphan) != 1:
            pytest.skip("orphans are handed to a subreaper here, not to init")
        found = orphans_with_environment("PULSE_TEST_MARKER", marker)
        assert found == [orphan]
        assert orphans_with_environment("PULSE_TEST_MARKER", "another value") == []
    finally:
        terminate([orphan, kept.pid], grace_seconds=2)
        kept.wait(timeout=10)
