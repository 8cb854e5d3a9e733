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
import functools
import re
import sys
from typing import Iterator

from codemend.task import source_lines

_BUILTINS = frozenset(dir(builtins))
_IMPLICIT = frozenset({"self", "cls"})  # read but unbound in a nested function: its method's, not a deleted line's
MAX_BINDINGS = 6  # prefixes per function: a closure's reads of its enclosing names look unbound too
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def line_prefixes(lines: list[int]) -> list[str]:
    """Replace each line, for the model to write. (Inserting a line before each as well held a plausible fix
    for 1 more dev bug in the first look, at twice the time.)"""
    return [f"replace {line}" for line in lines]


def binding_prefixes(code: str, module: str | None = None, line: int = 0) -> list[str]:
    """An assignment to each name `code` reads before any binding of it, at every place it could go:
    before the statement that first reads it and before each statement enclosing that one, innermost
    first ("insert 5\n    total ="). `module` and `line` as for `binding_fixes` (`known_names`; None:
    only names the function binds later count). [] when `code` does not parse."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return []
    prefixes = []
    for name, read in unbound_names(tree, known_names(module, line)).items():
        prefixes += [f"insert {start}\n{' ' * column}{name} =" for start, column in enclosing_statements(tree, read)]
    return prefixes[:MAX_BINDINGS]


# What a deleted binding most often held, told by how the function uses the name (`initial_values`).
_LIST_METHODS = frozenset({"append", "extend", "insert", "sort", "reverse"})
_SET_METHODS = frozenset({"add", "discard"})
_DICT_METHODS = frozenset({"setdefault", "items", "keys", "values", "get"})
_UNKNOWN_VALUES = ("None", "0")  # a name read only as it is (returned, passed on): the commonest starts
MAX_TOGETHER = 3  # unbound names bound together on one line (`evens, odds = [], []`, `a, b = 0, 1`)
MAX_BINDING_FIXES = 24


def binding_fixes(code: str, module: str | None = None, line: int = 0) -> list[str]:
    """`code` with an assignment inserted for what it reads before any binding (`unbound_names`): the
    deleted `result = []` a NameError or UnboundLocalError points to. Each name alone, before the
    statement that first reads it and before each statement around that one, innermost first; then
    all of them together (two or three: a deleted `i = j = 0`) before each statement around all their
    first reads. Not for a name only ever called (a function misspelt or not imported), nor for one
    the function never binds and whose uses tell no value (`os.path`: an import gone, not a deleted
    line). Never inside a loop whose passes carry the name (`_carrying_loops`). The values are those
    `initial_values` reads off the name's uses. `module`: the text of the module holding it, for its
    globals, and `line`: where its `def` is in it, for the names of the functions around it (a
    closure's). [] when `code` does not parse or reads nothing unbound; never a variant that does not
    parse."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return []
    if not (tree.body and isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef))):
        return []  # module-level code: `placed_proposals` asks the model there
    binds = _first_lines(tree)[2]
    unbound = {name: read for name, read in unbound_names(tree, known_names(module, line)).items() if _bindable(tree, name, binds)}
    lines = code.splitlines(keepends=True)
    values = {name: initial_values(tree, name) for name in unbound}
    # Not inside a loop whose passes carry the name: `total = 0` there would start it over on every pass.
    loops = {name: _carrying_loops(tree, name) for name in unbound}
    alone = {name: [place for at in enclosing_statements(tree, read) if not _inside(at, loops[name]) and (place := _place(lines, *at))]
             for name, read in unbound.items()}
    together = list(unbound)[:MAX_TOGETHER]
    shared = set.intersection(*(set(enclosing_statements(tree, unbound[name])) for name in together)) if len(together) > 1 else set()
    joint = [place for at in sorted(shared, reverse=True)  # innermost first
             if not any(_inside(at, loops[name]) for name in together) and (place := _place(lines, *at))]
    # The likeliest value of each name first, then the names together, so the cap drops the least likely.
    fixes = [_insert(place, f"{name} = {values[name][0]}") for name in unbound for place in alone[name]]
    fixes += [_insert(place, f"{', '.join(together)} = {', '.join(combo)}") for combo in _products([values[name] for name in together])
              for place in joint]
    fixes += [_insert(place, f"{name} = {value}") for name in unbound for value in values[name][1:] for place in alone[name]]
    found = dict.fromkeys(fix for fix in fixes if _parses(fix))
    return list(found)[:MAX_BINDING_FIXES]


# A misspelt name (`smalest` for `smallest`, `lenn(xs)`): read, bound nowhere, and a letter or two from a
# name that is. Python's own "Did you mean" allows about a third of the name's length; a short name gets one edit.
MAX_RENAMES = 3  # spellings offered per misspelt name, the closest first


