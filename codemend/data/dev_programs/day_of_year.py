def is_leap(year):
    """True when year is a leap year in the Gregorian calendar."""
    if year % 400 == 0:
        return True
    if year % 100 == 0:
        return False
    return year % 4 == 0


def days_in_month(year, month):
    """Number of days in the given month (1-12) of the given year."""
    if month < 1 or month > 12:
        raise ValueError("month out of range")
    if month == 2:
        return 29 if is_leap(year) else 28
    if month in (4, 6, 9, 11):
        return 30
    return 31


def day_of_year(year, month, day):
    """Ordinal day within the year, 1 for January 1st."""
    if day < 1 or day > days_in_month(year, month):
        raise ValueError("day out of range")
    total = day
    for earlier in range(1, month):
        total += days_in_month(year, earlier)
    return total


# --- tests ---
assert [is_leap(y) for y in (1900, 2000, 2023, 2024, 2100, 2400)] == [False, True, False, True, False, True]
assert [days_in_month(2023, m) for m in range(1, 13)] == [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
assert days_in_month(2024, 2) == 29
assert days_in_month(1900, 2) == 28
assert day_of_year(2023, 1, 1) == 1
assert day_of_year(2023, 1, 31) == 31
assert day_of_year(2023, 2, 1) == 32
assert day_of_year(2023, 3, 1) == 60
assert day_of_year(2024, 3, 1) == 61
assert day_of_year(2000, 3, 1) == 61
assert day_of_year(1900, 3, 1) == 60
assert day_of_year(2024, 2, 29) == 60
assert day_of_year(2023, 7, 4) == 185
assert day_of_year(2023, 12, 31) == 365
assert day_of_year(2024, 12, 31) == 366
errors = 0
for bad in [(2023, 2, 29), (2023, 13, 1), (2023, 0, 5), (2023, 4, 31), (2023, 1, 0), (2023, 1, 32)]:
    try:
        day_of_year(*bad)
    except ValueError:
        errors += 1
assert errors == 6
