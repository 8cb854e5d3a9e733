"""Module-level code (a script's statements outside any function) is localized and repaired like a function."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from codemend.cli import main
from codemend.data.corpus import MODULE_CODE, body_lines, metadata_only, module_chunks, module_code, replace_function, text_without, top_level_runs
from codemend.errors import CodemendError
from codemend.inference import places
from codemend.inference.explain import function_code, function_codes
from codemend.inference.fix import changed_functions, check_functions, fix_path
from codemend.inference.repair import Tests, repair, select_functions

SCRIPT = '''"""Print the mean of some values."""
import sys
from os import path

# the values to average
values = [3, 5, 7, 9]
total = 0
for i in range(1, len(values)):
    total += values[i]
mean = total / len(values)
print(f"mean {mean}")
'''
FIXED = SCRIPT.replace("range(1, len(values))", "range(0, len(values))")  # the off-by-one literal's inverse

MIXED = '''import math


def mean(xs):
    return sum(xs) / len(xs)


data = [1, 2, 3, 4]
middle = data[len(data) // 2 + 1]


class Box:
    size = 3


if __name__ == "__main__":
    print(mean(data), middle)
'''


def test_a_script_s_module_code_starts_after_its_imports_and_docstring():
    code = module_code(SCRIPT, "avg.py")
    assert (code.name, code.start_line, code.end_line, code.module_level) == (MODULE_CODE, 6, 11, True)
    assert code.code == "".join(SCRIPT.splitlines(keepends=True)[5:])
    assert code.context == "import sys\nfrom os import path"  # the imports the model reads before the code
    assert body_lines(code) == frozenset(range(6, 12))  # every line runs at import: no `def` line to leave out
    assert replace_function(SCRIPT, code, code.code.replace("range(1, ", "range(0, ")) == FIXED


def test_module_code_at_a_line_is_the_run_of_top_level_statements_between_definitions():
    run = module_code(MIXED, "m.py", line=9)
    assert (run.start_line, run.end_line, run.code) == (8, 9, "data = [1, 2, 3, 4]\nmiddle = data[len(data) // 2 + 1]\n")
    assert module_code(MIXED, "m.py", line=17).code == 'if __name__ == "__main__":\n    print(mean(data), middle)\n'
    assert module_code(MIXED, "m.py", line=1).code == "import math\n"  # a line on an import keeps it
    assert module_code(MIXED, "m.py", line=5) is None  # inside a function: the function's
    assert module_code(MIXED, "m.py", line=13) is None  # inside a class: not module-level code
    assert module_code(MIXED, "m.py", line=6) is None  # a blank line between definitions


def test_top_level_runs_are_each_run_between_definitions_less_imports_and_metadata():
    runs = top_level_runs(MIXED, "m.py")
    assert [(run.name, run.start_line, run.end_line) for run in runs] == [("<module> lines 8-9", 8, 9), ("<module> lines 16-17", 16, 17),
                                                                          ("Box lines 13-13", 13, 13)]
    assert runs[0].module_level and runs[0].code == "data = [1, 2, 3, 4]\nmiddle = data[len(data) // 2 + 1]\n"
    assert top_level_runs('import os\n__all__ = ["f"]\n\n\ndef f():\n    return os.sep\n', "m.py") == []
    assert top_level_runs(SCRIPT, "avg.py") == []  # a script's module code is what fix repairs in the first place
    # A class's statements between its methods, dedented, less its docstring, comments and `pass`; not a body on the header's line.
    source = ('class Config:\n    """Doc."""\n    RETRIES = 3 - 1\n    # note\n    DELAY = 0.5\n\n    def get(self):\n        return self.RETRIES\n'
              '    pass\n\n\ndef f():\n    pass\n\n\nclass One: A = 1\n')
    (body,) = top_level_runs(source, "c.py")
    assert (body.name, body.start_line, body.end_line, body.indent) == ("Config lines 3-5", 3, 5, "    ")
    assert body.code == "RETRIES = 3 - 1\n# note\nDELAY = 0.5\n" and body.module_level and body.context.endswith("class Config:")
    assert replace_function(source, body, body.code.replace("3 - 1", "3 + 1")) == source.replace("3 - 1", "3 + 1")
    long_class = "class Config:\n" + "".join(f"    C{i} = {i}\n" for i in range(45)) + "\n    def get(self):\n        return self.C0\n"
    (run,) = top_level_runs(long_class, "c.py")
    assert [chunk.name for chunk in module_chunks(run)] == ["Config lines 2-41", "Config lines 42-46"]
    spaced = 'class A:\n    SQL = """\n        select\n        \n        from t"""\n\n    def q(self):\n        return self.SQL\n'
    (sql,) = top_level_runs(spaced, "a.py")
    assert replace_function(spaced, sql, sql.code) == spaced  # a string's line of spaces keeps them



def test_a_module_of_imports_strings_and_dunder_names_is_metadata():
    assert metadata_only('"""Doc."""\nimport os\nfrom . import a  # re-export\n__all__ = ["a"]\n__version__: str = "1.0"\n__a__ = __b__ = 1\n')
    assert not metadata_only("__all__ = ['a']\nTIMEOUT = 60 * 60\n")  # a constant: code a folder run looks at
    assert not metadata_only("__a__ = b = 1\n") and not metadata_only("__all__ = [\n") and not metadata_only("def f():\n    pass\n")

def test_binding_lines_are_the_statements_that_bind_or_change_a_name_functions_read():
    code = ('PORT = 8080\nCONFIG = {}\nCONFIG["retries"] = 3\nSQUARES = [i * i for i in range(3)]\n'
            'if __name__ == "__main__":\n    n = 3\n    CONFIG = None\nsettings.TIMEOUT = (\n    5)\n')
    assert places.binding_lines(code, {"CONFIG", "n", "i", "settings"}) == {2, 3, 8, 9}  # not a comprehension's variable, nor __main__'s
    reads = places.free_names('def f(n):\n    """Words in a docstring."""\n    r = n + OFFSET\n    return self.TIMES + r\n')
    assert reads == {"OFFSET", "self", "TIMES"}  # not its parameters, locals or docstring


def test_no_module_code_where_functions_are_what_to_look_at_or_nothing_runs():
    assert module_code(MIXED, "m.py") is None  # the whole module only stands in for a file without functions
    assert module_code('"""Only a docstring."""\nimport os\n# and a comment\n', "m.py") is None
    assert module_code("import os\nx = (\n", "m.py") is None  # does not parse
    assert module_code(b"\xff\xfe\x00", "m.py") is None  # binary


def test_select_functions_falls_back_to_module_code():
    (only,) = select_functions(SCRIPT, "avg.py")
    assert only.name == MODULE_CODE and only.start_line == 6
    assert [f.name for f in select_functions(MIXED, "m.py")] == ["mean"]  # without --line, a file's functions
    assert [f.name for f in select_functions(MIXED, "m.py", line=9)] == ["<module> lines 8-9"]  # one of the file's runs
    assert [f.name for f in select_functions(MIXED, "m.py", line=17)] == ["<module> lines 16-17"]
    assert [f.start_line for f in select_functions(MIXED, "m.py", function="<module> lines 8-9")] == [8]  # by name (--changed_since)
    assert select_functions(MIXED, "m.py", function="<module> lines 9-9") == []
    assert [f.name for f in select_functions(MIXED, "m.py", line=5)] == ["mean"]
    assert select_functions(MIXED, "m.py", function="mean", line=9) == []  # --function and --line disagree
    assert [f.name for f in select_functions(SCRIPT, "avg.py", function=MODULE_CODE)] == [MODULE_CODE]


def test_check_functions_accepts_a_script_and_names_what_is_missing():
    check_functions(SCRIPT, "avg.py", "", 0)
    check_functions(MIXED, "m.py", "", 9)
    with pytest.raises(CodemendError, match="avg.py: no function or module-level code to look at$"):
        check_functions('"""Only a docstring."""\nimport os\n', "avg.py", "", 0)
    with pytest.raises(CodemendError, match="--line 6: no function or module-level statement of m.py contains that line"):
        check_functions(MIXED, "m.py", "", 6)
    lines = len(MIXED.splitlines())
    with pytest.raises(CodemendError, match=rf"--line 500 is past the end of m.py \({lines} lines\)$"):  # QA: was "no ... contains"
        check_functions(MIXED, "m.py", "", 500)


def test_a_name_module_code_reads_before_binding_gets_a_binding_from_the_model():
    # The deleted `total = 0`: `total` is bound nowhere else in the module, so a binding is asked for.
    code = module_code(SCRIPT.replace("total = 0\n", ""), "avg.py")
    rest = text_without(SCRIPT.replace("total = 0\n", ""), code)
    assert rest == '"""Print the mean of some values."""\nimport sys\nfrom os import path\n\n# the values to average\n'
    assert places.binding_prefixes(code.code, rest) == ["insert 3\n    total =", "insert 2\ntotal ="]
    # With the whole module as its globals, the code's own `total +=` would count as a binding.
    assert places.binding_prefixes(code.code, SCRIPT.replace("total = 0\n", "")) == []


@pytest.mark.sandbox
def test_a_script_is_repaired_by_its_tests():
    result = repair(SCRIPT, debugger=None, path="avg.py", tests=Tests(test_code="assert mean == 6.0\n"))
    best = result.suggestions[0]
    assert (best.function, best.line, best.validation, best.patched_source) == (MODULE_CODE, 8, "plausible", FIXED)


@pytest.mark.sandbox
def test_cli_fix_applies_a_script_s_fix_with_a_backup(tmp_path, monkeypatch, capsys):
    (tmp_path / "avg.py").write_text(SCRIPT)
    (tmp_path / "test_avg.py").write_text(
        "import subprocess, sys\n\n\ndef test_mean():\n"
        "    out = subprocess.run([sys.executable, 'avg.py'], capture_output=True, text=True, check=True).stdout\n"
        "    assert out == 'mean 6.0\\n'\n")
    monkeypatch.chdir(tmp_path)
    args = ["fix", "avg.py", "--model", "none", "--format", "json", "--apply",
            "--test_cmd", f"{sys.executable} -m pytest -q -p no:cacheprovider test_avg.py"]
    assert main(args) == 0
    best = json.loads(capsys.readouterr().out)["suggestions"][0]
    assert (best["function"], best["validation"]) == (MODULE_CODE, "plausible")
    assert (tmp_path / "avg.py").read_text() == FIXED
    assert (tmp_path / "avg.py.codemend.bak").read_text() == SCRIPT


def test_a_model_ranks_module_code_like_a_function(tiny_model):
    from codemend.inference.debugger import Debugger

    result = repair(SCRIPT, debugger=Debugger.load(str(tiny_model)), path="avg.py", n=2)
    assert [report.function for report in result.functions] == [MODULE_CODE]
    assert result.suggestions and all(s.function == MODULE_CODE and 6 <= s.line <= 11 for s in result.suggestions)
    assert FIXED in {s.patched_source for s in result.suggestions}


def test_explain_shows_module_code_as_the_ranking_saw_it():
    # The file's functions (none here) do not hold it: the report's own code is what the page shows.
    (report,) = repair(SCRIPT, debugger=None, path="avg.py").functions
    assert function_code(SCRIPT, report, function_codes("avg.py", SCRIPT)) == module_code(SCRIPT).code


LONG = "import sys\n\n" + "".join(f"v{k} = len(sys.argv) + {k}\nif v{k} > 3:\n    print(v{k})\n" for k in range(30)) + \
    "for arg in sys.argv:\n" + "".join(f"    print(arg, {k})\n" for k in range(45))


def test_long_module_code_is_read_in_chunks_of_whole_statements():
    code = module_code(LONG, "long.py")
    chunks = module_chunks(code)
    assert [(c.start_line, c.end_line) for c in chunks] == [(3, 42), (43, 81), (82, 92), (93, 138)]
    assert [c.name for c in chunks] == [f"<module> lines {c.start_line}-{c.end_line}" for c in chunks]
    assert "".join(c.code for c in chunks) == code.code  # whole statements, nothing left out
    assert all(c.end_line - c.start_line < 40 for c in chunks[:-1])  # the last, one 46-line `for`, stands alone
    assert module_chunks(module_code(SCRIPT, "avg.py")) == [module_code(SCRIPT, "avg.py")]  # short: one, named <module>
    fixed = replace_function(LONG, chunks[1], chunks[1].code.replace("v13 > 3", "v13 >= 3"))
    assert fixed == LONG.replace("v13 > 3", "v13 >= 3")


def test_a_long_script_s_chunks_are_what_fix_looks_at():
    assert [f.start_line for f in select_functions(LONG, "long.py")] == [3, 43, 82, 93]
    assert [f.start_line for f in select_functions(LONG, "long.py", line=85)] == [82]
    assert [f.start_line for f in select_functions(LONG, "long.py", function=MODULE_CODE)] == [3, 43, 82, 93]
    assert [f.name for f in select_functions(LONG, "long.py", function="<module> lines 43-81")] == ["<module> lines 43-81"]
    result = repair(LONG, debugger=None, path="long.py", line=43)
    assert {s.function for s in result.suggestions} == {"<module> lines 43-81"} and all(s.line == 43 for s in result.suggestions)


def test_changed_since_names_changed_module_level_code(tmp_path, git_commit_all):
    (tmp_path / "m.py").write_text(MIXED)
    (tmp_path / "avg.py").write_text(SCRIPT)
    git_commit_all(tmp_path)
    changed = MIXED.replace("// 2 + 1", "// 2 + 2").replace("sum(xs) /", "sum(xs) *")
    (tmp_path / "m.py").write_text(changed)
    (tmp_path / "avg.py").write_text(SCRIPT.replace("print(f", "print('the', f"))
    assert changed_functions(changed, tmp_path / "m.py", "HEAD") == ["mean", "<module> lines 8-9"]
    assert changed_functions((tmp_path / "avg.py").read_text(), tmp_path / "avg.py", "HEAD") == [MODULE_CODE]
    reports = {Path(r.path).name: r for r in fix_path(tmp_path / "m.py", None, changed_since="HEAD")}
    assert {s.function for s in reports["m.py"].result.suggestions} == {"mean", "<module> lines 8-9"}
    # A class's statement between its methods, changed, is named as `fix` names it, and that name or its line selects it.
    in_class = changed.replace("    size = 3\n", "    size = 4\n")
    (tmp_path / "m.py").write_text(in_class)
    assert changed_functions(in_class, tmp_path / "m.py", "HEAD") == ["mean", "<module> lines 8-9", "Box lines 13-13"]
    assert [f.name for f in select_functions(in_class, "m.py", function="Box lines 13-13")] == ["Box lines 13-13"]
    assert [f.code for f in select_functions(in_class, "m.py", line=13)] == ["size = 4\n"]