def rename_fixes(code: str, module: str | None = None, line: int = 0) -> list[str]:
    """`code` with each name it reads but binds nowhere, and the module does not bind either (`unbound_names`
    with `known_names`), replaced everywhere in it by a name one or two edits away (`close_names`): a typo, which
    a NameError points to and no binding fixes (`smalest = 1` passed a test by chance). `module` and `line` as
    for `binding_fixes`; without the module nothing is known to be unbound, so [] (as when `code` does not parse)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return []
    fixes = [_renamed(code, tree, name, other) for name, others in misspellings(tree, known_names(module, line)).items()
             for other in others[:MAX_RENAMES]]
    return [fix for fix in dict.fromkeys(fixes) if _parses(fix)]


def misspelt(code: str, name: str, known: set[str] | None) -> bool:
    """Whether `code`, a function, reads `name` as `rename_fixes` takes a typo (`misspellings`); False when it does not parse."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return name in misspellings(tree, known)


def misspellings(tree: ast.Module, known: set[str] | None) -> dict[str, list[str]]:
    """Each name the function (the first statement of `tree`) reads in its body and binds nowhere, the module
    not either (`known`, `known_names`; None: nothing can be told), with the bound names a letter or two away
    (`close_names`), where there are any. Not a standard module's name (`os`, `re`: an import gone), nor one
    read only in the signature or a decorator (evaluated outside the function: a method's default reads its
    class's names), nor one of one or two letters (`i` is one edit from every other short name), nor one the
    function updates and reads elsewhere (`rows.append(row)`, `return rows`: a deleted binding, `binding_fixes`').
    A name is never
    offered as what a loop over the name itself binds (`for word in words`: `words` is not `word`)."""
    top = tree.body[0] if tree.body and isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)) else None
    if known is None or top is None:
        return {}
    binds = _first_lines(tree)[2]
    in_body = {node.id for statement in top.body for node in ast.walk(statement) if isinstance(node, ast.Name)}
    parents = {id(child): node for node in ast.walk(top) for child in ast.iter_child_nodes(node)}
    found = {}
    for name in unbound_names(tree, known):
        if len(name) < 3 or name in binds or name not in in_body or name in sys.stdlib_module_names:
            continue
        # Updated (`rows.append(row)`, `total += x`) and read again: a deleted binding, `binding_fixes`'; updated in
        # its one spot (`ietms[k] = x` among a dozen `items`): a typo.
        if any(_updates(node, name) for node in ast.walk(tree)) and sum(_is(node, name) for node in ast.walk(tree)) > 1:
            continue
        own_loops = _loop_targets_over(tree, name)
        pool = [*_visible(top, name, parents), *sorted(known), *_PUBLIC_BUILTINS]
        if others := [other for other in close_names(name, pool) if other not in own_loops]:
            found[name] = others
    return found


def _visible(top: ast.AST, name: str, parents: dict[int, ast.AST]) -> list[str]:
    """The names bound in the scopes around every read of `name` in the function `top`, innermost first: its
    own, a closure's or lambda's around the read, a comprehension's variables (`[itme * 2 for item in items]`),
    not those of a lambda beside it (QA review: `valeu` became a lambda's `value`, still a NameError)."""
    names: list[str] = []
    for read in (node for node in ast.walk(top) if _is(node, name)):
        node = parents.get(id(read))
        while node is not None:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, *_COMPREHENSIONS)):
                names += _scope_bindings(node)
            node = parents.get(id(node))
    return list(dict.fromkeys(names))


def _scope_bindings(scope: ast.AST) -> list[str]:
    """The names `scope` (a function, lambda or comprehension) binds itself, not in a scope inside it."""
    if isinstance(scope, _COMPREHENSIONS):
        return [node.id for generator in scope.generators for node in ast.walk(generator.target) if isinstance(node, ast.Name)]
    arguments = scope.args
    names = [arg.arg for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg] if arg]
    if isinstance(scope, ast.Lambda):
        return names
    stack = list(scope.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.append(node.id)
        names += [] if isinstance(node, ast.arg) else _defined(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, *_COMPREHENSIONS)):
            stack.extend(ast.iter_child_nodes(node))
    return names


_NO_ATTRIBUTE = re.compile(r"(?:'(\w+)' object|module '[\w.]+'|type object '\w+') has no attribute '(\w+)'")


def attribute_in_trace(trace: str) -> str:
    """The attribute an AttributeError in the tests' failure `trace` says nothing has; "" when none."""
    match = _NO_ATTRIBUTE.search(trace)
    return match[2] if match else ""


