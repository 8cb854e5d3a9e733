"""`codemend fix`: model outputs become whole-file diffs; bad files fail with one clear line."""

import pytest

from codemend.errors import CodemendError
from codemend.inference.fix import _to_suggestion, read_source, select_functions
from codemend.training.generation import Generation

SOURCE = '''import math


class Stats:
    def max_index(self, items):
        best = 0
        for i in range(1, len(items)):
            if items[i] < items[best]:
                best = i
        return best
'''


def test_an_edit_becomes_a_diff_against_the_real_file():
    (func,) = select_functions(SOURCE, "s.py", "max_index")
    candidate = Generation(text="replace 4\n        if items[i] > items[best]:", score=-0.1, stopped=True)
    suggestion = _to_suggestion(SOURCE, "s.py", func, candidate, "edit")
    assert suggestion.line == 8 and suggestion.function == "Stats.max_index"
    assert "-            if items[i] < items[best]:" in suggestion.diff
    assert "+            if items[i] > items[best]:" in suggestion.diff
    assert "@@ -5,6 +5,6 @@" in suggestion.diff
    assert suggestion.patched_source == SOURCE.replace("items[i] < items", "items[i] > items")


@pytest.mark.parametrize("text", ["replace 99\n    x", "nonsense", "replace 4\n    if items[i] <", "replace 4\n        if items[i] < items[best]:"])
def test_unusable_outputs_are_dropped(text):
    (func,) = select_functions(SOURCE, "s.py")
    assert _to_suggestion(SOURCE, "s.py", func, Generation(text, 0.0, True), "edit") is None


def test_bad_files_and_names_fail_clearly(tmp_path):
    with pytest.raises(CodemendError, match="no such file"):
        read_source(tmp_path / "missing.py")
    (tmp_path / "empty.py").write_text("  \n")
    with pytest.raises(CodemendError, match="empty: nothing to fix"):
        read_source(tmp_path / "empty.py")
    (tmp_path / "bin.py").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(CodemendError, match="not UTF-8"):
        read_source(tmp_path / "bin.py")
    with pytest.raises(CodemendError, match="did you mean Stats.max_index"):
        select_functions(SOURCE, "s.py", "max_indx")
    with pytest.raises(CodemendError, match="does not parse .*line 1"):
        select_functions("def broken(:\n    return\n", "b.py")
