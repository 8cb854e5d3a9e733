class Gradebook:
    """Each student's scores on a course, with the course's title and pass mark."""

    def __init__(self, title, pass_mark=50, scores=None):
        """scores: name -> list of scores to start from (kept, not copied)."""
        if not 0 < pass_mark <= 100:
            raise ValueError(f"pass mark out of range: {pass_mark}")
        self.title = title
        self.pass_mark = pass_mark
        self.scores = {} if scores is None else scores

    def add(self, name, score):
        """Record a score from 0 to 100 for name."""
        if not 0 <= score <= 100:
            raise ValueError(f"score out of range: {score}")
        self.scores.setdefault(name, []).append(score)

    def average(self, name):
        """Mean of name's scores (ValueError when name has none)."""
        marks = self.scores.get(name)
        if not marks:
            raise ValueError(f"no scores for {name}")
        return sum(marks) / len(marks)

    def passed(self):
        """Names whose average reaches the pass mark, in alphabetical order."""
        return sorted(name for name in self.scores if self.average(name) >= self.pass_mark)

    def top(self, k=1):
        """The k best averages as (name, average), best first, ties by name."""
        ranked = sorted(self.scores, key=lambda name: (-self.average(name), name))
        return [(name, self.average(name)) for name in ranked[:k]]

    def summary(self):
        """One line: the title, and how many of the students passed."""
        return f"{self.title}: {len(self.passed())} of {len(self.scores)} passed"


# --- tests ---
book = Gradebook("Algebra")
assert book.scores == {} and book.passed() == []
book.add("ann", 80)
book.add("bob", 40)
book.add("bob", 70)
book.add("cy", 45)
assert book.average("ann") == 80 and book.average("bob") == 55
assert book.passed() == ["ann", "bob"]
assert book.top() == [("ann", 80)]
assert book.top(2) == [("ann", 80), ("bob", 55)]
assert book.summary() == "Algebra: 2 of 3 passed"
for bad in (-1, 101):
    try:
        book.add("dee", bad)
    except ValueError:
        pass
    else:
        raise AssertionError(f"score {bad} should be rejected")
try:
    book.average("dee")
except ValueError:
    pass
else:
    raise AssertionError("no scores should raise")
strict = Gradebook("Physics", pass_mark=70)
strict.add("ann", 69)
strict.add("bob", 90)
strict.add("cy", 70)
assert strict.top(3) == [("bob", 90), ("cy", 70), ("ann", 69)]
assert strict.passed() == ["bob", "cy"]
assert strict.summary() == "Physics: 2 of 3 passed"
given = {"eve": [90]}
assert Gradebook("Art", scores=given).passed() == ["eve"] and Gradebook("Art", scores=given).scores is given
for bad in (0, 101):
    try:
        Gradebook("Chemistry", pass_mark=bad)
    except ValueError:
        pass
    else:
        raise AssertionError(f"pass mark {bad} should be rejected")