def attribute_fixes(code: str, trace: str, module: str | None) -> list[str]:
    """`code` with every use of the attribute the tests' AttributeError names (`self.lenght`) written as each
    attribute of `module` one or two edits away (`close_names`: the names it reads or sets after a dot, and its
    classes' methods), the closest three: the attribute-side `rename_fixes`. [] without such an error, a read of
    that attribute in `code` (an update counts), or the module."""
    match = _NO_ATTRIBUTE.search(trace)
    if not match or module is None or len(match[2]) < 3:
        return []
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return []
    kind, wrong = match[1], match[2]
    reads = [node for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == wrong]
    augmented = {id(node.target) for node in ast.walk(tree) if isinstance(node, ast.AugAssign)}
    if not any(isinstance(node.ctx, ast.Load) or id(node) in augmented for node in reads):
        return []  # only set here: the error is another function's read
    # An object of a builtin type has its own attributes: `'list' object has no attribute 'apend'` is a typo of
    # `append`, `'list' object has no attribute 'get'` a list where a dict belongs (no list attribute is close).
    builtin = _BUILTIN_TYPES.get(kind or "")
    pool = [name for name in dir(builtin) if not name.startswith("_")] if builtin is not None else list(_attributes(module))
    fixes = [_reattributed(code, reads, other) for other in close_names(wrong, pool)[:MAX_RENAMES]]
    return [fix for fix in dict.fromkeys(fixes) if _parses(fix)]


_BUILTIN_TYPES = {kind.__name__: kind for kind in (list, dict, set, frozenset, tuple, str, bytes, int, float, bool, type(None))}


@functools.lru_cache(maxsize=4)
def _attributes(module: str) -> tuple[str, ...]:
    """The names `module` reads or sets after a dot, and its classes' methods, in order of first appearance."""
    try:
        tree = ast.parse(module)
    except (SyntaxError, ValueError):
        return ()
    found = [node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)]
    found += [item.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef) for item in node.body
              if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return tuple(dict.fromkeys(found))


def _reattributed(code: str, reads: list[ast.Attribute], other: str) -> str:
    """`code` with each of `reads` (attribute nodes) naming `other`: the name is the last thing each node spans."""
    lines = source_lines(code)
    for node in sorted(reads, key=lambda n: (n.end_lineno, n.end_col_offset), reverse=True):
        text = lines[node.end_lineno - 1].encode("utf-8")
        end = node.end_col_offset
        start = end - len(node.attr.encode("utf-8"))
        lines[node.end_lineno - 1] = (text[:start] + other.encode("utf-8") + text[end:]).decode("utf-8")
    return "".join(lines)


def _loop_targets_over(tree: ast.AST, name: str) -> set[str]:
    """The names bound by each `for` (statement or comprehension) whose iterable reads `name`."""
    loops = [node for node in ast.walk(tree) if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension))]
    return {target.id for loop in loops if any(_is(node, name) for node in ast.walk(loop.iter))
            for target in ast.walk(loop.target) if isinstance(target, ast.Name)}


_PUBLIC_BUILTINS = tuple(sorted(name for name in _BUILTINS if not name.startswith("_")))


def close_names(name: str, pool: list[str]) -> list[str]:
    """The names of `pool` (in its order, which breaks ties) within one edit of `name` (a letter added,
    dropped, changed, or two swapped), or two for a name of 6 letters or more, the closest first."""
    limit = 2 if len(name) >= 6 else 1
    found: dict[str, int] = {}
    for other in pool:
        if other != name and other not in found and abs(len(other) - len(name)) <= limit:
            if (distance := edit_distance(name, other, limit)) <= limit:
                found[other] = distance
    return sorted(found, key=found.__getitem__)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Letters added, dropped, changed or swapped with their neighbour to make `a` into `b` (optimal string
    alignment); anything over `limit` is reported as `limit + 1`."""
    before, row = None, list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, y in enumerate(b, start=1):
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (x != y))
            if before is not None and i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, row = row, current
    return min(row[-1], limit + 1)


def _renamed(code: str, tree: ast.AST, name: str, other: str) -> str:
    """`code` with every `name` it reads written `other` (ast's columns count UTF-8 bytes; its lines end at
    line feeds only, not at the form feeds str.splitlines ends them at)."""
    lines = source_lines(code)
    spots = sorted(((node.lineno, node.col_offset, node.end_col_offset) for node in ast.walk(tree)
                    if isinstance(node, ast.Name) and node.id == name), reverse=True)
    for row, start, end in spots:
        text = lines[row - 1].encode("utf-8")
        lines[row - 1] = (text[:start] + other.encode("utf-8") + text[end:]).decode("utf-8")
    return "".join(lines)


# The tests' failure when a name is read unbound: a NameError for a global (or a local never bound), an
# UnboundLocalError for a local read before its binding (Python 3.11+'s wording, then the older one).
_UNBOUND_ERRORS = re.compile(r"NameError: name '(\w+)' is not defined|UnboundLocalError: (?:cannot access local variable|local variable) '(\w+)'")


def unbound_in_trace(trace: str) -> str:
    """The name a NameError or UnboundLocalError in the tests' failure `trace` says was read unbound; "" when none."""
    match = _UNBOUND_ERRORS.search(trace)
    return (match[1] or match[2]) if match else ""


