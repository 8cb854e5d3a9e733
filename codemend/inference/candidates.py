"""Repair candidates from the inverse of the bug operators, and merging them with the model's.

Measured on stdlib functions: every single-token inverse edit at every line gives a median of 56
candidates, and for operator-injected bugs the true fix is among them 93.5% of the time; at the
right line the space shrinks to a median of 12. The model then ranks them by likelihood.
"""

from __future__ import annotations

import ast
from typing import Collection, Iterable

from codemend.data.operators import candidate_fixes
from codemend.inference import places
from codemend.inference.debugger import Candidate, Debugger
from codemend.task import compute_edit


def operator_candidates(code: str, debugger: Debugger | None, lines: Collection[int] | None = None) -> list[Candidate]:
    """Every inverse-operator edit of `code` (at `lines` only, when given), as candidates."""
    return _as_candidates(code, debugger, candidate_fixes(code, lines=lines))


BINDING_TEMPLATE = "bind_unbound"


def binding_candidates(code: str, debugger: Debugger | None, module: str | None = None, line: int = 0) -> list[Candidate]:
    """An assignment of each name `code` reads before any binding, inserted (`places.binding_fixes`; `module`: the
    text of the module holding it and `line` its `def`'s line there), as candidates of the BINDING_TEMPLATE. A
    handful, so not narrowed to the lines a user or the localization names: the insertion goes on another
    line than the read that fails (`--line` at the NameError kept none)."""
    return _as_candidates(code, debugger, [(patched, BINDING_TEMPLATE) for patched in places.binding_fixes(code, module, line)])


RENAME_TEMPLATE = "rename_misspelt"


def rename_candidates(code: str, debugger: Debugger | None, module: str | None = None, line: int = 0) -> list[Candidate]:
    """Each name `code` reads but nothing binds, written as a bound name a letter or two away
    (`places.rename_fixes`), as candidates of the RENAME_TEMPLATE; `module` and `line` as for `binding_candidates`."""
    return _as_candidates(code, debugger, [(patched, RENAME_TEMPLATE) for patched in places.rename_fixes(code, module, line)])


ATTRIBUTE_TEMPLATE = "rename_attribute"


def attribute_candidates(code: str, debugger: Debugger | None, fixes: list[str]) -> list[Candidate]:
    """`fixes` of `code` (`places.attribute_fixes`: the attribute the tests' AttributeError names, written as one
    a letter or two away) as candidates of the ATTRIBUTE_TEMPLATE; the caller keeps them to lift them."""
    return _as_candidates(code, debugger, [(patched, ATTRIBUTE_TEMPLATE) for patched in fixes])


def _as_candidates(code: str, debugger: Debugger | None, fixes: Iterable[tuple[str, str]]) -> list[Candidate]:
    candidates = []
    for patched, operator in fixes:
        edit = compute_edit(code, patched)
        if edit is None:
            continue
        target = debugger.target_for(code, patched, edit) if debugger else None
        candidates.append(Candidate(patched, edit.start, target or "", {"operator"}, operator=operator))
    return candidates


def normal_key(code: str) -> str:
    """Candidates equal after normalisation (formatting, comments) are one candidate."""
    try:
        return ast.dump(ast.parse(code))
    except SyntaxError:
        return code


# A group larger than this (the inverse-operator space: distinct ASTs already) is only compared where
# another group edits the same line: reading each of its candidates whole made merging quadratic in a
# function's length (a 200-line function's 11,000 candidates: most of a 115 s run).
COMPARED_WHOLE = 64


def merge(groups: Iterable[list[Candidate]]) -> list[Candidate]:
    """Merge duplicate fixes across sources, keeping the first's text and the union of origins."""
    groups = [group for group in groups if group]
    if len(groups) == 1 and len(groups[0]) > COMPARED_WHOLE:
        return list(groups[0])
    lines = [{candidate.line for candidate in group} for group in groups]
    merged: dict[object, Candidate] = {}
    for k, group in enumerate(groups):
        elsewhere = set().union(*(lines[j] for j in range(len(groups)) if j != k))
        for candidate in group:
            if len(group) > COMPARED_WHOLE and candidate.line not in elsewhere:
                merged[id(candidate)] = candidate  # no other source edits its line: nothing to be the same as
                continue
            key = normal_key(candidate.patched)
            if key in merged:
                kept = merged[key]
                kept.origin |= candidate.origin
                kept.operator = kept.operator or candidate.operator
                kept.score = max(kept.score, candidate.score)
            else:
                merged[key] = candidate
    return list(merged.values())
