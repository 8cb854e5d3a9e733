"""The task format: how a sample becomes model input and target, and how a model output becomes
a patched function and a suspected line. Training and inference both use this module, so the two
can never disagree.

    from codemend.task import build_source, build_target, apply_output
    src = build_source(buggy, context="import os")
    tgt = build_target(buggy, fixed, "edit")          # e.g. "replace 3\n    return a < b"
    patch = apply_output(buggy, tgt, "edit")          # patch.patched == fixed, patch.line == 3

The compact edit names the buggy line(s) by number in the input's numbering, then the new text:

    replace N[-M]\n<new lines>     replace lines N..M with the new lines
    delete N[-M]                   delete lines N..M
    insert N\n<new lines>          insert before line N (N = last line + 1 appends)
"""

from __future__ import annotations

import difflib
import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

PROMPT_VERSION = "codemend-v1"
FIX_MARKER = "### fix:"
_HEADER = re.compile(r"^(replace|delete|insert) (\d+)(?:-(\d+))?$")


class FormatError(ValueError):
    """A model output that is not a well-formed edit for this function."""


@dataclass(frozen=True)
class LineEdit:
    kind: str  # "replace" | "delete" | "insert"
    start: int  # 1-based first line in the buggy code (for insert: the line it goes before)
    end: int  # 1-based last line, inclusive (== start - 1 for insert)
    new_lines: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Patch:
    patched: str  # the whole patched function
    line: int  # 1-based suspected (edited) line in the buggy code
    edit: LineEdit


