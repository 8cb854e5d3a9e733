def format_hms(total):
    """Format a non-negative whole number of seconds as 'HH:MM:SS' (hours may exceed 99)."""
    if total < 0:
        raise ValueError("negative duration")
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return "%02d:%02d:%02d" % (hours, minutes, seconds)


def parse_hms(text):
    """Inverse of format_hms: turn 'HH:MM:SS' back into a number of seconds."""
    parts = text.split(":")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        raise ValueError("expected HH:MM:SS")
    if len(parts[0]) < 2 or len(parts[1]) != 2 or len(parts[2]) != 2:
        raise ValueError("fields must have two digits")
    hours, minutes, seconds = int(parts[0]), int(parts[1]), int(parts[2])
    if minutes > 59 or seconds > 59:
        raise ValueError("minutes and seconds must be below 60")
    return hours * 3600 + minutes * 60 + seconds


# --- tests ---
assert format_hms(0) == "00:00:00"
assert format_hms(59) == "00:00:59"
assert format_hms(60) == "00:01:00"
assert format_hms(3599) == "00:59:59"
assert format_hms(3600) == "01:00:00"
assert format_hms(3661) == "01:01:01"
assert format_hms(86399) == "23:59:59"
assert format_hms(360000) == "100:00:00"
assert parse_hms("00:00:00") == 0
assert parse_hms("00:00:07") == 7
assert parse_hms("00:02:00") == 120
assert parse_hms("01:01:01") == 3661
assert parse_hms("23:59:59") == 86399
assert parse_hms("100:00:00") == 360000
assert all(parse_hms(format_hms(s)) == s for s in range(0, 7300, 37))
errors = 0
for bad in ["1:00:00", "00:60:00", "00:00:60", "00:00", "00:00:00:00", "aa:bb:cc", "", "00:-1:00", "00:5:00", "00:05:5", "00:005:00"]:
    try:
        parse_hms(bad)
    except ValueError:
        errors += 1
assert errors == 11
try:
    format_hms(-1)
    negative_ok = True
except ValueError:
    negative_ok = False
assert not negative_ok
