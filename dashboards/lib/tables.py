"""Tables as people read them: column names in words, thousands separators, blanks instead of "None"."""

from __future__ import annotations

import pandas as pd
import streamlit as st


def label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def show_table(frame: pd.DataFrame, labels: dict[str, str] | None = None) -> None:
    labels = labels or {}
    readable = frame.copy()
    text_columns = [
        name for name in readable.columns if readable[name].dtype == object or readable[name].dtype == "string"
    ]
    readable[text_columns] = readable[text_columns].fillna("")
    readable = readable.rename(columns=lambda name: labels.get(name, label(name)))
    number_format = {
        name: st.column_config.NumberColumn(format="localized")
        for name in readable.columns
        if pd.api.types.is_integer_dtype(readable[name])
    }
    st.dataframe(readable, hide_index=True, column_config=number_format)
