"""Small wording helpers shared by messages in core/ and on pages."""


def count(n: int, one: str, many: str | None = None) -> str:
    """“1 value is” / “3 values are”: `n` with the singular or plural phrase.

    >>> count(1, "row has", "rows have"), count(3, "KPI")
    ('1 row has', '3 KPIs')
    """
    return f"{n:,} {one if n == 1 else (many or one + 's')}"
