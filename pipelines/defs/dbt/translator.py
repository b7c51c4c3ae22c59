"""How dbt nodes appear in Dagster: sources are the raw.<kind> ingest assets, models group by layer, and every dbt
test is a blocking asset check described in words (a warn-severity test does not block)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtProject

from pipelines.core.dbt_tests import describe_test

# The ingest asset every refresh loads first (pipelines/defs/ingest): what a dbt node without upstream follows.
RUN_STARTS_AFTER = dg.AssetKey(["raw", "customers"])


class CustomerPulseTranslator(DagsterDbtTranslator):
    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec.replace_attributes(key=dg.AssetKey([props["schema"], props["name"]]))
        layer = props["fqn"][1] if len(props["fqn"]) > 2 else "models"
        spec = spec.replace_attributes(group_name=layer)
        if not props.get("depends_on", {}).get("nodes"):
            # A seed or a model of settings alone has no upstream: it is built after the exports are loaded, like
            # the rest. Said to Dagster, it goes with the first part of the dbt project instead of a part of its
            # own (Dagster cuts dbt into parts around the models assets; each part starts dbt anew, ~7 s).
            spec = spec.merge_attributes(deps=[RUN_STARTS_AFTER])
        return spec

    def get_asset_check_spec(
        self, asset_spec: dg.AssetSpec, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        return spec._replace(description=describe_test(manifest["nodes"][unique_id]))
