"""Mapping files: how a source's columns become a contract's columns (model, YAML loading, SQL, choice, preview)."""
