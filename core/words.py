"""Small wording helpers shared by messages in core/ and on pages."""


def count(n: int, one: str, many: str | None = None) -> str:
    """“1 value is” / “3 values are”: `n` with the singular or plural phrase.

    >>> count(1, "row has", "rows have"), count(3, "KPI")
    ('1 row has', '3 KPIs')
    """
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def number(x: float) -> str:
    """A number as people read it, never in scientific notation: 4 significant digits, thousands separated.

    >>> number(28022.567), number(2519.4), number(0.0123456), number(1_234_567.8)
    ('28,023', '2,519', '0.01235', '1,234,568')
    """
    if x != x or x in (float("inf"), float("-inf")):
        return "—"
    if abs(x) >= 1_000:
        return f"{x:,.0f}"
    if x == 0:
        return "0"
    text = f"{x:.4g}"
    return f"{float(text):,.{max(0, 3 - int(f'{abs(x):e}'.split('e')[1]))}f}" if "e" in text else text


def money(x: float) -> str:
    """Dollars as people read them: −$63,000, not $-63,000.

    >>> money(-63_000), money(1_234.6)
    ('−$63,000', '$1,235')
    """
    return f"−${-x:,.0f}" if x < 0 else f"${x:,.0f}"
