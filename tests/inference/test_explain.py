"""`codemend explain`: the HTML page shows every line, escapes the code, loads nothing, ranks right.

The browser test renders the page in Debian's headless Chromium (`apt-get install chromium`):

    pytest tests/inference/test_explain.py -m browser
"""

from __future__ import annotations

import re
import subprocess
import time
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from codemend.inference.debugger import Candidate, TokenSurprise
from codemend.inference.explain import explain_page, token_surprise_for, write_explain
from codemend.inference.localize import combine
from codemend.inference.repair import FunctionReport, RepairResult, Tests, repair, select_functions, to_suggestion

CHROMIUM = "/usr/bin/chromium"

SOURCE = '''import math


class Stats:
    def max_index(self, items):
        """Index of the largest item ("</script>" & 'quotes' are shown, not run)."""
        best = 0
        for i in range(1, len(items)):
            if items[i] < items[best]:
                best = i
        return best


def mean(xs):
    total = 0
    for x in xs:
        total += x
    return total / (len(xs) + 1)
'''

# Function lines of Stats.max_index: 5 is `if items[i] < items[best]:` (file line 9).
SIGNALS = {
    "model": {5: 0.6, 4: 0.25, 6: 0.15},
    "sbfl": {3: 0.5, 4: 0.5, 5: 0.71, 6: 0.4, 7: 0.9},
    "naturalness": {1: 1.2, 2: 2.0, 3: 1.5, 4: 1.9, 5: 3.1, 6: 1.0, 7: 0.8},
}


