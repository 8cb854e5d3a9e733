class Thermostat:
    """A target temperature kept between a floor and a ceiling, with a log of every change."""

    def __init__(self, target=20, low=5, high=30):
        self.target, self.low, self.high = target, low, high
        self.log = []

    def warmer(self, step=1):
        """Raise the target by step, never above the ceiling; return the new target."""
        self.target = min(self.high, self.target + step)
        self.log.append(self.target)
        return self.target

    def cooler(self, step=1):
        """Lower the target by step, never below the floor; return the new target."""
        if step < 0:
            raise ValueError("step must not be negative")
        self.target -= step
        self.target = max(self.low, self.target)
        self.log.append(self.target)
        return self.target


# --- tests ---
t = Thermostat()
assert t.warmer(3) == 23
assert t.cooler(5) == 18
assert t.cooler(100) == 5
assert t.warmer(100) == 30
assert t.log == [23, 18, 5, 30]
assert Thermostat(10, 0, 12).cooler() == 9
try:
    Thermostat().cooler(-1)
    raise AssertionError("negative step")
except ValueError:
    pass
