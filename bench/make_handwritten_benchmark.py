"""Regenerate codemend/data/benchmark_handwritten.jsonl from bench/handwritten_specs.py and check each bug.

    .venv/bin/python bench/make_handwritten_benchmark.py
"""
import sys, subprocess, ast
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1])); sys.path.insert(0, str(Path(__file__).resolve().parent))
from handwritten_specs import SPECS
from codemend.data.benchmark import BenchmarkItem, load_program, entry_point, first_changed_line, save_benchmark, DEFAULT_TIMEOUT_S
from codemend.data.operators import OPERATORS, apply_edit, candidate_fixes
from codemend.data.parsing import parse

def run(code, tests):
    p = subprocess.run([sys.executable, "-c", code + "\n" + tests], capture_output=True, text=True, timeout=10)
    return p.returncode == 0, (p.stderr.strip().splitlines() or [""])[-1]

def dump(src):
    return ast.dump(ast.parse(src))

items = []
ok_all = True
for program, slug, kind, edits in SPECS:
    fixed, tests = load_program(program)
    buggy = fixed
    for old, new in edits:
        assert buggy.count(old) == 1, (program, slug, old)
        buggy = buggy.replace(old, new)
    passed_fixed, _ = run(fixed, tests)
    passed_buggy, err = run(buggy, tests)
    # reachability: forward operators on fixed giving buggy; candidate_fixes of buggy giving fixed
    bd, fd = dump(buggy), dump(fixed)
    fwd = []
    data = fixed.encode()
    for op in OPERATORS.values():
        for e in op.sites(parse(data), data):
            try:
                if dump(apply_edit(data, e).decode()) == bd: fwd.append(op.name)
            except SyntaxError: pass
    inv = [name for src, name in candidate_fixes(buggy) if dump(src) == fd]
    # strong: any single edit (any operator) on buggy that passes tests
    strong = []
    bdata = buggy.encode()
    only = [a for a in sys.argv[1:] if not a.startswith('--')]
    for op in (OPERATORS.values() if not only or program in only else []):
        for e in op.sites(parse(bdata), bdata):
            cand = apply_edit(bdata, e).decode()
            try: ast.parse(cand)
            except SyntaxError: continue
            try:
                if run(cand, tests)[0]: strong.append((op.name, cand))
            except subprocess.TimeoutExpired: pass
    flag = "" if (passed_fixed and not passed_buggy and not fwd and not inv and not strong) else "  <<<<"
    if flag: ok_all = False
    print(f"{program:30} {slug:26} fixed_ok={passed_fixed} buggy_fails={not passed_buggy} fwd={fwd} inv={inv} strong={[s[0] for s in strong]} | {err[:70]}{flag}")
    items.append(BenchmarkItem(
        id=f"hw/{program}/{slug}", buggy_code=buggy, test_code=tests, entry_point=entry_point(fixed),
        bug_type=f"handwritten: {kind}", timeout_s=DEFAULT_TIMEOUT_S, fixed_code=fixed, source="handwritten",
        operator="", program=program, bug_line=first_changed_line(fixed, buggy)))
if "--write" in sys.argv:
    save_benchmark(items, "/work/main/codemend/data/benchmark_handwritten.jsonl")
    print("wrote", len(items))
print("ALL OK" if ok_all else "PROBLEMS")