def lines_of(text: str) -> list[str]:
    """`text.splitlines()` for source code: a line ends at a newline (its "\r\n" too) and nowhere else. A
    form feed, an Emacs page break between functions, is whitespace to Python and tree-sitter, whose
    line numbers every edit and diff here must match."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def source_lines(text: str) -> list[str]:
    """`text.splitlines(keepends=True)` for source code (see `lines_of`): joined, they are `text` again."""
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def number_lines(code: str) -> str:
    """Prefix each line with its 1-based number so the model can name lines in its edit."""
    return "\n".join(f"{i}| {line}" for i, line in enumerate(lines_of(code), start=1))


def build_source(buggy: str, context: str = "", trace: str = "") -> str:
    """Model input: optional module context, the numbered function, optional failing-test error."""
    error = f"\n### error:\n{trace.strip()}" if trace.strip() else ""
    return f"{_before_function(context)}{number_lines(buggy)}{error}\n"


def function_offset(context: str = "") -> int:
    """Where the numbered function begins in `build_source(..., context, ...)`."""
    return len(_before_function(context))


def _before_function(context: str) -> str:
    return (f"### context:\n{context.rstrip()}\n" if context.strip() else "") + "### buggy:\n"


def compute_edit(buggy: str, fixed: str) -> LineEdit | None:
    """The single-hunk line edit turning `buggy` into `fixed`; None when they differ in 0 or 2+ hunks."""
    old, new = lines_of(buggy), lines_of(fixed)
    ops = [op for op in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes() if op[0] != "equal"]
    if len(ops) != 1:
        return None
    tag, i1, i2, j1, j2 = ops[0]
    if tag == "insert":
        return LineEdit("insert", i1 + 1, i1, tuple(new[j1:j2]))
    return LineEdit(tag, i1 + 1, i2, tuple(new[j1:j2]))


def render_edit(edit: LineEdit) -> str:
    span = str(edit.start) if edit.kind == "insert" or edit.end == edit.start else f"{edit.start}-{edit.end}"
    header = f"{edit.kind} {span}"
    return header if edit.kind == "delete" else "\n".join((header, *edit.new_lines))


def parse_edit(text: str) -> LineEdit:
    """Parse a compact edit; raise FormatError when it is malformed."""
    lines = text.strip("\n").split("\n")
    match = _HEADER.match(lines[0].strip()) if lines else None
    if not match:
        raise FormatError(f"edit must start with 'replace N', 'delete N' or 'insert N', got {lines[0][:40]!r}")
    kind, start = match.group(1), int(match.group(2))
    end = int(match.group(3)) if match.group(3) else start
    if kind == "insert":
        end = start - 1
    body = tuple(lines[1:])
    if kind == "delete" and body:
        raise FormatError("a delete edit carries no new lines")
    if kind != "delete" and not body:
        raise FormatError(f"a {kind} edit needs at least one new line")
    return LineEdit(kind, start, end, body)


def apply_edit(buggy: str, edit: LineEdit) -> str:
    lines = lines_of(buggy)
    n = len(lines)
    if edit.kind == "insert":
        if not 1 <= edit.start <= n + 1:
            raise FormatError(f"insert at line {edit.start}, but the function has {n} lines")
    elif not 1 <= edit.start <= edit.end <= n:
        raise FormatError(f"{edit.kind} of lines {edit.start}-{edit.end}, but the function has {n} lines")
    patched = lines[: edit.start - 1] + list(edit.new_lines) + lines[edit.end :]
    return "\n".join(patched) + ("\n" if buggy.endswith("\n") else "")


def build_target(buggy: str, fixed: str, output_format: str) -> str:
    """Model target for a sample (without EOS; the tokenizer step appends it)."""
    if output_format == "function":
        return fixed.rstrip("\n")
    edit = compute_edit(buggy, fixed)
    if edit is None:
        raise FormatError("buggy and fixed differ in zero or several hunks; not a single edit")
    return render_edit(edit)


def apply_output(buggy: str, output: str, output_format: str) -> Patch:
    """Turn a model output into the patched function and the suspected line (1-based, buggy code).

    The one place that interprets model outputs, for training-time evaluation, `eval` and `fix`.
    Raises FormatError when the output cannot be applied.
    """
    if output_format == "function":
        patched = output.rstrip("\n") + ("\n" if buggy.endswith("\n") else "")
        edit = compute_edit(buggy, patched)
        if edit is None:
            line = _first_changed_line(buggy, patched)
            if line is None:
                raise FormatError("the output is identical to the input: no fix proposed")
            return Patch(patched, line, LineEdit("replace", line, line, ()))
        return Patch(patched, edit.start, edit)
    if output_format != "edit":
        raise ValueError(f"unknown output format {output_format!r}; use 'edit' or 'function'")
    edit = parse_edit(output)
    return Patch(apply_edit(buggy, edit), edit.start, edit)


def _first_changed_line(buggy: str, patched: str) -> int | None:
    old, new = lines_of(buggy), lines_of(patched)
    for i, (a, b) in enumerate(zip(old, new), start=1):
        if a != b:
            return i
    return None if len(old) == len(new) else min(len(old), len(new)) + 1


def _diff_name(path: str) -> str:
    """`path` as a diff names it after a/ and b/: inside a git repository, from its top folder, as `git diff`
    names it whatever the current folder (`git apply` and `patch -p1` take it there; run from a subfolder on
    `../pkg/x.py`, the header read `a/../pkg/x.py`, which both refuse); elsewhere relative to the current
    folder when it lies inside it, else absolute without its leading slash (never `a//tmp`)."""
    absolute = os.path.abspath(path)
    top = repository_top(os.path.dirname(absolute))
    if top:
        return os.path.relpath(absolute, top).replace(os.sep, "/")
    relative = os.path.relpath(absolute)
    return relative if not relative.startswith("..") else absolute.lstrip("/")


@functools.lru_cache(maxsize=256)
def repository_top(folder: str) -> str:
    """The nearest folder at or above `folder` holding `.git` (a repository or a worktree), "" when none:
    asked once per folder, since a run diffs thousands of candidates."""
    for parent in [folder, *map(str, Path(folder).parents)]:
        if os.path.exists(os.path.join(parent, ".git")):
            return parent
    return ""


def unified_diff(before: str, after: str, path: str = "function.py", first_line: int = 1) -> str:
    """A unified diff of two versions of a function, with line numbers offset to the file's."""
    name = _diff_name(path)
    diff = difflib.unified_diff(
        source_lines(before),
        source_lines(after),
        fromfile=f"a/{name}",
        tofile=f"b/{name}",
    )
    if any(c.isspace() for c in name):  # as git writes it: GNU patch ends the name at whitespace without the tab
        diff = (line[:-1] + "\t\n" if line.startswith(("--- a/", "+++ b/")) else line for line in diff)
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in diff)
    if first_line == 1:
        return text
    offset = first_line - 1

    def shift(match: re.Match) -> str:
        a, b = int(match.group(1)) + offset, int(match.group(3)) + offset
        return f"@@ -{a}{match.group(2) or ''} +{b}{match.group(4) or ''} @@"

    return re.sub(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@", shift, text, flags=re.M)
