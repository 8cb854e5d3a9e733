"""The task format: one function turns model outputs into patches; round trips must be exact."""

import os

import pytest

from codemend.task import (FormatError, LineEdit, apply_output, build_source, build_target, compute_edit, lines_of, number_lines, parse_edit,
                           render_edit, source_lines, unified_diff)

FIXED = "def f(a, b):\n    if a < b:\n        return a\n    return b\n"


@pytest.mark.parametrize(
    "buggy, expected_kind, expected_line",
    [
        ("def f(a, b):\n    if a <= b:\n        return a\n    return b\n", "replace", 2),
        ("def f(a, b):\n    if a < b:\n    return b\n", "insert", 3),  # missing line
        ("def f(a, b):\n    if a < b:\n        return a\n        a = 0\n    return b\n", "delete", 4),  # added line
    ],
)
def test_edit_round_trip(buggy, expected_kind, expected_line):
    target = build_target(buggy, FIXED, "edit")
    assert target.split()[0] == expected_kind
    patch = apply_output(buggy, target, "edit")
    assert patch.patched == FIXED
    assert patch.line == expected_line


def test_function_format_round_trip_and_localization():
    buggy = FIXED.replace("a < b", "a > b")
    patch = apply_output(buggy, build_target(buggy, FIXED, "function"), "function")
    assert patch.patched == FIXED and patch.line == 2


def test_multi_line_replace_renders_a_range():
    edit = LineEdit("replace", 2, 3, ("    x = 1",))
    assert render_edit(edit) == "replace 2-3\n    x = 1"
    assert parse_edit(render_edit(edit)) == edit


@pytest.mark.parametrize("output", ["", "swap 2", "replace", "replace 2", "delete 2\n    x", "replace 99\n    x = 1", "insert 0\n x"])
def test_malformed_or_out_of_range_outputs_raise(output):
    with pytest.raises(FormatError):
        apply_output(FIXED, output, "edit")


def test_identical_function_output_is_not_a_fix():
    with pytest.raises(FormatError):
        apply_output(FIXED, FIXED, "function")


def test_compute_edit_refuses_two_hunks():
    buggy = FIXED.replace("a < b", "a > b").replace("return b", "return a")
    assert compute_edit(buggy, FIXED) is None
    with pytest.raises(FormatError):
        build_target(buggy, FIXED, "edit")


def test_source_numbers_lines_and_carries_context_and_trace():
    source = build_source(FIXED, context="import os", trace="AssertionError: boom")
    assert "### context:\nimport os" in source
    assert "2|     if a < b:" in source
    assert source.rstrip().endswith("AssertionError: boom")
    assert number_lines("a\nb") == "1| a\n2| b"


def test_unified_diff_offsets_line_numbers():
    diff = unified_diff(FIXED.replace("<", ">"), FIXED, "m.py", first_line=10)
    assert "@@ -10,4 +10,4 @@" in diff and "-    if a > b:" in diff


@pytest.mark.parametrize("text", ["", "a", "a\n", "a\n\n", "a\r\nb\r\n", "x = 1\n\x0c\ndef f():\n    return '\u2028'\n", "a\rb\n"])
def test_lines_end_at_newlines_only(text):
    assert "".join(source_lines(text)) == text
    assert len(lines_of(text)) == len(source_lines(text)) == text.count("\n") + (not text.endswith("\n") and text != "")
    if not any(c in text for c in "\x0c\u2028\r"):
        assert lines_of(text) == text.splitlines() and source_lines(text) == text.splitlines(keepends=True)


def test_functions_after_a_page_break_keep_their_lines_and_one_holding_an_odd_line_break_is_left_out():
    from codemend.data.corpus import extract_functions, replace_function

    text = "import os\n\x0c\ndef f(a):\n    return a + 1\n\x0c\n\ndef g(b):\n    x = 1\n    return b * x\n\ndef h():\n    return '\x0c'\n\ndef k():\n    s = 1\x0c\n    return s\n"
    functions, skipped = extract_functions(text, "m.py")
    assert skipped is None
    # h and k hold one (in a string, in a line): everything past extraction numbers a function's lines by newlines alone only
    # as far as `lines_of` reaches, so they are left out rather than numbered two ways.
    assert [(f.name, f.start_line, f.end_line) for f in functions] == [("f", 3, 4), ("g", 7, 9)]
    g = functions[1]
    assert text.split("\n")[g.start_line - 1] == "def g(b):"
    patched = replace_function(text, g, g.code.replace("b * x", "b + x"))
    assert patched == text.replace("b * x", "b + x")



