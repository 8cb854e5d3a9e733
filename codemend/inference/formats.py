"""Suggestions as people and tools read them: coloured text, JSON, and SARIF 2.1.0."""

from __future__ import annotations

import difflib
import json
from pathlib import Path, PurePath
from typing import Mapping, Sequence
from urllib.parse import quote

from codemend import __version__
from codemend.inference.repair import Suggestion
from codemend.task import compute_edit, lines_of, repository_top

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
RULE_ID = "codemend/suspected-bug"


def colorize(diff: str) -> str:
    codes = {"+": "\033[32m", "-": "\033[31m", "@": "\033[36m"}
    out = []
    for line in diff.splitlines(keepends=True):
        code = None if line.startswith(("+++", "---")) else codes.get(line[:1])
        out.append(f"{code}{line.rstrip(chr(10))}\033[0m\n" if code else line)
    return "".join(out)


def as_text(suggestions: Sequence[Suggestion], color: bool, top: int) -> str:
    return "\n".join(_text_blocks(suggestions, color, top))


def as_text_bytes(suggestions: Sequence[Suggestion], color: bool, top: int, encodings: Mapping[str, str]) -> bytes:
    """`as_text` with each suggestion's block in its file's own encoding (`encodings`: file -> a PEP 263 coding
    line's, utf-8 when absent), as `git diff` prints a file's bytes: a latin-1 file's diff applies with `git
    apply` and `patch` (written in UTF-8, its hunks did not match)."""
    blocks = _text_blocks(suggestions, color, top)
    return b"\n".join(block.encode(encodings.get(s.file, "utf-8"), errors="replace") for s, block in zip(suggestions, blocks))


def _text_blocks(suggestions: Sequence[Suggestion], color: bool, top: int) -> list[str]:
    blocks = []
    for rank, s in enumerate(suggestions[:top], start=1):
        origin = f", from {s.origin}" + (f" ({s.operator})" if s.operator else "")
        detail = f"\n    {s.detail}" if s.detail else ""  # a plausible fix's says which failing tests it was judged without
        header = f"#{rank} {s.file}:{s.line}: suspected {_bugs_in(s)} ({score_text(s)}, {s.validation}{origin}){detail}"
        blocks.append(header + "\n" + (colorize(s.diff) if color else s.diff))
    return blocks


def order_note(suggestions: Sequence[Suggestion], top: int) -> str:
    """Why the suggestions shown are not in score order, when they are not (`repair.best_first`)."""
    shown = suggestions[:top]
    if all(a.score >= b.score for a, b in zip(shown, shown[1:])):
        return ""
    return ("suggestions are in order of what the tests said, then of score: plausible fixes first, those that pass every "
            "test before those judged without another bug's failing tests")


def score_text(s: Suggestion) -> str:
    """"score -1.234", or "not ranked" for a wide-space edit: the model never read it, and its `score` only
    places it under every ranked candidate in the order it was tried."""
    return "not ranked" if "wide" in s.origin.split("+") else f"score {s.score:.3f}"


def _bugs_in(s: Suggestion) -> str:
    """"bug in f", or "bugs in f, g" for a suggestion that fixes several functions (`fix.mend_further`)."""
    return f"bugs in {s.function}" if ", " in s.function else f"bug in {s.function}"


def as_json(suggestions: Sequence[Suggestion], notes: Sequence[str] = (), applied: list[dict] | None = None,
            tests_after: dict | None = None) -> str:
    """The suggestions and notes; with --apply also what it did per file (`applied`) and the tests' run
    on the project as it left it (`tests_after`, null when no fix was written or there are no tests)."""
    payload = {"notes": list(notes), "suggestions": [s.to_dict() for s in suggestions]}
    if applied is not None:
        payload |= {"applied": applied, "tests_after": tests_after}
    return json.dumps(payload, indent=2)


def _replacements(original: str, lines: list[str], s: Suggestion) -> list[dict]:
    """SARIF replacements turning `original` (its `lines_of`: `lines`) into the suggestion's text: one per
    changed region (a suggestion that fixes several bugs has several)."""
    eol = "\r\n" if "\r\n" in original else "\n"
    edit = compute_edit(original, s.patched_source)
    if edit is not None:
        return [_replacement(lines, eol, edit.start, edit.start - 1 if edit.kind == "insert" else edit.end, edit.new_lines)]
    new = lines_of(s.patched_source)
    opcodes = difflib.SequenceMatcher(a=lines, b=new, autojunk=False).get_opcodes()
    return [_replacement(lines, eol, i1 + 1, i2, new[j1:j2]) for tag, i1, i2, j1, j2 in opcodes if tag != "equal"]


