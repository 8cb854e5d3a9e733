"""`codemend explain PATH`: one self-contained HTML page showing why each line is suspected.

    codemend explain src/mod.py --model runs/model --test_cmd "pytest -q tests/test_mod.py" --out explain.html

    from codemend.inference.explain import explain_page, token_surprise_for, write_explain
    result = repair(text, debugger=debugger, path="src/mod.py", tests=tests)
    surprise = token_surprise_for(debugger, "src/mod.py", text, result)  # {} unless the model is causal
    write_explain("explain.html", explain_page("src/mod.py", text, result, surprise))

For each function looked at, the page shows its code as a heat map of the combined
suspiciousness (and, for causal models, of each token's surprise), the contribution of every
localization signal to every line, a "why this line" table for the top lines, and the best
suggested fixes with their validation status.

The page loads nothing: inline CSS only, no scripts, no fonts, no images, and a
Content-Security-Policy that forbids any fetch, so it can be opened offline or attached to a
ticket without leaking the code anywhere. Everything taken from the code or the tests is
escaped, so a `</script>` or a quote in the source is shown, never interpreted.
"""

from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Collection, Iterable, Mapping, Sequence

from codemend.data.corpus import Function, body_lines, extract_functions
from codemend.inference.debugger import Debugger, TokenSurprise
from codemend.inference.localize import DEFAULT_WEIGHTS, LineRanking
from codemend.inference.repair import FunctionReport, RepairResult, Suggestion
from codemend.io import write_then_rename
from codemend.task import source_lines

SIGNALS = ("model", "sbfl", "naturalness")  # the page's column order; unknown signals follow
WHY_ROWS = 5  # lines explained in the "why this line" table

SIGNAL_HELP = {
    "model": "how likely the model's best fix at the line is, among all its candidate fixes (needs --model)",
    "sbfl": "Ochiai suspiciousness from per-test coverage: lines run mostly by failing tests, and more where their exceptions came from (needs failing tests)",
    "naturalness": "mean token surprise of the line under the model (needs a causal, decoder-only model)",
}


# ----------------------------------------------------------------------------- numbers for one function


@dataclass
class LineView:
    """Everything the page says about one line of one function."""

    fn_line: int  # 1-based in the function
    file_line: int
    code: str
    combined: float
    heat: float  # combined scaled to the maximum of the function's edited lines, in [0, 1]; 0 on lines never edited
    rank: int  # among the lines a fix may edit (`edited_lines`); 0 on the others
    contributions: dict[str, float]  # weight x max-scaled signal: they add up to `combined`
    raw: dict[str, float | None]  # the signal's own score (None: the signal has no value here)

    @property
    def driver(self) -> str:
        """The signal that contributed most to this line's place ("" when none did)."""
        best = max(self.contributions.items(), key=lambda kv: kv[1], default=("", 0.0))
        return best[0] if best[1] > 0 else ""


def signal_names(ranking: LineRanking) -> list[str]:
    """The three known signals always (absent ones are shown as off), then any others."""
    return list(SIGNALS) + sorted(name for name in ranking.signals if name not in SIGNALS)


def contributions(ranking: LineRanking, line: int) -> dict[str, float]:
    """Each present signal's share of `line`'s combined score, computed as `localize.combine` does."""
    shares = {}
    for name, scores in ranking.signals.items():
        top = max(scores.values(), default=0.0)
        scaled = scores.get(line, 0.0) / top if top > 0 else 0.0
        shares[name] = DEFAULT_WEIGHTS.get(name, 1.0) * scaled
    return shares