def reads_unbound(code: str, name: str, known: set[str] | None) -> bool:
    """Whether `code`, a function, reads `name` before any binding of it (`unbound_names`; `known`: the names
    bound outside it, `known_names`); False when it does not parse."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return name in unbound_names(tree, known)


def known_names(module: str | None, line: int) -> set[str] | None:
    """The names bound outside a function whose `def` is on `line` of `module`: the module's (and those its
    functions declare `global` and set), and those of the functions around it; None when they cannot be told
    (no module, or it imports `*`)."""
    if module is None:
        return None
    names = _module_scope(module)[0]
    return None if names is None else set(names) | enclosing_function_names(module, line)


@functools.lru_cache(maxsize=4)
def _module_scope(module: str) -> tuple[frozenset[str] | None, tuple[tuple[int, int, frozenset[str]], ...]]:
    """(`module_names` plus the names its functions declare `global`, or None, as when it writes its globals
    (`_writes_globals`); each function's (first line,
    last line, names it binds)): read once per module text, as every function of a file asks (a 6,400-line
    module took 0.14 s per function parsed twice each time)."""
    try:
        tree = ast.parse(module)
    except (SyntaxError, ValueError):
        return None, ()
    names = None if _writes_globals(tree) else _top_level_names(tree)
    declared = {name for node in ast.walk(tree) if isinstance(node, ast.Global) for name in node.names}
    functions = tuple((node.lineno, node.end_lineno or node.lineno, frozenset(_first_lines(node)[2]))
                      for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)))
    return (None if names is None else frozenset(names | declared)), functions


def _writes_globals(tree: ast.Module) -> bool:
    """Whether the module may bind names no statement shows: it sets an item of `globals()` or updates it,
    or runs `exec` in its globals (turtle makes its functions `pd`, `st`, ... so). Reading `globals()` or
    `exec` with a namespace of its own is no such write (QA review: they cost a module its binding fixes)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and not isinstance(node.ctx, ast.Load) and _calls(node.value, "globals"):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("update", "setdefault", "__setitem__") \
                and _calls(node.func.value, "globals"):
            return True
        if _calls(node, "exec") and (len(node.args) < 2 or any(_calls(arg, "globals") for arg in node.args[1:])):
            return True
    return False


