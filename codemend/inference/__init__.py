"""Localize, repair and validate bugs with a trained debugger model (the API behind `codemend fix`).

    from codemend.inference import Debugger, Tests, repair, localize
    debugger = Debugger.load("runs/model")
    result = repair(source, debugger=debugger, path="stats.py", tests=Tests(test_code="assert mean([1, 3]) == 2"))
    for s in result.suggestions[:3]:
        print(s.validation, s.line, s.score, s.diff)  # diff headers name `path` (a/stats.py): `git apply` takes it
"""

from codemend.inference.debugger import Candidate, Debugger
from codemend.inference.localize import LineRanking
from codemend.inference.repair import RepairResult, Suggestion, Tests, repair


def localize(source: str, *, debugger: Debugger | None, function: str = "", tests: Tests | None = None,
             n: int | None = None) -> list[tuple[str, LineRanking]]:
    """(function name, line ranking in the function's own numbering) for each function looked at: the ranking
    `repair`, `codemend fix` and `codemend explain` use (the model's scores of the repair space's candidates,
    its beams, coverage and surprise), with no candidate validated."""
    result = repair(source, debugger=debugger, function=function, tests=tests, n=n, max_validate=0)
    return [(report.function, report.ranking) for report in result.functions]


__all__ = ["Candidate", "Debugger", "LineRanking", "RepairResult", "Suggestion", "Tests", "localize", "repair"]
