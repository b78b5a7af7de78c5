"""Small wording helpers shared by messages in core/ and on pages."""

import math


def count(n: int, one: str, many: str | None = None) -> str:
    """“1 value is” / “3 values are”: `n` with the singular or plural phrase.

    >>> count(1, "row has", "rows have"), count(3, "KPI")
    ('1 row has', '3 KPIs')
    """
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def number(x: float) -> str:
    """A number as people read it, never in scientific notation: whole above 100, else 3 significant digits,
    thousands separated, and never a negative zero.

    >>> number(28022.567), number(853.4), number(2.194), number(0.0123456), number(1_234_567.8), number(-0.0004)
    ('28,023', '853', '2.19', '0.0123', '1,234,568', '-0.0004')
    """
    if x != x or x in (float("inf"), float("-inf")):
        return "—"
    if abs(x) >= 100:
        text = f"{x:,.0f}"
    elif x == 0:
        return "0"
    else:
        digits = max(0, 2 - math.floor(math.log10(abs(x))))
        text = f"{round(x, digits):,.{digits}f}".rstrip("0").rstrip(".") if digits else f"{x:,.0f}"
    return "0" if text.lstrip("-") in ("0", "") else text


def p_value(p: float) -> str:
    """A p-value as a report prints it.

    >>> p_value(2.2e-07), p_value(0.0123), p_value(0.5)
    ('p < 0.001', 'p = 0.012', 'p = 0.50')
    """
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.1 else f"p = {p:.2f}"


def chance(share: float) -> str:
    """A simulated probability as people read it: never a certain "100%" or an impossible "0%".

    >>> chance(0.9996), chance(0.973), chance(0.001)
    ('≥ 99%', '97%', '≤ 1%')
    """
    return "≥ 99%" if share >= 0.995 else "≤ 1%" if share <= 0.005 else f"{share:.0%}"


def money(x: float) -> str:
    """Dollars as people read them: −$63,000, not $-63,000.

    >>> money(-63_000), money(1_234.6)
    ('−$63,000', '$1,235')
    """
    return f"−${-x:,.0f}" if x < 0 else f"${x:,.0f}"


def per_unit(unit: str, kpi: str = "", better: str = "higher") -> str:
    """What one unit of a KPI's improvement is, to say what its money value is per ("$ per extra deal").

    A money unit is a dollar of the KPI; a percentage is a point; otherwise the unit's first word, singular,
    is one more (higher is better) or one saved (lower is better).

    >>> per_unit("deals"), per_unit("weeks", better="lower"), per_unit("$ per deal", "Average deal size")
    ('per extra deal', 'per week saved', 'per extra $1 of average deal size')
    >>> per_unit("%", "CSAT"), per_unit("", "Tickets")
    ('per extra point of CSAT', 'per unit of tickets')
    """
    unit = unit.strip()
    name = kpi.strip() if kpi.strip().isupper() else kpi.strip().lower()
    if not unit:
        return f"per unit of {name}" if name else "per unit of the KPI"
    if unit.startswith("$"):
        return f"per extra $1 of {name}" if better == "higher" else f"per $1 less of {name}"
    if unit in ("%", "percent", "percentage points", "pp"):
        return f"per extra point of {name}" if better == "higher" else f"per point less of {name}"
    first, _, rest = unit.partition(" ")
    one = first[:-1] if first.endswith("s") and not first.endswith("ss") and len(first) > 3 else first
    one = f"{one} {rest}".strip()
    return f"per extra {one}" if better == "higher" else f"per {one} saved"


def amount(x: float, unit: str) -> str:
    """A value with its unit, a money unit written as money: "$1,000 per deal", "3.5 weeks".

    >>> amount(1000, "$ per deal"), amount(3.5, "weeks"), amount(-20, "$"), amount(2, "")
    ('$1,000 per deal', '3.5 weeks', '−$20', '2')
    """
    unit = unit.strip()
    if unit.startswith("$"):
        shown = f"−${number(-x)}" if x < 0 else f"${number(x)}"
        return f"{shown} {unit[1:].strip()}".strip()
    return f"{number(x)} {unit}".strip()
