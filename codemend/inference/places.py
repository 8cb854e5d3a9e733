"""Places where the model is asked what it would write: the beginnings of its output that `Debugger.propose_at`
forces and beam search continues.

Free beams put a fix where the model itself thinks the bug is. Many fixes no inverse operator holds are
at places the tests or the code point to: a deleted line whose variable is now read but never bound
(`total = 0` before a loop), or an operand dropped from the line the tests blame. There the model is
asked for the missing part: "insert 5\n    total =" (it writes the value) or "replace 9" (it writes the line).
On the development set builtin:dev, 44 of 168 bugs had no plausible candidate among the beams and the
inverse operators. In a first look, "replace"/"insert" beams at the 3 most suspicious lines (at the bug's
own line: 9) held one for 7 of them, and a binding for each name read before any binding for 3 of the
13 deleted lines. In the shipped setting (repair.placed_proposals), the lines replaced at the first 3
lines held one for 2 (both at the first line), the bindings for 3 (docs/measured.md).
"""

from __future__ import annotations

import ast
import builtins
import re

_BUILTINS = frozenset(dir(builtins))
_IMPLICIT = frozenset({"self", "cls"})  # read but unbound in a nested function: its method's, not a deleted line's
MAX_BINDINGS = 6  # prefixes per function: a closure's reads of its enclosing names look unbound too
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def line_prefixes(lines: list[int]) -> list[str]:
    """Replace each line, for the model to write. (Inserting a line before each as well held a plausible fix
    for 1 more dev bug in the first look, at twice the time.)"""
    return [f"replace {line}" for line in lines]


def binding_prefixes(code: str, module: str | None = None) -> list[str]:
    """An assignment to each name `code` reads before any binding of it, at every place it could go:
    before the statement that first reads it and before each statement enclosing that one, innermost
    first ("insert 5\n    total ="). `module`: the text of the module holding it, for its globals
    (None: only names the function binds later count). [] when `code` does not parse."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return []
    prefixes = []
    known = module_names(module) if module is not None else None
    for name, line in unbound_names(tree, known).items():
        prefixes += [f"insert {start}\n{' ' * column}{name} =" for start, column in enclosing_statements(tree, line)]
    return prefixes[:MAX_BINDINGS]


def unbound_names(tree: ast.Module, known: set[str] | None = frozenset()) -> dict[str, int]:
    """Names the function (the first statement of `tree`) reads with no binding before: never bound at
    all (nor in `known`, nor a builtin; None: the module's names are not known, as after `import *`),
    only updated (`total += x`), or first bound at or after the line that first reads it. Name -> that
    line. Comprehension variables and names declared global or nonlocal are left out; a nested
    function's reads of its enclosing function's names are not told apart."""
    reads, binds = _first_lines(tree)
    declared = {name for node in ast.walk(tree) if isinstance(node, (ast.Global, ast.Nonlocal)) for name in node.names}
    found = {}
    for name, line in sorted(reads.items(), key=lambda item: item[1]):
        if name in declared or name in _IMPLICIT or line > binds.get(name, float("inf")):
            continue
        if name in binds or (known is not None and name not in known and name not in _BUILTINS):
            found[name] = line
    return found


def _first_lines(tree: ast.AST) -> tuple[dict[str, int], dict[str, int]]:
    """The first line each name is read on, and the first it is bound on (an update is a read, not a
    binding; parameters, definitions and imports bind on line 0: before any read)."""
    reads: dict[str, int] = {}
    binds: dict[str, int] = {}
    comprehension_own = _comprehension_variables(tree)
    updated = {id(node.target) for node in ast.walk(tree) if isinstance(node, ast.AugAssign)}

    def first(table: dict[str, int], name: str, line: int) -> None:
        table[name] = min(table.get(name, line), line)

    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and id(node) not in comprehension_own:
            if isinstance(node.ctx, ast.Load) or id(node) in updated:
                first(reads, node.id, node.lineno)
            else:
                first(binds, node.id, node.lineno)
        for name in _defined(node):
            first(binds, name, 0)
    return reads, binds


def _comprehension_variables(tree: ast.AST) -> set[int]:
    """The Name nodes of each comprehension's own variables (`x` in `[x * k for x in xs]`; not `k` or `xs`)."""
    found = set()
    for comp in ast.walk(tree):
        if isinstance(comp, _COMPREHENSIONS):
            own = {node.id for generator in comp.generators for node in ast.walk(generator.target) if isinstance(node, ast.Name)}
            found |= {id(node) for node in ast.walk(comp) if isinstance(node, ast.Name) and node.id in own}
    return found


def _defined(node: ast.AST) -> list[str]:
    """Names `node` binds other than by assignment: parameters, definitions, imports, `except ... as`, patterns."""
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(alias.asname or alias.name).split(".")[0] for alias in node.names]
    if isinstance(node, ast.ExceptHandler) and node.name:
        return [node.name]
    if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
        return [node.name]
    return []