def _calls(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name


def enclosing_function_names(module: str, line: int) -> set[str]:
    """The names bound in the functions of `module` around the one whose `def` is on `line`: a closure reads
    them unbound in its own code, and no line of it was deleted."""
    return set().union(*(binds for first, last, binds in _module_scope(module)[1] if first < line <= last))


_MUTATORS = _LIST_METHODS | _SET_METHODS | frozenset({"setdefault", "update", "pop", "popleft", "appendleft", "remove", "clear"})
_LOOPS = (ast.For, ast.AsyncFor, ast.While)


def _only_called(tree: ast.AST, name: str) -> bool:
    callees = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    reads = [node for node in ast.walk(tree) if _is(node, name) and isinstance(node.ctx, ast.Load)]
    return bool(reads) and all(id(node) in callees for node in reads)


def _carrying_loops(tree: ast.AST, name: str) -> list[tuple[int, int]]:
    """The (first, last) lines of the body of each loop whose passes carry `name` from one to the next: the
    body changes it itself (an augmented assignment, an assignment that reads it too, a mutating method's
    call, an item set: `tries += 1` in a retry loop, which would never end), binds it after a line that
    reads it (`prev = x`), or changes it in a loop inside and it is read outside the body (after the loop,
    in a `while` test). A `row` filled by an inner loop and used only in the outer one's body starts over
    in the outer one, rightly."""
    reads = [node.lineno for node in ast.walk(tree) if _is(node, name) and isinstance(node.ctx, ast.Load)]
    loops = []
    for loop in ast.walk(tree):
        if not isinstance(loop, _LOOPS):
            continue
        first, last = _start(loop.body[0]), loop.body[-1].end_lineno or loop.body[-1].lineno
        own = list(_own_nodes(loop.body))
        read_here = [node.lineno for node in own if _is(node, name) and isinstance(node.ctx, ast.Load)]
        rebound_after_read = bool(read_here) and any(_is(node, name) and isinstance(node.ctx, ast.Store) and node.lineno > min(read_here)
                                                     for node in own)
        summed = (any(_updates(node, name) for statement in loop.body for node in ast.walk(statement))
                  and any(not first <= line <= last for line in reads))
        if any(_updates(node, name) for node in own) or rebound_after_read or summed:
            loops.append((first, last))
    return loops


def _own_nodes(statements: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of `statements` but those in a loop, function, lambda or class inside them."""
    stack: list[ast.AST] = [statement for statement in statements if not isinstance(statement, _LOOPS + _SCOPES)]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child for child in ast.iter_child_nodes(node) if not isinstance(child, _LOOPS + _SCOPES))


def _bindable(tree: ast.AST, name: str, binds: dict[str, float]) -> bool:
    """Whether a deleted binding of `name` could be what its unbound read means: not a name only ever called
    (a function misspelt or not imported), nor one the function never binds whose uses tell no value
    (`os.path.join(...)`: an import gone)."""
    return not _only_called(tree, name) and (name in binds or initial_values(tree, name) != _UNKNOWN_VALUES)


def missing_binding(code: str, name: str, known: set[str] | None) -> bool:
    """Whether `code`, a function, reads `name` unbound (`reads_unbound`) as a deleted binding would leave it
    (`_bindable`); False when it does not parse."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return name in unbound_names(tree, known) and _bindable(tree, name, _first_lines(tree)[2])


def _updates(node: ast.AST, name: str) -> bool:
    if isinstance(node, ast.AugAssign):
        return _is(node.target, name)
    if isinstance(node, ast.Assign):
        bound = any(_is(target, name) for each in node.targets for target in ast.walk(each))
        return bound and any(_is(read, name) for read in ast.walk(node.value))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return _is(node.func.value, name) and node.func.attr in _MUTATORS
    return isinstance(node, ast.Subscript) and _is(node.value, name) and not isinstance(node.ctx, ast.Load)


def _inside(at: tuple[int, int], bodies: list[tuple[int, int]]) -> bool:
    """Whether the statement starting at `at` (line, column) is in one of the loop `bodies` (first, last line)."""
    return any(first <= at[0] <= last for first, last in bodies)


def _products(choices: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Every combination of one value per name, the first values' first."""
    combos: list[tuple[str, ...]] = [()]
    for values in choices:
        combos = [combo + (value,) for combo in combos for value in values]
    return combos


def _place(lines: list[str], start: int, column: int) -> tuple[str, str, str] | None:
    """(the text before line `start`, its indentation, the text from it on): where a statement goes in before
    the one on line `start`; None when that one does not begin its line (`a = 1; b = 2`)."""
    here = lines[start - 1] if 0 < start <= len(lines) else ""
    indent = here[:len(here) - len(here.lstrip())]
    return ("".join(lines[:start - 1]), indent, "".join(lines[start - 1:])) if len(indent) == column else None


def _insert(place: tuple[str, str, str], statement: str) -> str:
    before, indent, after = place
    return f"{before}{indent}{statement}\n{after}"


def _parses(code: str) -> bool:
    """Whether `code` parses: an insertion between a decorator and its `def` does not."""
    try:
        ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return True


def initial_values(tree: ast.AST, name: str) -> tuple[str, ...]:
    """The values `name` likely started from, read off its uses: `[]` for a list's methods (`append`, called
    or only read: `seen_add = seen.add`) or a list `+=` to it, `set()` for a set's (`add`), `{}` for a
    mapping's (`setdefault`) or an item set (`seen[k] = True`), `""` when a string is `+=` to it, `None`
    when tested against None; failing those, `0` and `1` when it is counted or computed with (`total += x`,
    `i < n`, `xs[i]`; `1` first when multiplied into), since `evens + odds` adds lists too; else
    `_UNKNOWN_VALUES`."""
    typed: dict[str, None] = {}
    numeric: dict[str, None] = {}
    for node in ast.walk(tree):
        values = _values_from(node, name)
        (numeric if values and values[0] in ("0", "1") else typed).update(dict.fromkeys(values))
    return tuple(typed or numeric) or _UNKNOWN_VALUES


def _is(node: ast.AST | None, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _values_from(node: ast.AST, name: str) -> tuple[str, ...]:
    if isinstance(node, ast.Attribute) and _is(node.value, name):  # called or not: `seen_add = seen.add`
        method = node.attr
        return ("[]",) if method in _LIST_METHODS else ("set()",) if method in _SET_METHODS else ("{}",) if method in _DICT_METHODS else ()
    if isinstance(node, ast.Subscript) and _is(node.value, name) and not isinstance(node.ctx, ast.Load):
        return ("{}",)
    if isinstance(node, ast.AugAssign) and _is(node.target, name):
        if isinstance(node.op, ast.Mult):
            return ("1", "0")
        if isinstance(node.value, (ast.JoinedStr, ast.Constant)) and isinstance(getattr(node.value, "value", ""), str):
            return ('""',)
        return ("[]",) if isinstance(node.value, (ast.List, ast.ListComp)) else ("0", "1")
    if isinstance(node, ast.Compare) and (_is(node.left, name) or any(_is(c, name) for c in node.comparators)):
        if any(isinstance(c, ast.Constant) and c.value is None for c in [node.left, *node.comparators]):
            return ("None",)
        return ("0", "1") if any(isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) for op in node.ops) else ()
    if isinstance(node, ast.BinOp) and (_is(node.left, name) or _is(node.right, name)) and isinstance(node.op, _NUMERIC_OPS):
        return ("0", "1")
    if isinstance(node, ast.Subscript) and _is(node.slice, name):
        return ("0",)
    return ()


_NUMERIC_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)


def unbound_names(tree: ast.Module, known: set[str] | None = frozenset()) -> dict[str, int]:
    """Names the function (the first statement of `tree`) reads with no binding before: never bound at
    all (nor in `known`, nor a builtin; None: the module's names are not known, as after `import *`),
    only updated (`total += x`), or first bound after the line that first reads it (or on it, unless
    by `:=`). Name -> that line. A function or lambda inside it reads its names when called, after they
    are bound: its reads count only for names bound nowhere. Comprehension variables, names the function
    itself declares global or nonlocal and a module's dunders are left out."""
    reads, nested, binds = _first_lines(tree)
    top = tree.body[0] if tree.body and isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)) else tree
    declared = {name for node in _own_nodes(getattr(top, "body", [])) if isinstance(node, (ast.Global, ast.Nonlocal)) for name in node.names}

    def never_bound(name: str) -> bool:
        return name not in binds and known is not None and name not in known and name not in _BUILTINS

    found = {}
    for name, line in reads.items():
        if name in declared or name in _IMPLICIT or _is_dunder(name) or line > binds.get(name, float("inf")):
            continue
        if name in binds or never_bound(name):
            found[name] = min(line, nested.get(name, line)) if name not in binds else line  # a closure that reads it first
    for name, line in nested.items():
        if name not in found and name not in declared and name not in _IMPLICIT and not _is_dunder(name) and never_bound(name):
            found[name] = line
    return {name: int(line) for name, line in sorted(found.items(), key=lambda item: item[1])}


