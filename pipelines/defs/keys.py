"""Asset keys that other modules refer to, importable without loading the dbt manifest."""

import dagster as dg

SERVING_SNAPSHOT_KEY = dg.AssetKey("serving_snapshot")