def module_names(module: str) -> set[str] | None:
    """The names a module binds at its top level (where a function finds its globals); None when they
    cannot be told: it does not parse, or it imports `*`."""
    try:
        tree = ast.parse(module)
    except (SyntaxError, ValueError):
        return None
    if any(isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names) for node in tree.body):
        return None
    return {name for statement in tree.body for name in _statement_names(statement)}


def _statement_names(statement: ast.stmt) -> set[str]:
    """The names a module-level `statement` binds: a definition's own name, or every name it assigns or defines,
    less a comprehension's variables and a lambda's parameters (their own scopes')."""
    if isinstance(statement, _SCOPES):
        return set(_defined(statement))
    names, own_scope = set(), _comprehension_variables(statement)
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load) and id(node) not in own_scope:
            names.add(node.id)
        if not isinstance(node, ast.arg):
            names.update(_defined(node))
    return names


def free_names(code: str) -> set[str]:
    """The names a function's `code` reads without binding them (its globals), and the attributes it reads
    (a class's constant: `self.TIMES`); every identifier when it does not parse alone."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return set(re.findall(r"[A-Za-z_]\w*", code))
    loads, local, attributes = set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loads if isinstance(node.ctx, ast.Load) else local).add(node.id)
        elif isinstance(node, ast.arg):
            local.add(node.arg)
        elif isinstance(node, ast.Attribute):
            attributes.add(node.attr)
    return (loads - local) | attributes


def shadowed_globals(code: str, patched: str, module: str | None) -> set[str]:
    """The module-level names a function's `code` reads that its `patched` version sets to a literal
    (`DAY = 86400` written into the function that reads the module's `DAY = HOUR + 24`): it makes a test
    pass and leaves the wrong value for every other reader, as a parameter set to a constant ignores
    its callers (`debugger.ignored_parameters`). A name the module does not bind (a deleted `result = []`)
    is not one."""
    known = module_names(module) if module else None
    reads = free_names(code) & known if known else set()
    if not reads:
        return set()
    try:
        tree = ast.parse(patched)
    except (SyntaxError, ValueError):
        return set()
    shadowed = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None and _is_literal(node.value):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            # a name bound (`DAY = 1`, `a, DAY = ...`), not one whose item or attribute is set (`CONFIG["k"] = 3`)
            shadowed |= {name.id for target in targets for name in ast.walk(target) if isinstance(name, ast.Name)
                         and isinstance(name.ctx, ast.Store)}
    return shadowed & reads


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def binding_lines(code: str, names: set[str]) -> set[int]:
    """The lines (1-based) of module-level `code`'s statements that bind one of `names` (as `module_names` reads
    a binding) or change an item or attribute of it (`CONFIG["retries"] = 3`), less an `if __name__ ==
    "__main__":` block, which tests do not run."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return set()
    return {line for statement in tree.body if not _is_main_guard(statement) and (_statement_names(statement) | _changed(statement)) & names
            for line in range(statement.lineno, (statement.end_lineno or statement.lineno) + 1)}


def _changed(statement: ast.stmt) -> set[str]:
    """The names whose items or attributes `statement` sets: `CONFIG` in `CONFIG["retries"] = 3`."""
    names = set()
    for node in ast.walk(statement):
        if isinstance(node, (ast.Subscript, ast.Attribute)) and not isinstance(node.ctx, ast.Load):
            base = node.value
            while isinstance(base, (ast.Subscript, ast.Attribute)):
                base = base.value
            names |= {base.id} if isinstance(base, ast.Name) else set()
    return names


def _is_main_guard(statement: ast.stmt) -> bool:
    test = statement.test if isinstance(statement, ast.If) else None
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators))


def enclosing_statements(tree: ast.Module, line: int) -> list[tuple[int, int]]:
    """(first line, column) of the function's statement that holds `line` and of each statement around
    it, innermost first: where a binding read on `line` could be inserted. `tree` without a function
    first: module-level code (`corpus.module_code`), whose statements are the top-level ones."""
    found = []
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)) else tree.body
    while body:
        holding = [statement for statement in body if statement.lineno <= line <= statement.end_lineno]
        if not holding:
            break
        statement = holding[0]
        found.append((statement.lineno, statement.col_offset))
        body = next((block for block in _blocks(statement) if any(s.lineno <= line <= s.end_lineno for s in block)), [])
    return found[::-1]


def _blocks(statement: ast.stmt) -> list[list[ast.stmt]]:
    blocks = [getattr(statement, name, None) for name in ("body", "orelse", "finalbody")]
    blocks += [handler.body for handler in getattr(statement, "handlers", [])]
    blocks += [case.body for case in getattr(statement, "cases", [])]
    return [block for block in blocks if isinstance(block, list) and block and isinstance(block[0], ast.stmt)]