class Page(HTMLParser):
    """The page's elements as (tag, attributes, text), with the text of `td.src` cells collected."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.code_lines: list[str] = []
        self._in_src = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        self.elements.append((tag, attrs))
        if tag == "td" and "src" in attrs.get("class", "").split():
            self._in_src, self.code_lines = 1, self.code_lines + [""]
        elif self._in_src and tag == "td":
            self._in_src = 0

    def handle_endtag(self, tag):
        if tag == "td":
            self._in_src = 0

    def handle_data(self, data):
        if self._in_src:
            self.code_lines[-1] += data

    def having(self, tag: str, cls: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t == tag and cls in a.get("class", "").split()]


def tokens_for(code: str) -> list[TokenSurprise]:
    """One token per word or punctuation run; the `<` of the bug is the most surprising."""
    tokens = []
    for number, line in enumerate(code.splitlines(), start=1):
        for match in re.finditer(r"\w+|[^\w\s]+", line):
            surprise = 6.0 if (number, match.group()) == (5, "<") else 1.0 + len(match.group()) / 10
            tokens.append(TokenSurprise(number, match.start(), match.end(), match.group(), surprise))
    return tokens


@pytest.fixture
def result() -> RepairResult:
    """Two functions: one with all three signals and hand-made fixes, one with no signal at all."""
    functions = {f.name: f for f in select_functions(SOURCE, "stats.py")}
    method, mean = functions["Stats.max_index"], functions["mean"]
    fixed = method.code.replace("items[i] < items", "items[i] > items")
    wrong = method.code.replace("best = 0", "best = 1")
    candidates = [Candidate(fixed, 5, "replace 5", {"model", "operator"}, "swap_comparison", score=-0.2, status="passed"),
                  Candidate(wrong, 3, "replace 3", {"model"}, score=-1.5, status="failed", detail="AssertionError at <tests> line 2")]
    mean_fix = Candidate(mean.code.replace("+ 1)", "+ 0)"), 5, "", {"operator"}, "off_by_one_literal")
    reports = [FunctionReport(method.name, method.start_line, combine(SIGNALS, method.code.count("\n")), candidates),
               FunctionReport(mean.name, mean.start_line, combine({}, mean.code.count("\n")), [mean_fix])]
    suggestions = [to_suggestion(SOURCE, "stats.py", method, c) for c in candidates]
    suggestions.append(to_suggestion(SOURCE, "stats.py", mean, mean_fix))
    return RepairResult(suggestions, reports, notes=["a note with <b>markup</b>"])


@pytest.fixture
def page(result) -> str:
    method = select_functions(SOURCE, "stats.py", "max_index")[0]
    return explain_page("stats.py", SOURCE, result, {"Stats.max_index": tokens_for(method.code)})


# ----------------------------------------------------------------------------- the page's text


def test_every_code_line_is_shown_in_order(page):
    expected = [line for f in select_functions(SOURCE, "stats.py") for line in f.code.splitlines()]
    assert Page(page).code_lines == expected


def test_code_and_notes_are_escaped(page):
    assert "<script" not in page.lower()  # the page has no script of its own, and the code's is text
    assert "&lt;/script&gt;" in page and "&quot;" in page and "&#x27;quotes&#x27;" in page
    assert "&lt;b&gt;markup&lt;/b&gt;" in page
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")


def test_the_page_loads_nothing(page):
    parsed = Page(page)
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"url\(|@import|@font-face", page)
    assert all("src" not in attrs for _, attrs in parsed.elements)
    links = [attrs["href"] for _, attrs in parsed.elements if "href" in attrs]
    assert links and all(link.startswith("#") for link in links)  # in-page anchors only
    assert "default-src 'none'" in page  # and the browser is told to refuse anything else


def test_line_rows_carry_file_lines_and_heat(page):
    rows = [r for r in Page(page).having("tr", "line") if r["id"].startswith("fn-Stats-max_index-")]
    assert [int(r["data-line"]) for r in rows] == list(range(5, 12))  # file lines of the method
    scores = {int(r["data-line"]): float(r["data-score"]) for r in rows}
    top = next(r for r in rows if r["data-rank"] == "1")
    assert int(top["data-line"]) == 9 and float(top["data-score"]) == max(scores.values()) == 1.0
    assert "background:hsl(" in top["style"]
    assert "sbfl: " in top["title"] and "naturalness: " in top["title"]


def test_the_def_line_and_docstring_are_cold_and_unranked_however_surprising(result):
    """The def line is the model's most surprising line in most functions, and no fix edits it."""
    method = select_functions(SOURCE, "stats.py", "max_index")[0]
    signals = {"naturalness": {**SIGNALS["naturalness"], 1: 9.0, 2: 8.0}}  # no tests: the def line, then the docstring
    report = result.functions[0]
    result.functions[0] = FunctionReport(report.function, report.start_line, combine(signals, 7), report.candidates, method)
    assert [line for line, _ in result.functions[0].ranking.ranked[:2]] == [1, 2]  # the ranking itself keeps them first
    rows = {int(r["data-line"]): r for r in Page(explain_page("stats.py", SOURCE, result)).having("tr", "line")
            if r["id"].startswith("fn-Stats-max_index-")}
    for line in (5, 6):
        assert rows[line]["data-rank"] == "0" and float(rows[line]["data-score"]) == 0 and "style" not in rows[line]
        assert "not ranked: a def line, signature or docstring line that no candidate edits" in rows[line]["title"]
    assert sorted(int(rows[line]["data-rank"]) for line in range(7, 12)) == [1, 2, 3, 4, 5]
    top = next(r for r in rows.values() if r["data-rank"] == "1")
    assert float(top["data-score"]) == 1.0 and "rank 1 of 5" in top["title"]
    why = [int(r["data-line"]) for r in Page(explain_page("stats.py", SOURCE, result)).having("tr", "why-row")][:5]
    assert 5 not in why and 6 not in why
    # A fix on the def line (`none_default`: `def f(xs, seen=[])` -> `seen=None`) keeps that line ranked and lit.
    on_def = Candidate(method.code.replace("(self, items)", "(self, items=None)"), 1, "", {"operator"}, "none_default")
    result.functions[0].candidates.append(on_def)
    rows = {int(r["data-line"]): r for r in Page(explain_page("stats.py", SOURCE, result)).having("tr", "line")}
    assert rows[5]["data-rank"] == "1" and float(rows[5]["data-score"]) == 1.0 and rows[6]["data-rank"] == "0"


def test_a_function_without_signals_is_all_cold(page):
    rows = [r for r in Page(page).having("tr", "line") if r["id"].startswith("fn-mean-")]
    assert len(rows) == 5 and all(float(r["data-score"]) == 0 and "style" not in r for r in rows)
    assert 'data-signal="model">—' in page  # absent signals are shown as off, not as zeros


def test_why_table_names_the_signal_that_placed_each_line(page):
    why = Page(page).having("tr", "why-row")
    method_rows = why[:5]
    assert [int(r["data-rank"]) for r in method_rows] == [1, 2, 3, 4, 5]
    by_line = {int(r["data-line"]): r["data-driver"] for r in method_rows}
    assert by_line[9] == "model"  # the model points at the bug harder than coverage does
    assert by_line[11] == "sbfl"  # `return best`: coverage alone put it up there


