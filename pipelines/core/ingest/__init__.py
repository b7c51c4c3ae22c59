"""Ingestion: landing files → contract validation → raw tables, rejects and the load log (DuckDB)."""

from pipelines.core.ingest.loader import FileLoad, KindLoad, ingest_kind

__all__ = ["FileLoad", "KindLoad", "ingest_kind"]
