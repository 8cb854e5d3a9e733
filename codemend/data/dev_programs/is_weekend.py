def is_weekend(day):
    """Whether a day's name (any case, spaces around it ignored) is Saturday or Sunday."""
    day = day.strip().lower()
    return day == "saturday" or day == "sunday"


def weekend_days(days):
    return [day for day in days if is_weekend(day)]


# --- tests ---
assert is_weekend("Saturday") and is_weekend(" sunday ")
assert not is_weekend("Monday")
assert not is_weekend("")
assert weekend_days(["Fri", "Sat", "saturday", "Sunday"]) == ["saturday", "Sunday"]
assert weekend_days([]) == []
assert not is_weekend("Sundays")