def _is_dunder(name: str) -> bool:
    """A module's own attribute (`__file__`, `__path__`, `__builtins__`): bound by the import system, not by any line."""
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def _first_lines(tree: ast.AST) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """The first line each name is read on in the function's own code, the first it is read on inside a
    function or lambda nested in it, and the first it is bound on (an update is a read, not a binding;
    parameters, definitions and imports bind on line 0: before any read; `:=`, `for` and `with` targets
    half a line early: before the reads of their own line)."""
    reads: dict[str, float] = {}
    nested: dict[str, float] = {}
    binds: dict[str, float] = {}
    comprehension_own = _comprehension_variables(tree)
    updated = {id(node.target) for node in ast.walk(tree) if isinstance(node, ast.AugAssign)}
    # Bound before the rest of their line runs: `:=`, a `for`'s target (`for i in r: xs[i] = 0`), a `with`'s
    # (`with m as view, view.cast("B") as b:`).
    early = {id(name) for node in ast.walk(tree) for target in _early_targets(node) for name in ast.walk(target)}
    top = tree.body[0] if isinstance(tree, ast.Module) and tree.body and isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)) else tree
    inner = {id(node) for scope in ast.walk(top) if scope is not top and isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
             for part in (scope.body if isinstance(scope.body, list) else [scope.body]) for node in ast.walk(part)}

    def first(table: dict[str, float], name: str, line: float) -> None:
        table[name] = min(table.get(name, line), line)

    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and id(node) not in comprehension_own:
            if isinstance(node.ctx, ast.Load) or id(node) in updated:
                first(nested if id(node) in inner else reads, node.id, node.lineno)
            else:
                first(binds, node.id, node.lineno - 0.5 if id(node) in early else node.lineno)
        for name in _defined(node):
            first(binds, name, 0)
    return reads, nested, binds


