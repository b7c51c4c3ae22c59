"""Ingestion: landing files → contract validation → raw tables, rejects and the load log (DuckDB).

Names are imported on first use, so that importing one small module of the package (its settings, its results)
does not pull in the readers and the loader."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipelines.core.ingest.loader import ingest_kind
    from pipelines.core.ingest.results import FileLoad, FileStatus, KindLoad

__all__ = ["FileLoad", "FileStatus", "KindLoad", "ingest_kind"]


def __getattr__(name: str) -> Any:
    if name == "ingest_kind":
        from pipelines.core.ingest.loader import ingest_kind

        return ingest_kind
    if name in ("FileLoad", "FileStatus", "KindLoad"):
        from pipelines.core.ingest import results

        return getattr(results, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
