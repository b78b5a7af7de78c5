"""Widgets bound to plan fields: each edit is copied into the Plan and autosaved."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from core.plan import Plan, limit
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


def limits(path: str, kind: type = float) -> dict[str, Any]:
    """min_value and max_value for the widget that edits plan field `path` ("roi.adoption"), from the Limit
    declared beside the field (core/plan.py), at the scale the page shows it (a share as a percentage): a stored
    value the plan's checks accept is always one the widget accepts."""
    bound = limit(path)
    return {"min_value": kind(bound.low * bound.shown), "max_value": kind(bound.high * bound.shown)}


def dtypes_of(row_type: type) -> dict[str, str]:
    """The editable table's column types from the dataclass its rows are (text, number or tick box), so a table
    never retypes a schema by hand and a new field is never dropped by an edit."""
    import dataclasses
    import typing

    def dtype(tp: Any) -> str:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if tp is bool:
            return "bool"
        if tp in (int, float) or (args and args[0] in (int, float)):
            return "float64"
        return "str"

    hints = typing.get_type_hints(row_type)
    return {f.name: dtype(hints[f.name]) for f in dataclasses.fields(row_type)}


def edited(editor_key: str) -> bool:
    """Whether a person changed the data editor under `editor_key` (a cell, an added or a deleted row): only then
    may a page save what it returns — a page never writes while it only renders."""
    state = st.session_state.get(editor_key) or {}
    return any(state.get(part) for part in ("edited_rows", "added_rows", "deleted_rows"))


def table(name: str, rows: list[dict[str, Any]], *, dtypes: dict[str, str],
          column_config: dict[str, Any]) -> list[dict[str, Any]] | None:
    """An editable table (rows can be added and deleted); returns the edited rows, blank rows dropped, or None
    while nobody has edited it (the rows shown are the plan's own: nothing to save).

    The editor starts from `rows` (the plan's current rows). Whenever those change — saved from this editor,
    added from elsewhere on the page, reloaded after a conflict — the editor is rebuilt under a new widget
    key, so it never shows or writes back a stale copy. Callers save a change with `commit`, which reruns
    at once so the next edit lands on the rebuilt editor.
    """
    base_key = f"{session.key(name)}.base"
    if st.session_state.get(f"{base_key}.rows") != rows or base_key not in st.session_state:
        frame = pd.DataFrame(rows, columns=list(dtypes)) if rows else pd.DataFrame(columns=list(dtypes))
        st.session_state[base_key] = frame.astype(dtypes)
        st.session_state[f"{base_key}.rows"] = [dict(r) for r in rows]
        st.session_state[f"{base_key}.generation"] = st.session_state.get(f"{base_key}.generation", 0) + 1
    editor_key = f"{session.key(name)}.{st.session_state[f'{base_key}.generation']}"
    shown = st.data_editor(st.session_state[base_key], key=editor_key, num_rows="dynamic", hide_index=True,
                           column_config=column_config, width="stretch")
    if not edited(editor_key):
        return None
    return [row for row in (_clean(r, dtypes) for r in shown.to_dict("records")) if _filled(row)]


def commit(change: Callable[[Plan], None]) -> None:
    """Save a change made in an editable table and rerun, so the table is rebuilt from the saved plan."""
    session.update(change)
    st.rerun()


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


def number_format(value: float) -> str:
    """A printf format that shows `value` as people read it, never in scientific notation: whole numbers from
    1,000 up, four significant digits below that (518.2 → "%.1f", 0.035 → "%.5f", 123456789 → "%.0f")."""
    if not value or not math.isfinite(value):
        return "%.2f"
    decimals = max(0, min(6, 3 - math.floor(math.log10(abs(value)))))
    return f"%.{decimals}f"
