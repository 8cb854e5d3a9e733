def c_to_f(celsius):
    """Convert degrees Celsius to degrees Fahrenheit."""
    return celsius * 9 / 5 + 32


def f_to_c(fahrenheit):
    """Convert degrees Fahrenheit to degrees Celsius."""
    return (fahrenheit - 32) * 5 / 9


def temperature_table(start, stop, step, to_fahrenheit=True, digits=1):
    """Rows (value, converted) from start to stop inclusive, converted values rounded."""
    if step <= 0:
        raise ValueError("step must be positive")
    convert = c_to_f if to_fahrenheit else f_to_c
    count = int((stop - start) // step) + 1
    rows = []
    for index in range(count):
        value = start + index * step
        rows.append((value, round(convert(value), digits)))
    return rows


# --- tests ---
assert c_to_f(100) == 212
assert f_to_c(212) == 100
assert c_to_f(-40) == -40 and f_to_c(-40) == -40
assert temperature_table(0, 100, 50) == [(0, 32.0), (50, 122.0), (100, 212.0)]
assert temperature_table(0, 99, 50) == [(0, 32.0), (50, 122.0)]
assert temperature_table(-40, -40, 10) == [(-40, -40.0)]
assert temperature_table(5, 0, 1) == []
assert temperature_table(5, 4, 2) == []
assert temperature_table(0, 3, 2) == [(0, 32.0), (2, 35.6)]
assert temperature_table(-10, -5, 5) == [(-10, 14.0), (-5, 23.0)]
assert temperature_table(32, 50, 9, to_fahrenheit=False) == [(32, 0.0), (41, 5.0), (50, 10.0)]
assert temperature_table(1, 1, 1, digits=0) == [(1, 34.0)]
assert temperature_table(0, 0, 1, False, 2) == [(0, -17.78)]
assert temperature_table(0, 0, 1, False) == [(0, -17.8)]
assert temperature_table(37, 37, 1) == [(37, 98.6)]
errors = 0
for bad_step in (0, -1):
    try:
        temperature_table(0, 10, bad_step)
    except ValueError:
        errors += 1
assert errors == 2
