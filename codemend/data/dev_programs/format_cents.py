def format_cents(cents, symbol="$"):
    """An amount in cents as money: 123456 -> "$1,234.56", -5 -> "-$0.05"."""
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(cents), 100)
    return f"{sign}{symbol}{dollars:,}.{rest:02d}"


def format_total(amounts):
    total = sum(amounts)
    return format_cents(total)


# --- tests ---
assert format_cents(123456) == "$1,234.56"
assert format_cents(-5) == "-$0.05"
assert format_cents(100, "EUR ") == "EUR 1.00"
assert format_total([50, 75]) == "$1.25"
assert format_total([]) == "$0.00"
assert format_cents(0) == "$0.00"
