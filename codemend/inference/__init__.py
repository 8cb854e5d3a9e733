"""Localize and repair bugs with a trained debugger model (the Python API behind `codemend fix`).

    from codemend.inference import suggest_fixes
    for s in suggest_fixes("buggy.py", model_dir="runs/model"):
        print(s.line, s.score, s.diff)
"""

from codemend.inference.fix import Suggestion, suggest_fixes

__all__ = ["Suggestion", "suggest_fixes"]