def test_tokens_are_coloured_by_surprise(page):
    method = select_functions(SOURCE, "stats.py", "max_index")[0]
    spans = Page(page).having("span", "tok")
    assert len(spans) == len(tokens_for(method.code))
    assert max(float(s["data-surprise"]) for s in spans) == 6.0
    assert '<span class="tok" data-surprise="6.0000" title="surprise 6.00 nats" style="background:rgba(37, 99, 235, 0.58)">&lt;</span>' in page


def test_suggestions_show_diff_status_and_origin(page, result):
    suggestions = Page(page).having("div", "suggestion")
    assert [s["data-validation"] for s in suggestions] == ["plausible", "failing", "not validated"]
    assert suggestions[0]["data-origin"] == "model+operator" and suggestions[0]["data-line"] == "9"
    for suggestion in result.suggestions:
        for line in suggestion.diff.splitlines():
            assert escape(line) in page
    assert "unscored (no model)" in page  # the operator-only fix has no model score


def test_top_limits_the_suggestions_per_function(result):
    page = explain_page("stats.py", SOURCE, result, top=1)
    assert [s["data-validation"] for s in Page(page).having("div", "suggestion")] == ["plausible", "not validated"]
    assert "Showing 1 of 2." in page


def test_ids_are_unique_and_an_empty_result_still_renders(result):
    result.functions.append(result.functions[0])  # the same name twice (a redefinition)
    ids = [attrs["id"] for _, attrs in Page(explain_page("stats.py", SOURCE, result)).elements if "id" in attrs]
    assert len(ids) == len(set(ids)) and "fn-Stats-max_index-2" in ids
    assert "nothing to explain" in explain_page("x.py", "", RepairResult([], []))


def test_token_surprise_is_read_on_each_reported_functions_own_code(result):
    class CausalDebugger:  # stands in for Debugger: only token_surprise and too_long are used
        def __init__(self):
            self.seen: list[str] = []

        def too_long(self, code):
            return ""

        def token_surprise(self, code):
            self.seen.append(code)
            return tokens_for(code) if code.startswith("def max_index") else []  # as if seq2seq for `mean`

    debugger = CausalDebugger()
    surprise = token_surprise_for(debugger, "stats.py", SOURCE, result)
    assert debugger.seen == [f.code for f in select_functions(SOURCE, "stats.py")]  # dedented, as the model reads it
    assert list(surprise) == ["Stats.max_index"] and surprise["Stats.max_index"] == tokens_for(debugger.seen[0])


def test_write_explain_replaces_the_file_atomically(tmp_path):
    out = tmp_path / "reports" / "explain.html"
    write_explain(out, "<!DOCTYPE html><p>one</p>")
    write_explain(out, "<!DOCTYPE html><p>two ü</p>")
    assert out.read_text(encoding="utf-8") == "<!DOCTYPE html><p>two ü</p>"
    assert [p.name for p in out.parent.iterdir()] == ["explain.html"]  # no temporary file left behind


@pytest.mark.sandbox
def test_a_real_repair_without_a_model_explains():
    # Coverage (sbfl) has its own tests; here the page must work from operators and tests alone.
    tests = Tests(test_code="assert mean([1, 3]) == 2\nassert mean([2]) == 2\n")
    result = repair(SOURCE, debugger=None, path="stats.py", function="mean", tests=tests, use_sbfl=False)
    page = explain_page("stats.py", SOURCE, result)
    parsed = Page(page)
    assert parsed.code_lines == select_functions(SOURCE, "stats.py", "mean")[0].code.splitlines()
    statuses = [s["data-validation"] for s in parsed.having("div", "suggestion")]
    assert len(statuses) == 5 and statuses[0] == "plausible"
    assert "-    return total / (len(xs) + 1)" in page


# ----------------------------------------------------------------------------- in a real browser


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    # The background-networking flags keep Chromium from calling Google on start (there is no
    # network in CI); a fresh profile keeps runs independent.
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--hide-scrollbars", f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} missing: `apt-get install chromium` (Debian) to render the page")
def test_the_page_renders_in_headless_chromium(page, tmp_path):
    html = tmp_path / "explain.html"
    write_explain(html, page)
    started = time.monotonic()
    dom = chromium("--dump-dom", html.as_uri(), profile=tmp_path / "profile-dom").stdout
    shot = tmp_path / "explain.png"
    chromium(f"--screenshot={shot}", "--window-size=1200,2000", html.as_uri(), profile=tmp_path / "profile-shot")
    assert time.monotonic() - started < 30  # two browser starts; about 5 s on two cores

    rendered = Page(dom)
    assert "Stats.max_index" in dom and [a["data-function"] for a in rendered.having("section", "function")] == ["Stats.max_index", "mean"]
    assert len(rendered.having("tr", "line")) == 12 and len(rendered.having("tr", "why-row")) == 9  # 5 + mean's 4 body lines
    assert ">plausible</span>" in dom and ">failing</span>" in dom
    assert "&lt;/script&gt;" in dom  # still text after the browser parsed it
    assert shot.stat().st_size > 10_000


