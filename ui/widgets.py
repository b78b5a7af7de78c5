"""Widgets bound to plan fields: each edit is copied into the Plan and autosaved."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from core.plan import Plan
from ui import session


def _on_change(widget_key: str, apply: Callable[[Plan, Any], None]) -> None:
    value = st.session_state[widget_key]
    session.update(lambda plan: apply(plan, value))


def bound(widget: Callable[..., Any], label: str, name: str, apply: Callable[[Plan, Any], None],
          **options: Any) -> Any:
    """Render `widget` (its current value in `options`: value=… or index=…); on change,
    `apply(plan, new_value)` and autosave."""
    widget_key = session.key(name)
    return widget(label, key=widget_key, on_change=_on_change, args=(widget_key, apply), **options)


def table(name: str, rows: list[dict[str, Any]], *, dtypes: dict[str, str],
          column_config: dict[str, Any]) -> list[dict[str, Any]]:
    """An editable table (rows can be added and deleted); returns the edited rows, blank rows dropped.

    The frame handed to st.data_editor stays the same object while its widget lives, so edits
    accumulate; it is rebuilt from the plan when the widget is new (first render, page switch, reload).
    """
    widget_key = session.key(name)
    base_key = f"{widget_key}.base"
    if widget_key not in st.session_state or base_key not in st.session_state:
        frame = pd.DataFrame(rows, columns=list(dtypes)) if rows else pd.DataFrame(columns=list(dtypes))
        st.session_state[base_key] = frame.astype(dtypes)
    edited = st.data_editor(
        st.session_state[base_key], key=widget_key, num_rows="dynamic", hide_index=True,
        column_config=column_config, width="stretch",
    )
    return [row for row in (_clean(r, dtypes) for r in edited.to_dict("records")) if _filled(row)]


def _clean(row: dict[str, Any], dtypes: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column, dtype in dtypes.items():
        value = row.get(column)
        missing = value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA
        if dtype.startswith("float"):
            out[column] = None if missing else float(value)
        elif dtype == "bool":
            out[column] = False if missing else bool(value)
        else:
            out[column] = "" if missing else str(value).strip()
    return out


def _filled(row: dict[str, Any]) -> bool:
    return any(v not in ("", None, False) for v in row.values())
