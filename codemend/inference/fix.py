"""Suggest fixes for the functions of a Python file with a trained debugger model.

    from codemend.inference import suggest_fixes
    suggestions = suggest_fixes("src/mod.py", model_dir="runs/model")
    print(suggestions[0].diff)

Every function is read by the model; each candidate edit is applied with the shared task format
(`codemend.task.apply_output`), candidates that do not parse or change nothing are dropped, and
the suggestions are ranked by the model's confidence. Nothing is written to the user's file.
"""

from __future__ import annotations

import ast
import difflib
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from codemend.data.corpus import Function, decode_source, extract_functions
from codemend.data.parsing import first_error_line, parse
from codemend.errors import CodemendError
from codemend.task import FormatError, apply_output, build_source
from codemend.training.checkpoint import load_checkpoint
from codemend.training.generation import generate

logger = logging.getLogger(__name__)


@dataclass
class Suggestion:
    file: str
    function: str
    line: int  # suspected line, 1-based in the file
    score: float  # mean token log-probability of the model's edit (higher: more confident)
    diff: str  # unified diff against the whole file
    patched_source: str  # the whole file with the fix applied
    model_output: str
    validation: str = "not validated"  # "plausible" / "failing" once tests ran (see the inference issue)

    def to_dict(self) -> dict:
        return asdict(self)


def read_source(path: str | Path) -> str:
    """The file's text, or a CodemendError that says what is wrong with it."""
    path = Path(path)
    if not path.exists():
        raise CodemendError(f"{path}: no such file")
    if path.is_dir():
        raise CodemendError(f"{path} is a folder; pass one Python file")
    text = decode_source(path.read_bytes())
    if text is None:
        raise CodemendError(f"{path}: not UTF-8 text (binary or another encoding); convert it to UTF-8 first")
    if not text.strip():
        raise CodemendError(f"{path} is empty: nothing to fix")
    return text


def select_functions(text: str, path: str, name: str = "") -> list[Function]:
    functions, _ = extract_functions(text.encode("utf-8"), path)
    if not functions:
        line = first_error_line(parse(text))
        where = f"; it does not parse (first syntax error near line {line})" if line else ""
        raise CodemendError(f"{path}: no function to look at{where}")
    if not name:
        return functions
    chosen = [f for f in functions if name in (f.name, f.name.rsplit(".", 1)[-1])]
    if not chosen:
        close = difflib.get_close_matches(name, [f.name for f in functions], n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; it has: {', '.join(f.name for f in functions[:10])}"
        raise CodemendError(f"--function {name}: no such function in {path}{hint}")
    return chosen


def _indent(code: str, indent: str) -> list[str]:
    return [(indent + line if line.strip() else line) for line in code.splitlines(keepends=True)]


def _patch_file(text: str, func: Function, patched_function: str) -> str:
    lines = text.splitlines(keepends=True)
    new = _indent(patched_function, func.indent)
    if new and not new[-1].endswith("\n") and func.end_line < len(lines):
        new[-1] += "\n"
    return "".join(lines[: func.start_line - 1] + new + lines[func.end_line :])


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except SyntaxError:
        return False
    return True


def suggest_fixes(path: str | Path, model_dir: str | Path, function: str = "", n: int = 5) -> list[Suggestion]:
    """Ranked suggestions, at most one per function, the most suspicious first."""
    text = read_source(path)
    functions = select_functions(text, str(path), function)
    model, tokenizer, spec = load_checkpoint(model_dir)
    sources = [build_source(f.code, context=f.context if spec.include_context else "") for f in functions]
    generations = generate(model, tokenizer, sources, spec.arch, spec.max_target_tokens, num_beams=n, num_return=n)
    suggestions = []
    for func, candidates in zip(functions, generations):
        for candidate in candidates:
            suggestion = _to_suggestion(text, str(path), func, candidate, spec.output_format)
            if suggestion is not None:
                suggestions.append(suggestion)
                break
    return sorted(suggestions, key=lambda s: -s.score)


def _to_suggestion(text: str, path: str, func: Function, candidate, output_format: str) -> Suggestion | None:
    try:
        patch = apply_output(func.code, candidate.text, output_format)
    except FormatError:
        return None
    if patch.patched.strip() == func.code.strip() or not _parses(patch.patched):
        return None
    patched_file = _patch_file(text, func, patch.patched)
    diff = "".join(difflib.unified_diff(text.splitlines(keepends=True), patched_file.splitlines(keepends=True), f"a/{path}", f"b/{path}"))
    return Suggestion(path, func.name, func.start_line + patch.line - 1, candidate.score, diff, patched_file, candidate.text)
