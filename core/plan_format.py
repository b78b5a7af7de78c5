"""What a plan document must be to be read at all: the error that names the field, and what counts as a number.
Kept apart from core/plan.py so the schema migration (core/plan_migration.py) needs nothing from the Plan."""

from __future__ import annotations

import math


class PlanFormatError(ValueError):
    """A plan dictionary or JSON document that cannot be read; the message names the field."""


def is_number(value: object) -> bool:
    """A finite int or float that is not a bool (JSON's true is not 1 here); an integer of thousands of digits is
    not a usable number either. The one check of "a number" for plans, imports and the ROI inputs."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False
