"""Privacy by default: keyed pseudonyms for ids and small-group suppression for aggregates.

* Pseudonyms: HMAC-SHA256 of the normalised id under a per-installation secret, shown as ``P-`` and ten
  base32 characters. Without the secret nobody can recompute them from a list of ids (a plain hash of
  ``E00042`` could be reversed by hashing every possible id).
* Suppression: any aggregate cut by a person attribute hides groups of fewer than `min_size` people
  (5 by default, never below 3); when the hidden people could be recovered by subtracting the visible
  groups from the total (one hidden group, or hidden groups adding up to fewer than `min_size`), the next
  smallest groups are hidden too (complementary suppression).
* Gender, ethnicity, salary and other sensitive attributes are never shown row by row: `safe_rows`
  drops them, with names and free text (which may hold names), before anything is displayed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import pandas as pd

MIN_GROUP = 5
HIDDEN_ROLES = ("name", "sensitive")
NOT_PER_ROW = (*HIDDEN_ROLES, "text")  # free text may hold names too: never shown row by row either


def new_secret() -> str:
    return secrets.token_hex(32)


def pseudonym(employee_id: str, key: str) -> str:
    digest = hmac.new(key.encode(), employee_id.strip().upper().encode(), hashlib.sha256).digest()
    return "P-" + base64.b32encode(digest).decode()[:10]


def pseudonymise(ids: pd.Series, key: str) -> pd.Series:
    return ids.map(lambda i: pseudonym(str(i), key) if str(i).strip() else "")


def suppressed_groups(counts: pd.Series, *, min_size: int = MIN_GROUP) -> set:
    """Groups to hide: those under `min_size`, plus the next smallest while subtraction would reveal them."""
    if min_size < 3:
        raise ValueError("min_size must be at least 3")
    counts = counts[counts > 0].sort_values(kind="stable")
    hidden = set(counts.index[counts < min_size])
    visible = [g for g in counts.index if g not in hidden]
    while hidden and visible and (len(hidden) == 1 or counts[list(hidden)].sum() < min_size):
        hidden.add(visible.pop(0))
    return hidden


MAX_GROUPS = 50  # a column with more distinct values is an identifier or a measure, not groups


def groupable(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """The columns fit to group people by: at most MAX_GROUPS distinct values, and not numbers (grouping by salary
    would list every salary, and a unique one is one person)."""
    def fits(column: str) -> bool:
        values = frame[column].dropna()
        if values.nunique() > MAX_GROUPS or values.empty:
            return False
        numeric = pd.to_numeric(values.astype(str).str.replace(",", ""), errors="coerce").notna().mean()
        return numeric < 0.5
    return [c for c in columns if c in frame.columns and fits(c)]


def group_summary(frame: pd.DataFrame, *, by: str, value: str, min_size: int = MIN_GROUP) -> pd.DataFrame:
    """People, mean and median of `value` per `by` group. Small groups (and the complements that would reveal
    them) are hidden, with their names: a group's name alone can say that such a person exists, so they are one
    row "hidden groups" with no figures."""
    data = frame[[by, value]].dropna()
    table = data.groupby(by)[value].agg(people="count", mean="mean", median="median").reset_index()
    hidden = suppressed_groups(table.set_index(by)["people"], min_size=min_size)
    shown = table[~table[by].isin(hidden)].copy()
    shown["note"] = ""
    if hidden:
        row = {by: f"{len(hidden)} hidden group{'s' if len(hidden) > 1 else ''}", "people": None, "mean": None,
               "median": None, "note": "hidden: fewer than 5 people, or would reveal such a group"}
        shown = pd.concat([shown, pd.DataFrame([row])], ignore_index=True)
    shown["people"] = shown["people"].astype(object)
    return shown


def safe_rows(people: pd.DataFrame, roles: dict[str, str], key: str) -> pd.DataFrame:
    """Rows fit to show: ids (and manager ids) pseudonymised, names, sensitive attributes and free text removed."""
    shown = people.drop(columns=[c for c in people.columns if roles.get(c) in NOT_PER_ROW])
    shown = shown.reset_index()
    shown["employee_id"] = pseudonymise(shown["employee_id"], key)
    for column in [c for c in shown.columns if roles.get(c) == "manager_id"]:
        shown[column] = pseudonymise(shown[column].fillna(""), key)
    return shown.rename(columns={"employee_id": "person (pseudonym)"})