@pytest.mark.sandbox
def test_explain_command_writes_a_page(tmp_path, monkeypatch):
    from codemend.cli import main

    (tmp_path / "stats.py").write_text("def max_index(items):\n    best = 0\n    for i in range(1, len(items)):\n        if items[i] < items[best]:\n            best = i\n    return best\n")
    (tmp_path / "test_stats.py").write_text("from stats import max_index\n\n\ndef test_max():\n    assert max_index([3, 9, 2]) == 1\n")
    monkeypatch.chdir(tmp_path)
    import sys

    assert main(["-q", "explain", "stats.py", "--model", "none", "--test_cmd", f"{sys.executable} -m pytest -q -p no:cacheprovider test_stats.py", "--out", "page.html"]) == 0
    page = (tmp_path / "page.html").read_text()
    assert 'data-function="max_index"' in page and 'data-validation="plausible"' in page
    assert main(["explain", str(tmp_path), "--model", "none"]) == 1  # a folder is refused with a message
    assert main(["-q", "explain", "stats.py", "--model", "none", "-n", "0", "--out", "page.html"]) == 0  # -n, as fix takes it
    # --line, as fix takes it (QA: "unknown key `line`; did you mean `engine`?"), the function holding it
    (tmp_path / "stats.py").write_text((tmp_path / "stats.py").read_text() + "\n\ndef first(items):\n    return items[1]\n")
    assert main(["-q", "explain", "stats.py", "--model", "none", "--line", "10", "--out", "line.html"]) == 0
    page = (tmp_path / "line.html").read_text()
    assert 'data-function="first"' in page and 'data-function="max_index"' not in page


@pytest.mark.slow  # ~11 s: a model load beside a test run (CI's 10 minutes)
@pytest.mark.sandbox
def test_explain_with_a_model_and_tests_loads_it_while_they_run(tmp_path, monkeypatch, causal_model):
    import sys

    from codemend.cli import main

    (tmp_path / "stats.py").write_text("def max_index(items):\n    best = 0\n    for i in range(1, len(items)):\n        if items[i] < items[best]:\n            best = i\n    return best\n")
    (tmp_path / "test_stats.py").write_text("from stats import max_index\n\n\ndef test_max():\n    assert max_index([3, 9, 2]) == 1\n")
    monkeypatch.chdir(tmp_path)
    command = f"{sys.executable} -m pytest -q -p no:cacheprovider test_stats.py"
    assert main(["-q", "explain", "stats.py", "--model", str(causal_model), "--test_cmd", command, "--out", "page.html"]) == 0
    page = (tmp_path / "page.html").read_text()
    assert 'data-validation="plausible"' in page  # the tests ran and validated
    assert page.count('class="tok" data-surprise=') > 10  # the loaded model read every line
    assert main(["explain", "missing.py", "--model", str(causal_model), "--test_cmd", command]) == 1


def test_explain_refuses_an_out_that_is_the_source_a_folder_or_a_file_it_did_not_write(tmp_path, monkeypatch, capsys):
    # A page given the explained file's name replaced the Python source, without a backup; a folder
    # was a traceback. A page explain wrote before is replaced, as a rerun expects.
    from codemend.cli import main

    source = "def add(a, b):\n    return a - b\n"
    (tmp_path / "m.py").write_text(source)
    (tmp_path / "notes.txt").write_text("mine\n")
    (tmp_path / "pages").mkdir()
    monkeypatch.chdir(tmp_path)
    for out, says in (("m.py", "is the file being explained"), ("pages", "is a folder; give the page's file name, such as pages/explain.html"),
                      ("notes.txt", "exists and is not a page `codemend explain` wrote")):
        assert main(["-q", "explain", "m.py", "--model", "none", "--out", out]) == 1
        assert says in capsys.readouterr().err
    assert (tmp_path / "m.py").read_text() == source and (tmp_path / "notes.txt").read_text() == "mine\n"
    assert main(["-q", "explain", "m.py", "--model", "none", "--out", "pages/m.html"]) == 0
    assert main(["-q", "explain", "m.py", "--model", "none", "--out", "pages/m.html"]) == 0  # its own page: replaced
    assert "codemend explain: m.py" in (tmp_path / "pages" / "m.html").read_text()
