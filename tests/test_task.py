"""The task format: one function turns model outputs into patches; round trips must be exact."""

import pytest

from codemend.task import FormatError, LineEdit, apply_output, build_source, build_target, compute_edit, number_lines, parse_edit, render_edit, unified_diff

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