def test_a_function_written_back_into_a_crlf_file_keeps_its_line_endings():
    from codemend.data.corpus import extract_functions, replace_function

    text = "def total(xs):\r\n    s = 0\r\n    for x in xs:\r\n        s += x\r\n\r\n\r\ndef other():\r\n    return 1\r\n"
    total = extract_functions(text, "t.py")[0][0]
    model_wrote = "def total(xs):\n    s = 0\n    for x in xs:\n        s += x\n    return s\n"  # a model writes \n
    assert replace_function(text, total, model_wrote) == text.replace("s += x\r\n", "s += x\r\n    return s\r\n")
    lf = text.replace("\r\n", "\n")
    assert replace_function(lf, extract_functions(lf, "t.py")[0][0], model_wrote) == lf.replace("s += x\n", "s += x\n    return s\n")

def test_a_diff_applies_with_patch_for_spaces_absolute_paths_and_a_file_without_a_last_newline(tmp_path, monkeypatch):
    import shutil
    import subprocess

    if shutil.which("patch") is None:
        pytest.skip("GNU patch is not installed")
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "dir with space"
    folder.mkdir()
    for name, before, after in (("my mod.py", "def f(x):\n    return x - 1\n", "def f(x):\n    return x + 1\n"),
                                ("nonl.py", "def f(x):\n    return x - 1", "def f(x):\n    return x + 1")):
        path = folder / name
        path.write_text(before)
        diff = unified_diff(before, after, str(path))  # an absolute path inside the current folder
        assert "a//" not in diff and f"--- a/dir with space/{name}" in diff
        assert ("\\ No newline at end of file" in diff) == (not before.endswith("\n"))
        run = subprocess.run(["patch", "-p1", "--batch"], input=diff, text=True, capture_output=True, cwd=tmp_path)
        assert run.returncode == 0, run.stdout + run.stderr
        assert path.read_text() == after
    outside = "/" + "/".join(["elsewhere", "x.py"])  # not under the current folder: its absolute path, slash dropped
    assert "--- a/elsewhere/x.py\n" in unified_diff("a\n", "b\n", outside)


def test_a_diff_names_a_file_in_a_git_repository_from_its_top_as_git_diff_does(tmp_path, monkeypatch):
    # Run from a subfolder on `../pkg/x.py`, the header read `a/../pkg/x.py`, which `git apply` refuses; and a
    # file of the subfolder named from it while another was named from the top made a patch no folder applies.
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "docs").mkdir()
    (repo / "pkg" / "x.py").write_text("def f(x):\n    return x - 1\n")
    (repo / "docs" / "d.py").write_text("X = 1\n")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    monkeypatch.chdir(repo / "docs")
    patch = (unified_diff("def f(x):\n    return x - 1\n", "def f(x):\n    return x + 1\n", "sub/../../pkg/x.py")
             + unified_diff("X = 1\n", "X = 2\n", "d.py"))
    assert patch.startswith("--- a/pkg/x.py\n+++ b/pkg/x.py\n") and "--- a/docs/d.py\n+++ b/docs/d.py\n" in patch
    run = subprocess.run(["git", "apply", "-"], input=patch, text=True, capture_output=True, cwd=repo)
    assert run.returncode == 0, run.stderr
    assert (repo / "pkg" / "x.py").read_text() == "def f(x):\n    return x + 1\n" and (repo / "docs" / "d.py").read_text() == "X = 2\n"
    monkeypatch.chdir(tmp_path)  # in no repository: from the current folder, or absolute with the slash dropped
    (tmp_path / "plain.py").write_text("a\n")
    assert unified_diff("a\n", "b\n", "plain.py").startswith("--- a/plain.py\n")
    outside = tmp_path.parent / f"{tmp_path.name}-elsewhere.py"
    assert unified_diff("a\n", "b\n", os.path.relpath(outside)).startswith(f"--- a/{str(outside).lstrip('/')}\n")
