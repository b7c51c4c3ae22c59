"""The customer value and churn models as assets: thin layers over pipelines.core.models, reading dbt's
intermediate models and writing tables beside the marts, which customer_360 and the care queue read back (dbt
sources `models.*`) and the dashboards read once published."""

import dagster as dg
import duckdb
from dagster_dbt import get_asset_key_for_model

from pipelines.core import lake
from pipelines.core.config import load_config
from pipelines.core.models.churn_risk import ChurnTargets, build_churn_risk
from pipelines.core.models.value_table import build_customer_value
from pipelines.core.warehouse import MARTS_CATALOG
from pipelines.core.warehouse_settings import SPARK
from pipelines.defs.dbt.assets import warehouse_models
from pipelines.defs.ingest.assets import TABLE_NAME
from pipelines.defs.resources import WAREHOUSE_POOL, WarehouseResource

SUMMARIES_KEY = get_asset_key_for_model([warehouse_models], "int_customer_purchase_summaries")
FEATURES_KEY = get_asset_key_for_model([warehouse_models], "int_customer_churn_features")
MODELS_GROUP = "marts"


def _relation(key: dg.AssetKey) -> str:
    """The table of a dbt model as the warehouse connection names it (schema.table in warehouse.duckdb)."""
    spec = next(spec for spec in warehouse_models.specs if spec.key == key)
    _, schema, table = str(spec.metadata[TABLE_NAME]).split(".")
    return f"{schema}.{table}"


def _mart(name: str) -> str:
    return f"{MARTS_CATALOG}.marts.{name}"


def _hand_to_spark(
    context: dg.AssetExecutionContext, connection: duckdb.DuckDBPyConnection, warehouse: WarehouseResource, name: str
) -> None:
    """On Spark, the marts built after the models read their table from the lake (dbt source models.<name>)."""
    if load_config().warehouse.engine == SPARK:
        rows = lake.write_model_table(connection, warehouse.paths().lake, _mart(name), name)
        context.log.info(f"{name}: {rows:,} rows written to the lake for Spark")


def _spec(name: str, description: str, deps: list[dg.AssetKey]) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=dg.AssetKey(["marts", name]),
        group_name=MODELS_GROUP,
        kinds={"python", "duckdb"},
        deps=deps,
        description=description,
        metadata={TABLE_NAME: _mart(name)},
    )


CUSTOMER_VALUE = _spec(
    "customer_value",
    "Per customer who has bought: historical revenue and margin, BG/NBD expected purchases and P(alive), "
    "Gamma-Gamma expected spend, discounted CLV with its interval, potential value.",
    [SUMMARIES_KEY],
)
CHURN_SPECS = [
    _spec(
        "customer_churn_risk",
        "Per customer who has bought: probability of no purchase in the horizon, risk band, top reasons in words, "
        "value at stake and the suggested action.",
        [FEATURES_KEY, CUSTOMER_VALUE.key],
    ),
    _spec(
        "churn_model_report",
        "The churn model against its candidates and two baselines on held-out customers: AUC, Brier, lift.",
        [FEATURES_KEY, CUSTOMER_VALUE.key],
    ),
    _spec(
        "churn_model_calibration",
        "Predicted against observed churn by decile of the chosen model, on held-out customers.",
        [FEATURES_KEY, CUSTOMER_VALUE.key],
    ),
]


@dg.multi_asset(specs=[CUSTOMER_VALUE], pool=WAREHOUSE_POOL)
def customer_value(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = load_config().models
    with warehouse.connect() as connection:
        report = build_customer_value(connection, _relation(SUMMARIES_KEY), _mart("customer_value"), settings)
        _hand_to_spark(context, connection, warehouse, "customer_value")
    context.log.info(f"customer value of {report.customers} customers: BG/NBD {report.purchases}")
    return dg.MaterializeResult(metadata={**report.as_metadata(), "dagster/row_count": report.customers})


@dg.multi_asset(specs=CHURN_SPECS, pool=WAREHOUSE_POOL)
def customer_churn_risk(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    targets = ChurnTargets(
        risk=_mart("customer_churn_risk"),
        report=_mart("churn_model_report"),
        calibration=_mart("churn_model_calibration"),
    )
    with warehouse.connect() as connection:
        report = build_churn_risk(connection, _relation(FEATURES_KEY), _mart("customer_value"), targets)
        _hand_to_spark(context, connection, warehouse, "customer_churn_risk")
    context.log.info(f"churn risk of {report.scored_customers} customers: {report.status}")
    metadata = report.as_metadata()
    yield dg.MaterializeResult(
        asset_key=CHURN_SPECS[0].key,
        metadata={**metadata, "dagster/row_count": report.scored_customers},
    )
    yield dg.MaterializeResult(
        asset_key=CHURN_SPECS[1].key, metadata={"quality_on_test_slice": metadata["quality_on_test_slice"]}
    )
    yield dg.MaterializeResult(
        asset_key=CHURN_SPECS[2].key, metadata={"calibration_by_decile": metadata["calibration_by_decile"]}
    )


defs = dg.Definitions(assets=[customer_value, customer_churn_risk])