def line_views(ranking: LineRanking, code_lines: Sequence[str], start_line: int,
               edited: Collection[int] | None = None) -> list[LineView]:
    """One view per code line, in code order. Lines outside `edited` (file lines, `edited_lines`; None: all) keep
    their scores but get no heat and no rank: the def line, the model's most surprising line in most functions,
    lit the page where no fix was."""
    combined = dict(ranking.ranked)
    ranked = [line for line, _ in ranking.ranked if edited is None or start_line + line - 1 in edited]
    rank = {line: position for position, line in enumerate(ranked, start=1)}
    top = max((combined[line] for line in ranked), default=0.0)
    views = []
    for fn_line, code in enumerate(code_lines, start=1):
        score = combined.get(fn_line, 0.0)
        is_edited = edited is None or start_line + fn_line - 1 in edited
        views.append(LineView(
            fn_line, start_line + fn_line - 1, code, score, score / top if top > 0 and is_edited else 0.0,
            rank.get(fn_line, len(rank) + 1) if is_edited else 0, contributions(ranking, fn_line),
            {name: scores.get(fn_line) for name, scores in ranking.signals.items()},
        ))
    return views


def function_codes(path: str, text: str) -> dict[tuple[str, int], Function]:
    """(name, start line) -> the function, for every function in the file."""
    functions, _ = extract_functions(text, path)
    return {(f.name, f.start_line): f for f in functions}


def reported_function(report: FunctionReport, functions: Mapping[tuple[str, int], Function]) -> Function | None:
    """The function as the model and the ranking saw it: the report's own (module-level code's too, which
    `function_codes` does not hold), else re-extracted by name and start line (None: not found)."""
    return report.func if report.func is not None else functions.get((report.function, report.start_line))


def function_code(text: str, report: FunctionReport, functions: Mapping[tuple[str, int], Function]) -> str:
    """The function's (dedented) code, as the model and the ranking saw it (`reported_function`).

    Falls back to the file's lines from `start_line` when the function cannot be re-extracted
    (a result computed on a different version of the text, say), as many as the ranking covers.
    """
    func = reported_function(report, functions)
    if func is not None:
        return func.code
    n_lines = max((line for line, _ in report.ranking.ranked), default=1)
    lines = source_lines(text)[report.start_line - 1 : report.start_line - 1 + n_lines]
    return textwrap.dedent("".join(lines))


# ----------------------------------------------------------------------------- small HTML helpers


def _num(value: float | None, digits: int = 2) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.{digits}f}"