def _early_targets(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.NamedExpr):
        return [node.target]
    if isinstance(node, (ast.For, ast.AsyncFor)):
        return [node.target]
    if isinstance(node, ast.withitem) and node.optional_vars is not None:
        return [node.optional_vars]
    return []


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
    if isinstance(node, ast.MatchMapping) and node.rest:
        return [node.rest]
    return []


def module_names(module: str) -> set[str] | None:
    """The names a module binds at its top level (where a function finds its globals); None when they
    cannot be told: it does not parse, or it imports `*`."""
    try:
        return _top_level_names(ast.parse(module))
    except (SyntaxError, ValueError):
        return None


def _top_level_names(tree: ast.Module) -> set[str] | None:
    # Anywhere, not only in the module's own statements: `try: from tkinter import *` (idlelib's pyshell).
    if any(isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names) for node in ast.walk(tree)):
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


def new_unbound_reads(code: str, patched: str, module: str | None, line: int = 0) -> set[str]:
    """The names a function's `patched` version reads that nothing binds (not it, not its module, not the
    builtins) and its `code` did not read: a beam's `taken + 1` for `take + 1`, a NameError wherever it
    runs. `module` and `line` as for `binding_fixes`; empty when the module's names cannot be told."""
    if set(_IDENTIFIER.findall(patched)) <= set(_IDENTIFIER.findall(code)):
        return set()  # no name it did not have: most candidates, read without parsing either (a long function's took 23 ms)
    known = known_names(module, line)
    if known is None:
        return set()
    return _bound_nowhere(patched, known) - _bound_nowhere(code, known)


_IDENTIFIER = re.compile(r"[^\W\d]\w*")


def _bound_nowhere(code: str, known: set[str]) -> set[str]:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return set()
    if not (tree.body and isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef))):
        return set()
    binds = _first_lines(tree)[2]
    return {name for name in unbound_names(tree, known) if name not in binds}


# The standard library's names most often imported from their module rather than read through it: a
# NameError on one of them is a `from` import gone (`Counter` without `from collections import Counter`).
FROM_IMPORTS = {name: module for module, names in (
    ("collections", "defaultdict Counter OrderedDict deque namedtuple ChainMap"),
    ("dataclasses", "dataclass field asdict replace"),
    ("pathlib", "Path PurePath"),
    ("functools", "partial reduce lru_cache wraps cache cached_property total_ordering"),
    ("itertools", "chain groupby islice product permutations combinations accumulate zip_longest"),
    ("typing", "Any Optional List Dict Tuple Set Iterable Iterator Callable Union Sequence Mapping"),
    ("math", "sqrt floor ceil inf pi isclose gcd"),
    ("heapq", "heappush heappop heapify"),
    ("bisect", "bisect_left bisect_right insort"),
    ("copy", "deepcopy"),
    ("datetime", "datetime date timedelta timezone"),
    ("enum", "Enum IntEnum auto"),
    ("contextlib", "contextmanager suppress"),
    ("pprint", "pprint"),
) for name in names.split()}


def import_fixes(module: str, name: str) -> list[tuple[str, int, str]]:
    """(`module` with an import of `name` added, the line it went on, the import) for a name the module reads and
    nothing binds that the standard library has: `import json` for a module's name read through attributes it has,
    `from collections import Counter` for one of FROM_IMPORTS called, read through its attributes or as a type
    (both for `datetime`; the tests tell which). The import goes after the module's last top-level import before
    its first definition, else after its docstring and `__future__` imports, else after its first comment lines
    (`#!`, a coding line), with the line ending of the line above. [] when the module binds the name or never
    reads it, cannot tell its names (`import *`), or does not parse; never `this` or `antigravity`."""
    try:
        tree = ast.parse(module)
    except (SyntaxError, ValueError):
        return []
    names = _top_level_names(tree)
    if names is None or name in names or name in _BUILTINS or name in _SIDE_EFFECTS:
        return []
    uses, attributes = _uses(tree, name)
    statements = []
    if name in sys.stdlib_module_names and uses == {"attribute"} and _has(name, None, attributes):
        statements.append(f"import {name}")  # not for a deleted `string = text.strip()`: `string.upper` is no module's
    allowed = {"attribute", "called", "type"} | ({"value"} if name in _CONSTANTS else set())
    if name in FROM_IMPORTS and uses and uses <= allowed and _has(FROM_IMPORTS[name], name, attributes):
        statements.append(f"from {FROM_IMPORTS[name]} import {name}")
    lines = source_lines(module)
    after = _import_line(tree) or next((k for k, line in enumerate(lines) if not line.startswith("#")), len(lines))
    ending = "\r\n" if lines and lines[max(after - 1, 0)].endswith("\r\n") else "\n"
    if lines and not lines[-1].endswith("\n") and after >= len(lines):
        lines[-1] += ending
    return [("".join(lines[:after]) + statement + ending + "".join(lines[after:]), after + 1, statement) for statement in statements]


