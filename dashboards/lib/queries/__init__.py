"""The SQL of the pages, one module per page, as plain functions over the serving snapshot (serving.query)."""