def _replacement(lines: list[str], eol: str, start: int, end: int, new_lines: Sequence[str]) -> dict:
    """Lines `start`..`end` of a file of `lines` (1-based; end = start - 1 inserts before `start`) replaced by
    `new_lines`. Every region names both ends by line and column (SARIF leaves a region without endColumn
    ending before the line's newline), and none reaches past the last line: a change that runs to the end
    of the file ends at its last character and moves the newline that separates it instead."""
    body = eol.join(new_lines)
    if end < len(lines):  # the region ends where line end + 1 begins
        region = {"startLine": start, "startColumn": 1, "endLine": end + 1, "endColumn": 1}
        text = body + eol if new_lines else ""
    elif start <= len(lines) and (new_lines or start == 1):  # lines up to the last, replaced
        region = {"startLine": start, "startColumn": 1, "endLine": len(lines), "endColumn": len(lines[-1]) + 1}
        text = body
    else:  # deleted to the end, or appended: from the end of the line before
        before = start - 1
        region = {"startLine": before, "startColumn": len(lines[before - 1]) + 1, "endLine": len(lines), "endColumn": len(lines[-1]) + 1}
        text = eol + body if new_lines else ""
    return {"deletedRegion": region, "insertedContent": {"text": text}}


def artifact_uri(path: str) -> str:
    """A file's SARIF `uri`: a relative reference, percent-encoded (`dir%20with%20space/m.py`), or a `file://`
    URI for an absolute path (SARIF 2.1.0 3.10: URIs, not file system paths)."""
    posix = PurePath(path).as_posix()
    return Path(path).as_uri() if PurePath(path).is_absolute() else quote(posix)


SRCROOT = "%SRCROOT%"


def source_root() -> Path:
    """Where SARIF's relative URIs start: the git repository's top folder holding the current folder (as the
    diffs name files, and as code-scanning services read a result's path), else the current folder."""
    here = Path.cwd().resolve()
    top = repository_top(str(here))
    return Path(top) if top else here


def artifact_location(path: str, root: Path) -> dict:
    """`path` relative to `root` with `uriBaseId` %SRCROOT% when it lies inside it, else an absolute `file://` URI."""
    absolute = Path(path).resolve()
    if absolute.is_relative_to(root):
        return {"uri": artifact_uri(absolute.relative_to(root).as_posix()), "uriBaseId": SRCROOT}
    return {"uri": absolute.as_uri()}


def as_sarif(reports: Sequence[tuple[str, str, Sequence[Suggestion]]], notes: Sequence[str] = (), error: str = "") -> str:
    """SARIF 2.1.0 with one result per suggestion: (path, original text, suggestions) per file. The run's
    `invocations` say whether it did its job (`error`: why not, and no results) and carry its `notes`."""
    root, results = source_root(), []
    for path, original, suggestions in reports:
        lines, location = lines_of(original), artifact_location(path, root)
        for s in suggestions:
            result = {
                "ruleId": RULE_ID,
                "level": "warning" if s.validation == "plausible" else "note",
                "message": {"text": f"Suspected {_bugs_in(s)} ({score_text(s)}, {s.validation})."},
                "locations": [{"physicalLocation": {"artifactLocation": location,
                                                    "region": {"startLine": max(1, min(s.line, len(lines)))}}}],
                "properties": {"score": s.score, "validation": s.validation, "origin": s.origin, "operator": s.operator},
            }
            replacements = _replacements(original, lines, s)
            if replacements:
                result["fixes"] = [{"description": {"text": f"codemend fix ({s.validation})"},
                                    "artifactChanges": [{"artifactLocation": location, "replacements": replacements}]}]
            results.append(result)
    driver = {"name": "codemend", "version": __version__, "informationUri": "https://pypi.org/project/codemend/",
              "rules": [{"id": RULE_ID, "shortDescription": {"text": "A line the debugger model suspects of a bug, with a proposed fix."}}]}
    told = [{"level": "note", "message": {"text": note}} for note in notes] + ([{"level": "error", "message": {"text": error}}] if error else [])
    run = {"tool": {"driver": driver}, "columnKind": "unicodeCodePoints",  # columns count as Python's len()
           "originalUriBaseIds": {SRCROOT: {"uri": root.as_uri().rstrip("/") + "/"}},
           "invocations": [{"executionSuccessful": not error, "toolExecutionNotifications": told}], "results": results}
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2)
