"""Small wording helpers shared by messages in core/ and on pages."""

import math


def count(n: int, one: str, many: str | None = None) -> str:
    """“1 value is” / “3 values are”: `n` with the singular or plural phrase.

    >>> count(1, "row has", "rows have"), count(3, "KPI")
    ('1 row has', '3 KPIs')
    """
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def number(x: float, digits: int | None = None) -> str:
    """A number as people read it, never in scientific notation: whole above 100, else 3 significant digits,
    thousands separated, and never a negative zero; with `digits`, exactly that many decimals (`interval`).

    >>> number(28022.567), number(853.4), number(2.194), number(0.0123456), number(1_234_567.8), number(-0.0004)
    ('28,023', '853', '2.19', '0.0123', '1,234,568', '-0.0004')
    """
    if x != x or x in (float("inf"), float("-inf")):
        return "—"
    if digits is not None:
        text = f"{round(x, digits):,.{digits}f}"
        return text.lstrip("-") if float(text.replace(",", "")) == 0 else text
    if x == 0:
        return "0"
    digits = _decimals(x)
    text = f"{round(x, digits):,.{digits}f}".rstrip("0").rstrip(".") if digits else f"{x:,.0f}"
    return "0" if text.lstrip("-") in ("0", "") else text


def _decimals(x: float) -> int:
    """Decimals `number` shows: none from 100 up, else enough for 3 significant digits."""
    return 0 if x == 0 or abs(x) >= 100 else max(0, 2 - math.floor(math.log10(abs(x))))


def interval(low: float, high: float, unit: str = "") -> str:
    """Both ends of an interval to the same precision, set by the larger end, with the unit as `amount` writes it.

    >>> interval(72.6, 1768.2), interval(-5.04, -2.0, "weeks"), interval(2.0, 5.0), interval(-20, 1500, "$ per deal")
    ('73 to 1,768', '-5.04 to -2.00 weeks', '2 to 5', '−$20 to $1,500 per deal')
    """
    finite = [v for v in (low, high) if v == v and abs(v) != float("inf")]
    digits = _decimals(max(map(abs, finite))) if finite else 0
    digits = next(d for d in range(digits + 1) if all(round(v, d) == round(v, digits) for v in finite))  # 2 to 5
    first, second = amount(low, unit, digits), amount(high, unit, digits)
    unit = unit.strip()
    suffix = unit[1:].strip() if unit.startswith("$") else unit
    if suffix and first.endswith(" " + suffix):
        first = first[: -len(suffix) - 1]
    return f"{first} to {second}"


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


def amount(x: float, unit: str, digits: int | None = None) -> str:
    """A value with its unit, a money unit written as money: "$1,000 per deal", "3.5 weeks".

    >>> amount(1000, "$ per deal"), amount(3.5, "weeks"), amount(-20, "$"), amount(2, "")
    ('$1,000 per deal', '3.5 weeks', '−$20', '2')
    """
    unit = unit.strip()
    if unit.startswith("$"):
        shown = f"−${number(-x, digits)}" if x < 0 else f"${number(x, digits)}"
        return f"{shown} {unit[1:].strip()}".strip()
    return f"{number(x, digits)} {unit}".strip()


def or_blank(value, how) -> str:
    """`how(value)` for a table cell people read, or "" for a missing value (None or NaN), never "None"."""
    return "" if value is None or value != value else how(value)


def capital(text: str) -> str:
    """The sentence with its first letter in upper case (the rest untouched, unlike str.capitalize)."""
    return text[:1].upper() + text[1:]


def join(names: list[str]) -> str:
    """Names in a sentence: "A", "A and B", "A, B and C"."""
    names = [str(n) for n in names]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}" if names else ""
