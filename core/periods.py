"""Periods as people write them, and their grain: months, quarters ("2024 Q1", "Q1 2024", "2024-Q1") and ISO
weeks ("2024-W05"), or dates whose spacing says weekly, monthly or quarterly; any other labels ("P1" … "P12",
"FY24 P03", "Sprint 9") in their natural order, numbers inside compared as numbers (`Labels`).

Each grain puts periods on one integer scale, so consecutive periods differ by 1: months year·12 + month − 1,
quarters year·4 + quarter − 1, weeks the count of Mondays since 5 January 1970 (ISO 8601 weeks start on Monday).
"""

from __future__ import annotations

import re
import warnings
from typing import Literal

import pandas as pd

Grain = Literal["week", "month", "quarter"]
ADJECTIVE = {"week": "weekly", "month": "monthly", "quarter": "quarterly"}
QUARTER = re.compile(r"^(?:(?P<y1>\d{4})\s*[-/ ]?\s*Q(?P<q1>[1-4])|Q(?P<q2>[1-4])\s*[-/ ]?\s*(?P<y2>\d{4}))$",
                     re.IGNORECASE)
ISO_WEEK = re.compile(r"^(?P<y>\d{4})-?W(?P<w>\d{2})(?:-?(?P<d>[1-7]))?$", re.IGNORECASE)
FIRST_MONDAY = pd.Timestamp("1970-01-05")


def labelled_dates(text: pd.Series) -> tuple[pd.Series, Grain | None]:
    """Quarter labels as each quarter's first day and ISO weeks as their Monday (or the day given); NaT elsewhere.
    The grain is "quarter" or "week" when every non-blank value is such a label, else None."""
    text = text.astype("string").fillna("").str.strip()
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    quarter = text.str.extract(QUARTER)
    is_quarter = (quarter["y1"].notna() | quarter["y2"].notna()).to_numpy(dtype=bool)
    if is_quarter.any():
        q = quarter[is_quarter]
        year = q["y1"].fillna(q["y2"]).astype(int)
        month = (q["q1"].fillna(q["q2"]).astype(int) - 1) * 3 + 1
        out[q.index] = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": 1}), errors="coerce")
    week = text[~is_quarter].str.extract(ISO_WEEK)
    is_week = week["y"].notna().to_numpy(dtype=bool)
    if is_week.any():
        w = week[is_week]
        out[w.index] = pd.to_datetime(w["y"] + "-W" + w["w"] + "-" + w["d"].fillna("1"), format="%G-W%V-%u",
                                      errors="coerce")
    filled = (text != "").to_numpy(dtype=bool)
    grain: Grain | None = None
    if filled.any() and is_quarter[filled].all():
        grain = "quarter"
    elif filled.any() and week["y"].reindex(text.index).notna().to_numpy(dtype=bool)[filled].all():
        grain = "week"
    return out, grain


def grain_of(dates: pd.Series) -> Grain:
    """Weekly when the distinct dates are mostly 7 days apart, quarterly when they are quarters' first months 3
    months apart, else monthly (the default: several dates in one month are that month)."""
    distinct = pd.Series(dates.dropna().unique()).sort_values()
    if len(distinct) < 2:
        return "month"
    gaps = distinct.diff().dropna().dt.days
    if gaps.median() == 7:
        return "week"
    months = distinct.dt.year * 12 + distinct.dt.month - 1
    if (distinct.dt.month.isin([1, 4, 7, 10]) & (distinct.dt.day == 1)).all() and months.diff().dropna().min() >= 3:
        return "quarter"
    return "month"


def codes(dates: pd.Series, grain: Grain) -> pd.Series:
    """Dates on the grain's integer scale (consecutive periods differ by 1)."""
    if grain == "week":
        return ((dates - FIRST_MONDAY).dt.days // 7).astype(float)
    if grain == "quarter":
        return (dates.dt.year * 4 + (dates.dt.month - 1) // 3).astype(float)
    return (dates.dt.year * 12 + dates.dt.month - 1).astype(float)


def start_of(dates: pd.Series, grain: Grain) -> pd.Series:
    """Each date as the first day of its period: its week's Monday, its month's or its quarter's first day."""
    if grain == "week":
        return (dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")).dt.normalize()
    if grain == "quarter":
        return dates.dt.to_period("Q").dt.to_timestamp()
    return dates.dt.to_period("M").dt.to_timestamp()


def parse(values: pd.Series) -> tuple[pd.Series, Grain | None]:
    """Dates from labels or date text (NaT where neither), with the grain the labels say (None: decide by spacing)."""
    labelled, grain = labelled_dates(values.astype("string"))
    if grain is not None:
        return labelled, grain
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dates = pd.to_datetime(values, errors="coerce")
    if pd.api.types.is_datetime64_any_dtype(dates):  # "M1" reads as a minute past midnight in year 1: not a date
        dates = dates.where(dates.dt.year.between(1800, 2200))
    return dates.where(dates.notna(), labelled), None


def label(code: float, grain: Grain) -> str:
    """The period a code stands for, as people write it: "2026-07", "2026 Q3", "2026-W05"."""
    n = int(code)
    if grain == "quarter":
        return f"{n // 4} Q{n % 4 + 1}"
    if grain == "week":
        monday = FIRST_MONDAY + pd.Timedelta(weeks=n)
        year, week, _ = monday.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{n // 12}-{n % 12 + 1:02d}"



_RUNS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """Sort key that compares the digits inside a label as numbers: "P2" < "P10", "FY24 P3" < "FY25 P1"."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part.strip().lower())
                 for part in _RUNS.split(str(text).strip()) if part.strip())


class Labels(str):
    """The scale of labelled periods: the string "label" (as a grain is named) that also holds the labels in
    their natural order; period k (0-based) is coded k, so consecutive labels differ by 1."""

    order: tuple[str, ...]

    def __new__(cls, labels) -> Labels:
        scale = super().__new__(cls, "label")
        scale.order = tuple(sorted({str(v).strip() for v in labels}, key=natural_key))
        return scale

    def codes(self, values: pd.Series) -> pd.Series:
        """Each label's position in the order (NaN for a blank or a label not in it)."""
        position = {label: float(k) for k, label in enumerate(self.order)}
        return values.map(lambda v: position.get(str(v).strip(), float("nan")) if pd.notna(v) else float("nan"))

    def said(self) -> str:
        """The order in words, so a user can check it is the order in time."""
        shown = self.order if len(self.order) <= 6 else (*self.order[:3], "…", *self.order[-2:])
        return " < ".join(shown)