def _attr(value: float) -> str:
    """A data attribute for a number; non-finite ones read as Python and JS parse them."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    return f"{value:.4f}"


def heat_colour(heat: float) -> str:
    """Light yellow (barely suspicious) to red (the most suspicious line); "" for zero."""
    if heat <= 0:
        return ""
    heat = min(heat, 1.0)
    return f"hsl({52 - 52 * heat:.0f}, 100%, {91 - 23 * heat:.0f}%)"


def surprise_colour(intensity: float) -> str:
    # Blue, so token surprise reads apart from the yellow-to-red line heat beneath it.
    return f"rgba(37, 99, 235, {0.08 + 0.5 * min(max(intensity, 0.0), 1.0):.2f})"


def slug(name: str, taken: set[str]) -> str:
    """An id-safe, unique form of a function name: "Stats.max_index" -> "fn-Stats-max_index"."""
    base = "fn-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "function")
    candidate, suffix = base, 2
    while candidate in taken:  # two functions of the same name (a redefinition, nested defs)
        candidate, suffix = f"{base}-{suffix}", suffix + 1
    taken.add(candidate)
    return candidate


# ----------------------------------------------------------------------------- code with token heat


def tokens_by_line(tokens: Iterable[TokenSurprise]) -> dict[int, list[TokenSurprise]]:
    grouped: dict[int, list[TokenSurprise]] = {}
    for token in tokens:
        grouped.setdefault(token.line, []).append(token)
    return {line: sorted(group, key=lambda t: (t.start, t.end)) for line, group in grouped.items()}


def render_code(code: str, tokens: Sequence[TokenSurprise], max_surprise: float) -> str:
    """One escaped code line, with a span per token coloured by its surprise.

    Columns come from the tokens, the text from the line itself: a token's own text may carry
    the model's line-number prefix or a newline. Overlapping or out-of-range tokens are skipped.
    """
    parts, position = [], 0
    for token in tokens:
        start, end = max(token.start, position), min(token.end, len(code))
        if end <= start or not math.isfinite(token.surprise):
            continue
        intensity = token.surprise / max_surprise if max_surprise > 0 else 0.0
        parts.append(escape(code[position:start]))
        parts.append(f'<span class="tok" data-surprise="{_attr(token.surprise)}" title="surprise {_num(token.surprise)} nats"'
                     f' style="background:{surprise_colour(intensity)}">{escape(code[start:end])}</span>')
        position = end
    parts.append(escape(code[position:]))
    return "".join(parts)


def line_title(view: LineView, names: Sequence[str], total: int) -> str:
    """The row's tooltip: combined score and every signal's raw and scaled contribution."""
    place = f"rank {view.rank} of {total}" if view.rank else "not ranked: a def line, signature or docstring line that no candidate edits"
    rows = [f"line {view.file_line} (function line {view.fn_line}): combined {_num(view.combined)}, {place}"]
    for name in names:
        if name in view.contributions:
            raw = view.raw.get(name)
            rows.append(f"{name}: {_num(view.contributions[name])} (raw {_num(raw, 3) if raw is not None else 'no score'})")
        else:
            rows.append(f"{name}: off")
    if view.driver:
        rows.append(f"placed here mostly by {view.driver}")
    return "\n".join(rows)


def render_line(view: LineView, names: Sequence[str], total: int, anchor: str, tokens: Sequence[TokenSurprise],
                max_surprise: float) -> str:
    colour = heat_colour(view.heat)
    style = f' style="background:{colour}"' if colour else ""
    cells = []
    for name in names:
        if name not in view.contributions:
            cells.append(f'<td class="sig off" data-signal="{escape(name)}">—</td>')
            continue
        lead = " lead" if name == view.driver else ""
        cells.append(f'<td class="sig{lead}" data-signal="{escape(name)}" data-value="{_attr(view.contributions[name])}">'
                     f'{_num(view.contributions[name])}</td>')
    return (f'<tr class="line" id="{anchor}-L{view.file_line}" data-line="{view.file_line}" data-fn-line="{view.fn_line}"'
            f' data-score="{_attr(view.heat)}" data-combined="{_attr(view.combined)}" data-rank="{view.rank}"'
            f' data-driver="{escape(view.driver)}" title="{escape(line_title(view, names, total))}"{style}>'
            f'<td class="ln">{view.file_line}</td><td class="score">{_num(view.combined)}</td>'
            f'<td class="src"><code>{render_code(view.code, tokens, max_surprise)}</code></td>{"".join(cells)}</tr>')


def render_code_table(views: Sequence[LineView], names: Sequence[str], present: Iterable[str], anchor: str,
                      tokens: Sequence[TokenSurprise]) -> str:
    present = set(present)
    grouped = tokens_by_line(tokens)
    max_surprise = max((t.surprise for t in tokens if math.isfinite(t.surprise)), default=0.0)
    heads = "".join(f'<th class="sig{"" if name in present else " off"}" title="{escape(SIGNAL_HELP.get(name, name))}">'
                    f'{escape(name)}{"" if name in present else " (off)"}</th>' for name in names)
    ranked = sum(1 for view in views if view.rank)
    rows = "\n".join(render_line(v, names, ranked, anchor, grouped.get(v.fn_line, []), max_surprise) for v in views)
    return (f'<table class="code"><thead><tr><th class="ln">line</th><th class="score">combined</th><th class="src">code</th>'
            f'{heads}</tr></thead>\n<tbody>\n{rows}\n</tbody></table>')


# ----------------------------------------------------------------------------- why table and suggestions


def render_why(views: Sequence[LineView], names: Sequence[str], anchor: str) -> str:
    """The top lines by rank, each with its signals and the one that contributed most."""
    top = sorted((view for view in views if view.rank), key=lambda v: v.rank)[:WHY_ROWS]
    heads = "".join(f"<th>{escape(name)}</th>" for name in names)
    rows = []
    for view in top:
        cells = "".join(f"<td>{_num(view.contributions.get(name))}</td>" for name in names)
        driver = escape(view.driver) if view.driver else "none (no signal scored it)"
        rows.append(f'<tr class="why-row" data-rank="{view.rank}" data-line="{view.file_line}" data-driver="{escape(view.driver)}">'
                    f'<td>{view.rank}</td><td><a href="#{anchor}-L{view.file_line}">{view.file_line}</a></td>'
                    f'<td>{_num(view.combined)}</td>{cells}<td class="driver">{driver}</td></tr>')
    return (f'<table class="why"><thead><tr><th>rank</th><th>line</th><th>combined</th>{heads}<th>contributed most</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def render_diff(diff: str) -> str:
    lines = []
    for line in diff.splitlines():
        kind = ("file" if line.startswith(("+++", "---")) else "add" if line.startswith("+")
                else "del" if line.startswith("-") else "hunk" if line.startswith("@@") else "ctx")
        # Block spans, so an added or removed line is shaded across the whole width; a space keeps
        # an empty context line from collapsing to no height.
        lines.append(f'<span class="{kind}">{escape(line) or " "}</span>')
    return f'<pre class="diff">{"".join(lines)}</pre>'


def render_suggestion(rank: int, suggestion: Suggestion) -> str:
    score = _num(suggestion.score) if math.isfinite(suggestion.score) else "unscored (no model)"
    origin = suggestion.origin + (f" ({suggestion.operator})" if suggestion.operator else "")
    status = re.sub(r"[^a-z0-9_-]+", "-", suggestion.validation.lower())
    detail = f'<p class="detail">{escape(suggestion.detail)}</p>' if suggestion.detail else ""
    return (f'<div class="suggestion" data-rank="{rank}" data-validation="{escape(suggestion.validation)}" data-line="{suggestion.line}"'
            f' data-score="{_attr(suggestion.score)}" data-origin="{escape(suggestion.origin)}">'
            f'<p class="meta"><span class="rank">#{rank}</span> <span class="status status-{status}">{escape(suggestion.validation)}</span>'
            f' line {suggestion.line} · score {escape(score)} · origin {escape(origin)}</p>{detail}{render_diff(suggestion.diff)}</div>')


def render_suggestions(suggestions: Sequence[Suggestion], top: int) -> str:
    if not suggestions:
        return '<p class="empty">No candidate fix for this function.</p>'
    shown = "".join(render_suggestion(rank, s) for rank, s in enumerate(suggestions[:top], start=1))
    return f'<p class="count">Showing {min(top, len(suggestions))} of {len(suggestions)}.</p>{shown}'


# ----------------------------------------------------------------------------- the page


def edited_lines(report: FunctionReport, func: Function | None) -> set[int] | None:
    """The file lines a fix may edit: the body's, and any line a candidate edits (`none_default` rewrites a
    mutable default on the def line). None when the function is not known: every line is ranked."""
    if func is None:
        return None
    return set(body_lines(func)) | {report.start_line + candidate.line - 1 for candidate in report.candidates}


def render_function(path: str, report: FunctionReport, func: Function | None, code: str, suggestions: Sequence[Suggestion],
                    tokens: Sequence[TokenSurprise], anchor: str, top: int) -> str:
    names = signal_names(report.ranking)
    views = line_views(report.ranking, code.splitlines(), report.start_line, edited_lines(report, func))
    present = [name for name in names if name in report.ranking.signals]
    used = ", ".join(present) or "none: every line scores 0, so the fixes were tried at every line"
    surprise_note = "" if tokens else " Token surprise: not available (needs a causal model)."
    return (f'<section class="function" id="{anchor}" data-function="{escape(report.function)}" data-start-line="{report.start_line}">'
            f'<h2><code>{escape(report.function)}</code> <small>{escape(path)}:{report.start_line}</small></h2>'
            f'<p class="signals">Signals: {escape(used)}.{surprise_note}</p>'
            f'{render_code_table(views, names, present, anchor, tokens)}'
            f'<h3>Why these lines</h3>{render_why(views, names, anchor)}'
            f'<h3>Top suggestions</h3>{render_suggestions(suggestions, top)}</section>')


def render_legend() -> str:
    steps = "".join(f'<span class="swatch" style="background:{heat_colour(h) or "#fff"}">{h:.2f}</span>' for h in (0, 0.25, 0.5, 0.75, 1))
    tokens = "".join(f'<span class="swatch" style="background:{surprise_colour(i)}">{label}</span>'
                     for i, label in ((0, "expected"), (0.5, "·"), (1, "surprising")))
    signals = "".join(f"<li><b>{name}</b> (weight {DEFAULT_WEIGHTS.get(name, 1.0):g}): {escape(SIGNAL_HELP[name])}</li>" for name in SIGNALS)
    return ('<section class="legend" id="legend"><h2>Legend</h2>'
            f'<p>Line heat — combined score / the highest of the function\'s lines a fix may edit: its body, and any other '
            f'line a candidate edits (the def line, signature and docstring are otherwise left cold, and ranks count only '
            f'the lines a fix may edit): {steps}</p>'
            f'<p>Token surprise (causal models) — -log p of the token, scaled to the function\'s most surprising: {tokens}</p>'
            '<p>Each signal is scaled to [0, 1] by its maximum over the function and weighted; the signal columns are '
            'those contributions and add up to the combined score. The biggest one is in bold. Hover a line for the raw scores.</p>'
            f'<ul>{signals}</ul>'
            '<p>Validation: <span class="status status-plausible">plausible</span> the tests pass with the fix; '
            '<span class="status status-failing">failing</span> they still fail; <span class="status status-not-validated">not validated</span> '
            'not run by the tests: none were given, they cannot judge a fix (they pass on the original code; the notes say why), '
            'or validation stopped before it (at the first plausible fix, `--plausible` more, or at its budget).</p></section>')


def render_header(path: str, result: RepairResult) -> str:
    baseline = f"the tests on the original code: {result.baseline.status}" if result.baseline else "no tests given"
    notes = "".join(f'<li class="note">{escape(note)}</li>' for note in result.notes)
    notes = f'<ul class="notes">{notes}</ul>' if notes else ""
    return (f'<header><h1>codemend explain: <code>{escape(path)}</code></h1>'
            f'<p class="summary">{len(result.functions)} function(s) looked at, {len(result.suggestions)} candidate fix(es); '
            f'{escape(baseline)}.</p>{notes}</header>')


STYLE = """
:root { color-scheme: light; }
body { background: #fff; color: #1f2328; margin: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
code, pre, td.src, td.ln, td.score, td.sig { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 6px; } h3 { font-size: 14px; margin: 18px 0 6px; }
h2 small { color: #59636e; font-weight: normal; font-size: 13px; }
nav ul, .notes { margin: 6px 0; } .note { color: #9a6700; }
table { border-collapse: collapse; } th { text-align: left; font-weight: 600; color: #59636e; padding: 2px 8px; border-bottom: 1px solid #d1d9e0; }
table.code td { padding: 0 8px; white-space: pre; vertical-align: top; }
table.code td.ln, table.code td.score, table.code td.sig { color: #424a53; text-align: right; font-size: 12px; }
table.code td.sig.lead { color: #1f2328; font-weight: 700; } th.off, td.off { color: #b0b7be !important; }
table.code td.src { min-width: 480px; } table.code tr.line:hover { outline: 1px solid #8c959f; }
tr.line:target { outline: 2px solid #0969da; }
.tok { border-radius: 2px; }
table.why td { padding: 2px 8px; border-bottom: 1px solid #eef1f4; } table.why td.driver { font-weight: 600; }
.suggestion { border: 1px solid #d1d9e0; border-radius: 6px; margin: 8px 0; padding: 6px 10px; background: #f6f8fa; }
.suggestion .meta { margin: 0 0 4px; } .suggestion .detail { margin: 0 0 4px; color: #59636e; font-size: 12px; }
.rank { color: #59636e; }
.status { padding: 1px 6px; border-radius: 10px; font-size: 12px; font-weight: 600; background: #eaeef2; }
.status-plausible { background: #dafbe1; color: #116329; } .status-failing { background: #ffebe9; color: #a40e26; }
pre.diff { margin: 0; background: #fff; padding: 6px; overflow-x: auto; font-size: 12px; }
pre.diff span { display: block; } pre.diff .add { color: #116329; background: #e6ffec; } pre.diff .del { color: #a40e26; background: #ffebe9; }
pre.diff .hunk { color: #8250df; } pre.diff .file { color: #59636e; font-weight: 600; }
.legend { border: 1px solid #d1d9e0; border-radius: 6px; padding: 4px 14px; background: #fbfcfd; }
.legend h2 { margin-top: 6px; } .swatch { display: inline-block; padding: 0 8px; margin: 0 2px; border: 1px solid #d1d9e0; font-size: 12px; }
"""


PAGE_MARK = "<title>codemend explain: "  # in every page this command writes (explain_page's head)


def explain_page(path: str, text: str, result: RepairResult, token_surprise: Mapping[str, list[TokenSurprise]] | None = None,
                 top: int = 5) -> str:
    """One self-contained HTML document explaining `result` (from `repair` on `text`, read from `path`).

    `token_surprise` maps a function name to `Debugger.token_surprise` of its code (causal models);
    `top` suggestions are shown per function, in the result's order (plausible first, then score).
    """
    token_surprise = token_surprise or {}
    functions = function_codes(path, text)
    taken: set[str] = set()
    anchors = [slug(report.function, taken) for report in result.functions]
    sections = [render_function(path, report, reported_function(report, functions), function_code(text, report, functions),
                                [s for s in result.suggestions if s.function == report.function],
                                token_surprise.get(report.function, []), anchor, top)
                for report, anchor in zip(result.functions, anchors)]
    nav = "".join(f'<li><a href="#{anchor}"><code>{escape(report.function)}</code></a> (line {report.start_line})</li>'
                  for report, anchor in zip(result.functions, anchors))
    body = "\n".join(sections) or '<p class="empty">No function was looked at: nothing to explain.</p>'
    # The policy makes the no-network promise hold in the browser too, whatever a future edit adds.
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'{PAGE_MARK}{escape(path)}</title><style>{STYLE}</style></head>\n<body>\n'
            f'{render_header(path, result)}\n<nav><ul>{nav}</ul></nav>\n{render_legend()}\n{body}\n</body></html>\n')


def token_surprise_for(debugger: Debugger, path: str, text: str, result: RepairResult) -> dict[str, list[TokenSurprise]]:
    """Each reported function's per-token surprise under `debugger` (empty for seq2seq models)."""
    functions = function_codes(path, text)
    surprise = {}
    for report in result.functions:
        code = function_code(text, report, functions)
        if debugger.too_long(code):  # past the model's positions its surprise is noise (the page's notes say why)
            continue
        tokens = debugger.token_surprise(code)
        if tokens:
            surprise[report.function] = tokens
    return surprise


def out_problem(path_out: str | Path, source: str | Path) -> str:
    """Why `--out` must not be written ("" when it may): a folder, the file explained, or an existing file
    that is not a page `explain` wrote (replacing it would lose it: a Python file given as --out was)."""
    from codemend.io import unwritable_problem

    out = Path(path_out)
    if out.is_dir():
        return f"--out {path_out}: is a folder; give the page's file name, such as {out / 'explain.html'}"
    if not out.exists():
        return unwritable_problem(out, folder=False)
    if out.resolve() == Path(source).resolve():
        return f"--out {path_out}: is the file being explained; give the page another name, such as explain.html"
    try:
        with open(out, encoding="utf-8", errors="replace") as handle:
            ours = PAGE_MARK in handle.read(4096)
    except OSError as err:
        return f"--out {path_out}: cannot be read ({err.strerror}); give another name"
    return "" if ours else (f"--out {path_out}: exists and is not a page `codemend explain` wrote, which it would replace; "
                            f"give another name or move it away")


def write_explain(path_out: str | Path, html: str) -> None:
    """Write the page atomically: a reader never sees half a page, and a failure leaves no file behind."""
    path_out = Path(path_out)
    path_out.parent.mkdir(parents=True, exist_ok=True)
    write_then_rename(path_out, lambda tmp: Path(tmp).write_text(html, encoding="utf-8", newline=""))
