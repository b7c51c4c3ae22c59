"""Customer value and churn models: pure functions on numpy arrays (per-customer summaries), no Dagster."""