_SIDE_EFFECTS = frozenset({"this", "antigravity"})  # standard modules whose import prints or opens a browser
_CONSTANTS = frozenset({"pi", "inf"})  # names of FROM_IMPORTS read as values (`2 * pi * r`)


def _has(module: str, name: str | None, attributes: set[str]) -> bool:
    """Whether the standard `module` (its `name`, when given) has every one of `attributes`; imported to
    tell (quietly: nothing it prints shows), False when it cannot be."""
    import contextlib
    import importlib
    import io

    if not attributes:
        return True
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            found = importlib.import_module(module)
        found = getattr(found, name) if name else found
    except Exception:  # noqa: BLE001 - any failure to import means: do not offer it
        return False
    return all(hasattr(found, attribute) for attribute in attributes)


def _uses(tree: ast.AST, name: str) -> tuple[set[str], set[str]]:
    """How `tree` reads `name`, and the attributes it reads of it: "attribute" (`json.dumps`), "called"
    (`Counter(xs)`, a decorator), "type" (in an annotation, `-> Optional[int]`, or a base class), "value" (anything
    else: `product[i] += x`, `return rows`, a deleted variable's reads, not an import's), or "bound"."""
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    decorators = {id(d) for node in ast.walk(tree) for d in getattr(node, "decorator_list", [])}
    types = {id(node) for scope in ast.walk(tree) for part in _type_parts(scope) for node in ast.walk(part)}
    uses, attributes = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == name:
            parent = parents.get(id(node))
            if not isinstance(node.ctx, ast.Load):
                uses.add("bound")
            elif isinstance(parent, ast.Attribute):
                uses.add("attribute")
                attributes.add(parent.attr)
            elif (isinstance(parent, ast.Call) and parent.func is node) or id(node) in decorators:
                uses.add("called")
            elif id(node) in types:  # not any subscript: `product[i] = 0` is a deleted list's
                uses.add("type")
            else:
                uses.add("value")
    return uses, attributes


def _type_parts(node: ast.AST) -> list[ast.AST]:
    """The parts of `node` that name types: annotations, a return annotation, a class's bases."""
    if isinstance(node, ast.arg) and node.annotation is not None:
        return [node.annotation]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
        return [node.returns]
    if isinstance(node, ast.AnnAssign):
        return [node.annotation]
    if isinstance(node, ast.ClassDef):
        return list(node.bases)
    return []


def _import_line(tree: ast.Module) -> int:
    """The line after which a new import goes: the module's last top-level import before its first definition,
    else its docstring's last line; 0 when it has neither."""
    last = 0
    for k, statement in enumerate(tree.body):
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            last = statement.end_lineno or statement.lineno
        elif k == 0 and isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str):
            last = statement.end_lineno or statement.lineno  # the docstring
        elif isinstance(statement, (*_SCOPES, ast.If, ast.Try)) or last:
            break
    return last


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
    it, innermost first: where a binding read on `line` could be inserted. A decorated definition starts
    at its first decorator. `tree` without a function first: module-level code (`corpus.module_code`),
    whose statements are the top-level ones."""
    found = []
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)) else tree.body
    while body:
        holding = [statement for statement in body if _start(statement) <= line <= statement.end_lineno]
        if not holding:
            break
        statement = holding[0]
        found.append((_start(statement), statement.col_offset))
        body = next((block for block in _blocks(statement) if any(_start(s) <= line <= s.end_lineno for s in block)), [])
    return found[::-1]


def _start(statement: ast.stmt) -> int:
    """The first line of `statement`, its decorators' included."""
    return min([statement.lineno] + [decorator.lineno for decorator in getattr(statement, "decorator_list", [])])


def _blocks(statement: ast.stmt) -> list[list[ast.stmt]]:
    blocks = [getattr(statement, name, None) for name in ("body", "orelse", "finalbody")]
    blocks += [handler.body for handler in getattr(statement, "handlers", [])]
    blocks += [case.body for case in getattr(statement, "cases", [])]
    return [block for block in blocks if isinstance(block, list) and block and isinstance(block[0], ast.stmt)]
