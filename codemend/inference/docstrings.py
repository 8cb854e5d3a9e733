"""A function as the model reads it: a long docstring cut to its first lines, and everything mapped back.

The model was trained on functions of at most 40 lines and prompts of at most a few hundred
tokens, and every candidate's score reads the whole prompt. A long docstring holds no bug the
ranked space can fix (an edit inside a string changes no behaviour the tests see), but it made
most of a long function's time: tabulate 0.9.0's 649-line `tabulate`, 476 lines of docstring, took 80 s
of a 204 s whole-file run without tests, 65 s of it reading its prompt (docs/measured.md). `elide` gives the
function with that docstring cut to its first KEEP lines and `...`, and `Elided.restore_report` puts
the docstring back into the report's candidates, lines and ranking, so nothing after
`repair_function` sees the cut.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from dataclasses import dataclass

from codemend.data.corpus import Function
from codemend.inference.debugger import Candidate
from codemend.inference.localize import LineRanking
from codemend.task import FormatError, compute_edit, parse_edit, render_edit

ELIDE_FROM = 20  # docstring lines; the training functions (3-40 lines in all) rarely hold more
KEEP = 10  # of them the model reads: a summary and usually the arguments' first lines
_OPENING = re.compile(r"^\s*[rRuU]?(\"\"\"|\'\'\')")


@dataclass(frozen=True)
class Elided:
    original: Function
    func: Function  # what the model reads: the docstring's first KEEP lines, then `...` and its closing quotes
    first: int  # 1-based line in `func` where the docstring starts
    last: int  # and where it ends: the line of `...` and the closing quotes
    removed: int  # lines the cut dropped
    kept: tuple[str, ...]  # the docstring's lines in `func` (first..last)
    docstring: tuple[str, ...]  # the original docstring's lines, as `original.code` has them

    def to_original(self, line: int) -> int:
        """A line of the elided function, in the original's numbering."""
        return line + self.removed if line > self.last else line

    def to_view(self, line: int) -> int | None:
        """A line of the original function in the elided one's numbering; None for the lines the cut dropped."""
        if self.last <= line <= self.last + self.removed:
            return None
        return line - self.removed if line > self.last else line

    def file_scores_to_view(self, scores: dict[int, float]) -> dict[int, float]:
        """Per-file-line scores (Ochiai) with the function's lines in the elided numbering."""
        offset = self.original.start_line - 1
        mapped = {}
        for line, score in scores.items():
            if self.original.start_line <= line <= self.original.end_line:
                line = self.to_view(line - offset)
                if line is None:
                    continue
                line += offset
            mapped[line] = score
        return mapped

    def restore(self, patched: str) -> str | None:
        """The original function with the edit of `patched` (an edit of the elided function); None when
        the edit changed the docstring the model read (nothing to put it back into)."""
        lines = patched.splitlines(keepends=True)
        size = len(self.kept)
        at = [i for i in range(len(lines) - size + 1) if tuple(lines[i : i + size]) == self.kept]
        if len(at) != 1:
            return None
        return "".join(lines[: at[0]] + list(self.docstring) + lines[at[0] + size :])

    def restore_candidate(self, candidate: Candidate) -> Candidate | None:
        patched = self.restore(candidate.patched)
        if patched is None or self.first <= candidate.line <= self.last:
            return None
        return dataclasses.replace(candidate, patched=patched, line=self.to_original(candidate.line),
                                   target=self._target(candidate.target, patched), origin=set(candidate.origin))

    def _target(self, target: str, patched: str) -> str:
        """The model's output for the restored fix: an edit renumbered, or the whole function."""
        try:
            parse_edit(target)
        except FormatError:
            return patched.rstrip("\n")
        edit = compute_edit(self.original.code, patched)
        return render_edit(edit) if edit is not None else target

    def restore_report(self, report):
        """`report` (a FunctionReport of the elided function) as one of the original."""
        candidates = [c for c in map(self.restore_candidate, report.candidates) if c is not None]
        ranking = LineRanking([(self.to_original(line), score) for line, score in report.ranking.ranked],
                              {name: {self.to_original(line): value for line, value in scores.items()}
                               for name, scores in report.ranking.signals.items()})
        return dataclasses.replace(report, ranking=ranking, candidates=candidates, func=self.original)


def elide(func: Function, keep_line: int = 0) -> Elided | None:
    """`func` with a docstring of ELIDE_FROM lines or more cut to its first KEEP lines; None when it has no
    such docstring, when `keep_line` (a line of the function, 1-based) is in the part cut, or for module-level code."""
    if func.module_level:
        return None
    try:
        tree = ast.parse(func.code)
    except SyntaxError:
        return None
    node = tree.body[0] if tree.body else None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or not node.body:
        return None
    doc = node.body[0]
    if not (isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant) and isinstance(doc.value.value, str)):
        return None
    start, end = doc.lineno, doc.end_lineno
    lines = func.code.splitlines(keepends=True)
    opening = _OPENING.match(lines[start - 1])
    if end - start + 1 < max(ELIDE_FROM, KEEP + 2) or start + KEEP <= keep_line <= end or not opening:
        return None
    if not lines[end - 1].rstrip().endswith(opening.group(1)):
        return None  # something follows the docstring on its last line: cut nothing
    indent = lines[start - 1][: len(lines[start - 1]) - len(lines[start - 1].lstrip())]
    kept = (*lines[start - 1 : start - 1 + KEEP], f"{indent}...{opening.group(1)}\n")
    code = "".join(lines[: start - 1] + list(kept) + lines[end:])
    try:
        ast.parse(code)
    except SyntaxError:
        return None
    removed = end - start + 1 - len(kept)
    view = Elided(func, dataclasses.replace(func, code=code, end_line=func.end_line - removed), start, start + KEEP,
                  removed, kept, tuple(lines[start - 1 : end]))
    return view if view.restore(code) == func.code else None
