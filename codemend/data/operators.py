r"""Single-hunk bug-injection operators on Python functions, built on tree-sitter.

    import random
    from codemend.data.operators import OPERATORS, candidate_fixes, inject, mutate
    src = "def f(xs):\n    return len(xs) - 1\n"
    buggy = mutate(src, "swap_binary_operator", random.Random(0))  # '...return len(xs) + 1\n'
    inject(src, random.Random(0), k=3)     # [(buggy_source, operator_name), ...] from 3 operators
    candidate_fixes(buggy, lines={2})      # repair search space on line 2; contains `src`

Every operator is a pure `sites(tree, source) -> list[Edit]` listing, in source order, every edit of
its kind. An edit changes bytes inside one line, or deletes exactly one whole line, so that every
buggy/fixed pair is a single hunk that keeps its indentation (the repair space's MISTAKE_TEMPLATES, tried
by tests only, are the exception: they may swap or join whole statements). Strings, comments, decorators,
parameter lists, annotations and imports are never edited (but for `none_default`, a mistake template, which
turns a list, dict or set default value into None and a check).

Operators whose `invertible` flag is set are closed under their own rewrite (`<` -> `<=` -> `<`), so
running them over buggy code enumerates the fix too: `candidate_fixes` is that search space.

Speed matters because the data build mutates ~100k functions: a tree is walked once into an
`_Index` (nodes grouped by type) that every operator shares, so listing the sites of all operators
costs one walk plus a few list scans.
"""

from __future__ import annotations

import ast
import bisect
import contextvars
import functools
import keyword
import logging
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Collection, Iterable, Iterator, Sequence

from codemend.data.parsing import has_error, node_text, parse

if TYPE_CHECKING:
    from tree_sitter import Node

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Edit:
    """Replace `source[start_byte:end_byte]` with `replacement`."""

    start_byte: int
    end_byte: int
    replacement: bytes


@dataclass(frozen=True)
class Operator:
    name: str
    """snake_case identifier, the key in `OPERATORS` and the label stored with each sample."""
    bug_class: str
    """Human-readable defect class, named as in the taxonomy it comes from."""
    family: str
    """Taxonomy the operator mainly covers: "quixbugs", "tssb", "buglab" or "runtime"."""
    sites: Callable[[Any, bytes], list[Edit]]
    """(tree, source_bytes) -> every edit of this kind, in source order."""
    invertible: bool
    """True when the operator's own sites on the buggy code can give the original back."""


OPERATORS: dict[str, Operator] = {}

# Drop reasons counted by `inject`.
NO_SITE, UNPARSABLE, NOOP, DUPLICATE = "no_site", "unparsable", "noop", "duplicate"


# ----------------------------------------------------------------------------------------------
# The shared index


# Subtrees no operator may edit: their text is data (strings), metadata (annotations, decorators),
# or the function's interface (parameters, imports), and mutating them makes unrealistic bugs.
_NO_DESCEND = frozenset(
    {
        "string",
        "concatenated_string",
        "comment",
        "decorator",
        "parameters",
        "lambda_parameters",
        "type",
        "import_statement",
        "import_from_statement",
        "future_import_statement",
        "global_statement",
        "nonlocal_statement",
        "ERROR",
    }
)

# Expressions that bind tighter than any operator, so they can be moved anywhere without parens.
_ATOMS = frozenset(
    {
        "identifier",
        "attribute",
        "subscript",
        "call",
        "integer",
        "float",
        "string",
        "concatenated_string",
        "true",
        "false",
        "none",
        "list",
        "tuple",
        "dictionary",
        "set",
        "parenthesized_expression",
        "list_comprehension",
        "dictionary_comprehension",
        "set_comprehension",
        "generator_expression",
        "ellipsis",
    }
)


class _Index:
    """One pre-order walk of a tree: nodes grouped by type, line offsets and scope facts."""

    def __init__(self, tree: Any, source: bytes, fstrings: bool = False) -> None:
        self.source, self.fstrings = source, fstrings
        self.by_type: dict[str, list[Node]] = defaultdict(list)
        cursor = tree.walk()
        parts: set[int] = set()  # the strings of a concatenation walked into: not sites of their own
        # A cursor walk is ~3x faster than recursing through `node.children`.
        while True:
            node = cursor.node
            kind = node.type
            if not (parts and node.id in parts):
                self.by_type[kind].append(node)  # strings are sites too (wrapped whole), never their insides...
            # ... but for an f-string's `{expressions}` in the repair space (`f"{count - 1} items"`: its fix is there),
            # also one of a concatenation (`"total: " f"{n - 1}"`)
            inside = kind not in _NO_DESCEND or (fstrings and (
                (kind == "string" and _has_interpolation(node))
                or (kind == "concatenated_string" and any(part.type == "string" and _has_interpolation(part) for part in node.children))))
            if inside and kind == "concatenated_string":
                parts.update(part.id for part in node.children)
            if inside and cursor.goto_first_child():
                continue
            while not cursor.goto_next_sibling():
                if not cursor.goto_parent():
                    return

    def nodes(self, *kinds: str) -> list[Node]:
        if len(kinds) == 1:
            return self.by_type.get(kinds[0], [])
        return [node for kind in kinds for node in self.by_type.get(kind, [])]

    def text(self, node: Node) -> bytes:
        return self.source[node.start_byte : node.end_byte]

    @cached_property
    def line_starts(self) -> list[int]:
        return [0] + [match.end() for match in re.finditer(b"\n", self.source)]

    def line_of(self, byte: int) -> int:
        """1-based line number of a byte offset."""
        return bisect.bisect_right(self.line_starts, byte)

    @cached_property
    def _scopes(self) -> list[Node]:
        return sorted(
            self.nodes("function_definition", "class_definition"), key=lambda n: n.start_byte
        )

    def scope_of(self, node: Node) -> Node | None:
        """Innermost function or class definition around `node` (None at module level)."""
        byte, innermost = node.start_byte, None
        for scope in self._scopes:
            if scope.start_byte > byte:
                break
            if byte < scope.end_byte:
                innermost = scope
        return innermost

    @cached_property
    def bindings(self) -> dict[int, list[tuple[int, bytes]]]:
        """Function start byte -> [(row after which the name is bound, name)], first binding only."""
        return _collect_bindings(self)

    def names_before(self, node: Node) -> list[bytes]:
        """Local names of the function around `node` bound on a line before `node`'s line."""
        scope = self.scope_of(node)
        if scope is None or scope.type != "function_definition":
            return []
        row = node.start_point[0]
        return [name for bound_row, name in self.bindings.get(scope.start_byte, []) if bound_row < row]


_last_index: tuple[Any, bytes | None, _Index | None] = (None, None, None)


# Whether operators list sites inside f-strings' expressions: the repair space does (candidate_fixes), the
# injection of bugs into the data does not (the shipped data and model were made without; the datasets
# built since stay the same).
_FSTRINGS: contextvars.ContextVar[bool] = contextvars.ContextVar("codemend_fstrings", default=False)


def _has_interpolation(node: Node) -> bool:
    """An f-string with `{expressions}`, none that tree-sitter reads as a walrus: `{x:=10}` is `x` with the format
    spec `=10` (a walrus needs parentheses there), and editing `10` would change the spec's text."""
    fields = [child for child in node.children if child.type == "interpolation"]
    return bool(fields) and not any(part.type == "named_expression" for field in fields for part in field.named_children)


def _index(tree: Any, source: bytes) -> _Index:
    # Callers list the sites of many operators on one tree; remember the last index so the
    # walk happens once. The tuple is replaced whole, so a concurrent reader sees a consistent one.
    global _last_index
    fstrings = _FSTRINGS.get()
    cached_tree, cached_source, cached = _last_index
    if cached is not None and cached_tree is tree and cached_source == source and cached.fstrings == fstrings:
        return cached
    index = _Index(tree, source, fstrings)
    _last_index = (tree, source, index)
    return index


# ----------------------------------------------------------------------------------------------
# Small helpers shared by the operators


def _named(node: Node) -> list[Node]:
    return [child for child in node.named_children if child.type != "comment"]


def _replace(node: Node, replacement: bytes) -> Edit:
    return Edit(node.start_byte, node.end_byte, replacement)


def _as_operand(ix: _Index, node: Node) -> bytes:
    """Text of `node`, parenthesised unless it is an atom."""
    text = ix.text(node)
    return text if node.type in _ATOMS else b"(" + text + b")"


def _symmetric(pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """Swap table from pairs, both directions, so that every rewrite can be undone by the same table."""
    table: dict[str, list[str]] = defaultdict(list)
    for left, right in pairs:
        table[left].append(right)
        table[right].append(left)
    return {key: tuple(values) for key, values in table.items()}


def _call_name(ix: _Index, call: Node) -> bytes | None:
    function = call.child_by_field_name("function")
    return ix.text(function) if function is not None and function.type == "identifier" else None


def _call_args(call: Node) -> list[Node] | None:
    """Arguments of a call written with an argument list (None for `f(x for x in y)`)."""
    arguments = call.child_by_field_name("arguments")
    if arguments is None or arguments.type != "argument_list":
        return None
    return _named(arguments)


def _is_positional(arg: Node) -> bool:
    return arg.type not in ("keyword_argument", "list_splat", "dictionary_splat", "parenthesized_list_splat")


def _is_head(node: Node) -> bool:
    """`xs` of `xs.append`, `f` of `f(x)`, `xs` of `xs[i]`: the whole is the value, not this part."""
    parent = node.parent
    return parent is not None and parent.type in ("attribute", "call", "subscript") and parent.start_byte == node.start_byte


def _is_call_function(node: Node) -> bool:
    parent = node.parent
    return parent is not None and parent.type == "call" and parent.start_byte == node.start_byte


def _line_deletion(ix: _Index, statement: Node) -> Edit | None:
    """Delete the whole line holding `statement`, when that leaves valid, same-shaped code."""
    row = statement.start_point[0]
    if statement.end_point[0] != row:
        return None
    parent = statement.parent
    # The only statement of a block cannot go: the block would be empty.
    if parent is None or parent.type not in ("block", "module") or len(_named(parent)) < 2:
        return None
    starts, source = ix.line_starts, ix.source
    line_start = starts[row]
    line_end = starts[row + 1] if row + 1 < len(starts) else len(source)
    if source[line_start : statement.start_byte].strip():
        return None  # shares its line with a header (`if x: y`) or a previous statement
    rest = source[statement.end_byte : line_end].strip()
    if rest and not rest.startswith(b"#"):
        return None  # `a = 1; b = 2`
    return Edit(line_start, line_end, b"")


def _slice_bounds(node: Node) -> list[Node | None]:
    """[start, stop, step] of a slice node; missing bounds are None."""
    parts: list[list[Node]] = [[]]
    for child in node.children:
        if child.type == ":":
            parts.append([])
        elif child.type != "comment":
            parts[-1].append(child)
    return [part[0] if part else None for part in parts]


def _is_string(node: Node) -> bool:
    return node.type in ("string", "concatenated_string")


# ----------------------------------------------------------------------------------------------
# Scope facts for the variable operators

_TARGET_CONTAINERS = frozenset({"pattern_list", "tuple_pattern", "list_pattern", "list_splat_pattern"})


def _target_names(node: Node | None) -> Iterator[bytes]:
    if node is None:
        return
    if node.type == "identifier":
        yield node.text
    elif node.type in _TARGET_CONTAINERS or node.type == "as_pattern_target":
        for child in node.named_children:
            yield from _target_names(child)


def _parameter_names(parameters: Node | None) -> Iterator[bytes]:
    for param in _named(parameters) if parameters is not None else []:
        if param.type == "identifier":
            yield param.text
        elif param.type in ("default_parameter", "typed_default_parameter"):
            yield from _target_names(param.child_by_field_name("name"))
        elif param.type in ("typed_parameter", "list_splat_pattern", "dictionary_splat_pattern"):
            inner = _named(param)
            if inner and inner[0].type in ("list_splat_pattern", "dictionary_splat_pattern"):
                inner = _named(inner[0])
            if inner and inner[0].type == "identifier":
                yield inner[0].text


def _binding_sites(ix: _Index) -> Iterator[tuple[Node, int, Iterable[bytes]]]:
    """(node whose scope binds, row after which bound, names) for every local binding."""
    for node in ix.nodes("function_definition"):
        params = node.child_by_field_name("parameters")
        if params is not None:
            yield node.child_by_field_name("body") or node, params.end_point[0], _parameter_names(params)
    for node in ix.nodes("assignment", "augmented_assignment"):
        yield node, node.end_point[0], _target_names(node.child_by_field_name("left"))
    for node in ix.nodes("for_statement"):
        left = node.child_by_field_name("left")
        if left is not None:
            yield node, left.end_point[0], _target_names(left)
    for node in ix.nodes("named_expression"):
        yield node, node.end_point[0], _target_names(node.child_by_field_name("name"))
    for node in ix.nodes("as_pattern_target"):
        # `except E as e` unbinds e after the handler, so only `with ... as x` counts.
        clause = node.parent.parent if node.parent is not None else None
        if clause is not None and clause.type != "except_clause":
            yield node, node.end_point[0], _target_names(node)


def _collect_bindings(ix: _Index) -> dict[int, list[tuple[int, bytes]]]:
    first: dict[int, dict[bytes, int]] = defaultdict(dict)
    for node, row, names in _binding_sites(ix):
        scope = ix.scope_of(node)
        if scope is None or scope.type != "function_definition":
            continue
        seen = first[scope.start_byte]
        for name in names:
            if name not in seen or row < seen[name]:
                seen[name] = row
    # Names that only make sense as themselves are never offered as a replacement.
    return {
        start: sorted(((row, name) for name, row in names.items() if name not in (b"self", b"cls", b"_")))
        for start, names in first.items()
    }


# Parents under which an identifier is not a variable read: definitions, keyword names, attribute
# names, binding targets and match patterns.
_NOT_A_USE = frozenset(
    {
        "function_definition",
        "class_definition",
        "dotted_name",
        "aliased_import",
        "as_pattern_target",
        "case_pattern",
        "class_pattern",
        "keyword_pattern",
        "splat_pattern",
        "pattern_list",
        "tuple_pattern",
        "list_pattern",
        "list_splat_pattern",
        "dictionary_splat_pattern",
        "call",
    }
)


def _variable_uses(ix: _Index) -> Iterator[Node]:
    """Identifiers that read a variable (not called names, attribute or keyword names, targets)."""
    except_spans = [
        (value.start_byte, value.end_byte)
        for clause in ix.nodes("except_clause")
        if (value := clause.child_by_field_name("value")) is not None
    ]
    for node in ix.nodes("identifier"):
        parent = node.parent
        if parent is None or parent.type in _NOT_A_USE:
            continue
        kind, starts_parent = parent.type, parent.start_byte == node.start_byte
        if kind == "attribute" and not starts_parent:
            continue  # `obj.NAME`
        if kind in ("keyword_argument", "assignment", "named_expression") and starts_parent:
            continue  # `NAME=value`, `NAME = ...`, `(NAME := ...)`
        if kind in ("for_statement", "for_in_clause") and parent.child_by_field_name("left") == node:
            continue
        if any(start <= node.start_byte < end for start, end in except_spans):
            continue
        yield node


# ----------------------------------------------------------------------------------------------
# Operator tables

_COMPARISON_SWAPS = {
    "<": ("<=", ">"),
    "<=": ("<", ">="),
    ">": (">=", "<"),
    ">=": (">", "<="),
    "==": ("!=",),
    "!=": ("==",),
    "is": ("is not",),
    "is not": ("is",),
    "in": ("not in",),
    "not in": ("in",),
}

_BINARY_SWAPS = _symmetric(
    [("+", "-"), ("*", "/"), ("*", "//"), ("/", "//"), ("//", "%"), ("**", "*"),
     ("<<", ">>"), ("&", "|"), ("&", "^"), ("|", "^")]
)
_AUGMENTED_SWAPS = {op + "=": tuple(alt + "=" for alt in alts) for op, alts in _BINARY_SWAPS.items()}
# `x = y` becomes one of these; each of them goes back to `=`.
_PLAIN_TO_AUGMENTED = ("+=", "-=", "*=")

_NONCOMMUTATIVE_BINARY = frozenset({"-", "/", "//", "%", "**", "<<", ">>"})
_ORDERED_COMPARISONS = frozenset({"<", "<=", ">", ">=", "in", "not in"})
_ARITHMETIC = frozenset({"+", "-", "*", "/", "//", "%", "**"})

_METHOD_SWAPS = _symmetric(
    [
        ("append", "extend"), ("append", "appendleft"), ("pop", "popleft"), ("pop", "remove"),
        ("get", "setdefault"), ("get", "pop"), ("keys", "values"), ("keys", "items"), ("values", "items"),
        ("startswith", "endswith"), ("lower", "upper"), ("index", "find"), ("rindex", "rfind"),
        ("find", "rfind"), ("index", "rindex"), ("strip", "lstrip"), ("strip", "rstrip"),
        ("lstrip", "rstrip"), ("split", "rsplit"), ("remove", "discard"), ("add", "update"),
        ("sort", "reverse"), ("isdigit", "isalpha"), ("isdigit", "isnumeric"), ("isalpha", "isalnum"),
        ("read", "readline"), ("readline", "readlines"), ("write", "writelines"), ("encode", "decode"),
        ("union", "intersection"), ("intersection", "difference"), ("union", "difference"),
        ("difference", "symmetric_difference"), ("issubset", "issuperset"), ("copy", "deepcopy"),
        ("search", "match"), ("match", "fullmatch"), ("findall", "finditer"), ("isfile", "isdir"),
        ("exists", "isfile"), ("dirname", "basename"),
    ]
)

_FUNCTION_SWAPS = _symmetric(
    [
        ("min", "max"), ("len", "sum"), ("len", "max"), ("len", "min"), ("sum", "max"), ("any", "all"),
        ("sorted", "reversed"), ("sorted", "list"), ("isinstance", "issubclass"), ("int", "float"),
        ("int", "round"), ("list", "tuple"), ("list", "set"), ("set", "frozenset"), ("str", "repr"),
        ("map", "filter"), ("getattr", "hasattr"), ("chr", "ord"), ("hex", "oct"), ("bin", "hex"),
    ]
)

# Builtins whose single argument is often what the code needed, or what it forgot to convert.
_DROPPABLE_CALLS = frozenset(
    {"abs", "bool", "dict", "float", "frozenset", "int", "iter", "len", "list", "max", "min",
     "repr", "reversed", "round", "set", "sorted", "str", "sum", "tuple"}
)
# Builtins that, called on their own result, give it back or raise (`len(len(xs))`): never a fix.
_NO_DOUBLE_CALLS = frozenset({"abs", "bool", "dict", "float", "frozenset", "int", "iter", "len", "list", "round", "set",
                              "sorted", "str", "tuple"})
# Swapping the arguments of these does not change the result, so it would not be a bug.
_SYMMETRIC_CALLS = frozenset({"max", "min", "set", "frozenset"})

_EXCEPTION_SWAPS = _symmetric(
    [
        ("KeyError", "IndexError"), ("KeyError", "AttributeError"), ("KeyError", "ValueError"),
        ("IndexError", "ValueError"), ("IndexError", "StopIteration"), ("ValueError", "TypeError"),
        ("TypeError", "AttributeError"), ("Exception", "ValueError"), ("OSError", "ValueError"),
        ("FileNotFoundError", "PermissionError"), ("FileNotFoundError", "OSError"),
        ("ImportError", "AttributeError"), ("ZeroDivisionError", "ValueError"),
        ("ZeroDivisionError", "ArithmeticError"), ("UnicodeDecodeError", "UnicodeEncodeError"),
        ("OverflowError", "ValueError"), ("RuntimeError", "ValueError"), ("AssertionError", "ValueError"),
        ("LookupError", "ValueError"), ("EOFError", "StopIteration"),
    ]
)

_PLUS_ONE_NEEDS_PARENS = frozenset(
    {"boolean_operator", "not_operator", "comparison_operator", "conditional_expression", "lambda",
     "named_expression"}
)
_LOOSE_BINARY = frozenset({"<<", ">>", "&", "|", "^"})
_FLAG_TYPES = frozenset({"comparison_operator", "boolean_operator", "not_operator", "true", "false", "none"})
_NOT_NEEDS_PARENS = frozenset({"boolean_operator", "conditional_expression", "lambda", "named_expression"})


# ----------------------------------------------------------------------------------------------
# Operators


def _register(name: str, bug_class: str, family: str, invertible: bool) -> Callable:
    def decorate(raw: Callable[[_Index], Iterable[Edit]]) -> Callable[[_Index], Iterable[Edit]]:
        OPERATORS[name] = Operator(name, bug_class, family, _public_sites(raw), invertible)
        return raw

    return decorate


def _public_sites(raw: Callable[[_Index], Iterable[Edit]], multiline: bool = False) -> Callable[[Any, bytes], list[Edit]]:
    """(tree, source) -> `raw`'s distinct edits in source order, each a single hunk (`multiline`: any edit
    that changes something, for the mistake templates that swap or join statements: tried by tests
    only, never scored as a one-line edit by the model)."""
    def sites(tree: Any, source: bytes) -> list[Edit]:
        keep = _changes if multiline else _is_single_hunk
        edits = dict.fromkeys(e for e in raw(_index(tree, source)) if keep(e, source))
        return sorted(edits, key=lambda e: (e.start_byte, e.end_byte))

    named = getattr(raw, "func", raw)  # a functools.partial names and documents its function
    sites.__name__ = sites.__qualname__ = named.__name__.lstrip("_")
    sites.__doc__ = named.__doc__
    return sites


def _changes(edit: Edit, source: bytes) -> bool:
    return source[edit.start_byte : edit.end_byte] != edit.replacement


def _is_single_hunk(edit: Edit, source: bytes) -> bool:
    """Changes bytes inside one line, deletes exactly one whole line, or inserts one after a line's
    end; never a no-op."""
    old = source[edit.start_byte : edit.end_byte]
    if old == b"" and edit.replacement.startswith(b"\n") and edit.replacement.count(b"\n") == 1:
        return source[edit.start_byte : edit.start_byte + 1] in (b"\n", b"")
    if old == edit.replacement or b"\n" in edit.replacement:
        return False
    if b"\n" not in old:
        return True
    at_line_start = edit.start_byte == 0 or source[edit.start_byte - 1 : edit.start_byte] == b"\n"
    return edit.replacement == b"" and at_line_start and old.count(b"\n") == 1 and old.endswith(b"\n")


@_register("swap_comparison", "incorrect comparison operator", "quixbugs", invertible=True)
def _swap_comparison(ix: _Index) -> Iterator[Edit]:
    """`<`<->`<=`, `<`<->`>`, `==`<->`!=`, `is`<->`is not`, `in`<->`not in`."""
    for node in ix.nodes("comparison_operator"):
        for child in node.children:
            for alternative in _COMPARISON_SWAPS.get(child.type, ()) if not child.is_named else ():
                yield _replace(child, alternative.encode())


@_register("swap_binary_operator", "incorrect binary operator", "buglab", invertible=True)
def _swap_binary_operator(ix: _Index) -> Iterator[Edit]:
    """`+`<->`-`, `*`<->`/`<->`//`<->`%`, `**`<->`*`, `<<`<->`>>`, `&`<->`|`<->`^` (not on strings)."""
    for node in ix.nodes("binary_operator"):
        left, op, right = (node.child_by_field_name(f) for f in ("left", "operator", "right"))
        if op is None or _is_string(left) or _is_string(right):
            continue  # string `+` and `%` formatting are not arithmetic
        for alternative in _BINARY_SWAPS.get(op.type, ()):
            yield _replace(op, alternative.encode())


@_register("swap_boolean_operator", "incorrect boolean operator", "buglab", invertible=True)
def _swap_boolean_operator(ix: _Index) -> Iterator[Edit]:
    """`and`<->`or`."""
    for node in ix.nodes("boolean_operator"):
        op = node.child_by_field_name("operator")
        if op is not None:
            yield _replace(op, b"or" if op.type == "and" else b"and")


@_register("swap_assignment_operator", "incorrect assignment operator", "quixbugs", invertible=True)
def _swap_assignment_operator(ix: _Index) -> Iterator[Edit]:
    """`+=`<->`-=`, `*=`<->`/=`<->`//=`, `|=`<->`&=` ... (the binary swaps, augmented)."""
    for node in ix.nodes("augmented_assignment"):
        op = node.child_by_field_name("operator")
        for alternative in _AUGMENTED_SWAPS.get(op.type, ()) if op is not None else ():
            yield _replace(op, alternative.encode())


@_register(
    "toggle_augmented_assignment", "augmented assignment instead of plain assignment", "buglab", invertible=True
)
def _toggle_augmented_assignment(ix: _Index, repair: bool = False) -> Iterator[Edit]:
    """`x += y` -> `x = y`, and `x = y` -> `x += y` / `x -= y` / `x *= y` (`repair`: not `x += 0` nor
    `x *= 1`, a line that does nothing, as no one would write it)."""
    for node in ix.nodes("augmented_assignment"):
        op = node.child_by_field_name("operator")
        if op is not None:
            yield _replace(op, b"=")
    for node in ix.nodes("assignment"):
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if node.child_by_field_name("type") is not None or right is None or right.type == "assignment":
            continue
        if left is None or left.type not in ("identifier", "attribute", "subscript"):
            continue  # tuple targets cannot be augmented
        if node.parent is None or node.parent.type != "expression_statement":
            continue  # the inner `b = c` of `a = b = c`
        equals = next((c for c in node.children if c.type == "="), None)
        for alternative in _PLAIN_TO_AUGMENTED if equals is not None else ():
            if not (repair and ix.text(right) == _IDENTITIES[alternative]):
                yield _replace(equals, alternative.encode())


_IDENTITIES = {"+=": b"0", "-=": b"0", "*=": b"1"}


@_register("incorrect_variable", "incorrect variable", "quixbugs", invertible=True)
def _incorrect_variable(ix: _Index) -> Iterator[Edit]:
    """Replace a read of a local with another local of the same function bound on an earlier line.

    Only locals are replaced (not globals, builtins or `self`), which keeps the operator closed:
    the original name is always among the candidates for repairing the buggy one.
    """
    for node in _variable_uses(ix):
        name, names = ix.text(node), ix.names_before(node)
        if name not in names:
            continue
        for other in names:
            if other != name:
                yield _replace(node, other)


@_register("swap_operands", "variable swap", "quixbugs", invertible=True)
def _swap_operands(ix: _Index) -> Iterator[Edit]:
    """`a - b` -> `b - a`, `i < n` -> `n < i`, for non-commutative operators only."""
    for node in ix.nodes("binary_operator", "comparison_operator"):
        operands = _named(node)
        if len(operands) != 2 or any(_is_string(o) for o in operands):
            continue
        ops = [c.type for c in node.children if not c.is_named]
        if len(ops) != 1 or ops[0] not in (_NONCOMMUTATIVE_BINARY | _ORDERED_COMPARISONS):
            continue
        left, right = operands
        middle = ix.source[left.end_byte : right.start_byte]
        if node.type == "binary_operator":
            # `a - b - c` is `(a - b) - c`: moved operands keep their grouping with parens.
            swapped = _as_operand(ix, right) + middle + _as_operand(ix, left)
            yield Edit(left.start_byte, right.end_byte, swapped)
        else:
            yield Edit(left.start_byte, right.end_byte, ix.text(right) + middle + ix.text(left))


@_register("swap_arguments", "swap arguments", "tssb", invertible=True)
def _swap_arguments(ix: _Index) -> Iterator[Edit]:
    """`f(a, b)` -> `f(b, a)` for two neighbouring positional arguments."""
    for call in ix.nodes("call"):
        args = _call_args(call)
        if not args or len(args) < 2 or _call_name(ix, call) in _SYMMETRIC_CALLS:
            continue
        for first, second in zip(args, args[1:]):
            if _is_positional(first) and _is_positional(second):
                middle = ix.source[first.end_byte : second.start_byte]
                yield Edit(first.start_byte, second.end_byte, ix.text(second) + middle + ix.text(first))


@_register("off_by_one_literal", "off-by-one integer literal", "quixbugs", invertible=True)
def _off_by_one_literal(ix: _Index) -> Iterator[Edit]:
    """Integer literal `n` -> `n + 1` / `n - 1` (keyword values belong to `change_keyword_value`)."""
    for node, value in _plain_int_literals(ix):
        yield from _plus_minus_one(node, value)


def _plain_int_literals(ix: _Index) -> Iterator[tuple[Node, int]]:
    for node in ix.nodes("integer"):
        text = ix.text(node)
        if text.isdigit() and (node.parent is None or node.parent.type != "keyword_argument"):
            yield node, int(text)


def _repair_literals(ix: _Index) -> Iterator[Edit]:
    """`off_by_one_literal`'s sites less `e + 1` / `e - 1` -> `e + 0` / `e - 0`: `toggle_plus_one` offers `e`,
    the same fix, and a fix that adds zero is not one a person would write. `k += 1` -> `k += 0` is offered
    as what it means: the line deleted."""
    for node, value in _plain_int_literals(ix):
        if value == 1 and _is_identity_operand(node):
            yield _replace(node, b"2")
        elif value == 1 and _is_step_of(node):
            yield _replace(node, b"2")
            if (deletion := _line_deletion(ix, node.parent.parent)) is not None:
                yield deletion
        elif value == 1 and node.parent is not None and node.parent.type == "unary_operator" and ix.text(node.parent)[:1] == b"-":
            yield from (_replace(node, b"2"), _replace(node.parent, b"0"))  # `xs[-1]` -> `xs[0]`, not `xs[-0]`
        else:
            yield from _plus_minus_one(node, value)


def _is_identity_operand(node: Node) -> bool:
    """`node` is `+`'s operand, or `-`'s right one: the expression keeps its value when `node` is 0."""
    parent = node.parent
    if parent is None or parent.type != "binary_operator":
        return False
    op = parent.child_by_field_name("operator").type
    return op == "+" or (op == "-" and parent.child_by_field_name("right") == node)


def _is_step_of(node: Node) -> bool:
    """`node` is the right side of `k += node` / `k -= node`, a statement of its own."""
    parent = node.parent
    if parent is None or parent.type != "augmented_assignment" or parent.child_by_field_name("right") != node:
        return False
    op = parent.child_by_field_name("operator")
    return op is not None and op.type in ("+=", "-=") and parent.parent is not None and parent.parent.type == "expression_statement"


def _is_int_literal(node: Node) -> bool:
    return node.type == "integer" or (node.type == "unary_operator" and _named(node)[-1].type == "integer")


def _plus_minus_one(node: Node, value: int) -> Iterator[Edit]:
    yield _replace(node, str(value + 1).encode())
    if value > 0:
        yield _replace(node, str(value - 1).encode())


@_register("toggle_plus_one", "missing +1", "quixbugs", invertible=True)
def _toggle_plus_one(ix: _Index) -> Iterator[Edit]:
    """`e + 1` / `e - 1` -> `e`; in indices, slice bounds and range() args `e` -> `e + 1` / `e - 1`."""
    for node in ix.nodes("binary_operator"):
        if _step_of(ix, node):
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            yield _replace(node, ix.text(left if ix.text(right) == b"1" else right))
    for target in _index_like_expressions(ix):
        if target.type in _FLAG_TYPES:
            continue  # a flag used as an index (`pair[x == y]`) is not an off-by-one candidate
        if _is_int_literal(target):
            continue  # literals are `off_by_one_literal`'s job
        operand = ix.text(target)
        if target.type in _PLUS_ONE_NEEDS_PARENS or (
            target.type == "binary_operator" and target.child_by_field_name("operator").type in _LOOSE_BINARY
        ):
            operand = b"(" + operand + b")"
        step = _step_of(ix, target)  # `i + 1 - 1` is `i`: not a bug, and `e + 1` -> `e` is a fix already
        if step != -1:
            yield _replace(target, operand + b" + 1")
        if step != 1:
            yield _replace(target, operand + b" - 1")


def _step_of(ix: _Index, node: Node) -> int:
    """1 for `e + 1` and `1 + e`, -1 for `e - 1` (in parentheses or not), else 0."""
    while node.type == "parenthesized_expression" and len(_named(node)) == 1:
        node = _named(node)[0]
    if node.type != "binary_operator":
        return 0
    left, op, right = (node.child_by_field_name(f) for f in ("left", "operator", "right"))
    if op is not None and op.type in ("+", "-") and ix.text(right) == b"1":
        return 1 if op.type == "+" else -1
    return 1 if op is not None and op.type == "+" and ix.text(left) == b"1" else 0


def _index_like_expressions(ix: _Index) -> Iterator[Node]:
    """Subscript indices, slice bounds and positional range() arguments: where +1 bugs live."""
    for node in ix.nodes("subscript"):
        for sub in node.children_by_field_name("subscript"):
            if sub.type == "slice":
                yield from (bound for bound in _slice_bounds(sub)[:2] if bound is not None)
            elif sub.type != "comment":
                yield sub
    for call in ix.nodes("call"):
        if _call_name(ix, call) == b"range":
            yield from (arg for arg in _call_args(call) or [] if _is_positional(arg))


@_register("swap_numeric_literal", "change numeric literal", "tssb", invertible=False)
def _swap_numeric_literal(ix: _Index) -> Iterator[Edit]:
    """A number -> another number of the same kind used in the code, or 0/1/2 (0.0/1.0); not n+-1."""
    return _numeric_swaps(ix, budget=_NUMERIC_BUDGET)


# The most number swaps the injection lists per kind: every number for every literal grows with the square
# of their count, and a 5-line function holding a list of 50,000 numbers took 23 GB (QA). The stdlib's
# functions of 3-40 lines need at most ~6,000, so its datasets are the same with or without the bound.
_NUMERIC_BUDGET = 20_000


# The repair space's numbers per literal when the code holds more distinct ones: every number for every
# literal grows with the square of the code's length (a 200-line table of constants: 39,600 candidates).
_NEAREST_NUMBERS = 24


def _numeric_swaps(ix: _Index, nearest: int = 0, budget: int = 0) -> Iterator[Edit]:
    """`_swap_numeric_literal`'s edits; with `nearest`, a kind with more distinct numbers than that offers each
    literal the `nearest` distinct ones closest to it in the code (then 0/1/2 or 0.0/1.0); with `budget`,
    as many nearest ones as keep a kind's edits under it (at least one)."""
    for kind, defaults in (("integer", (b"0", b"1", b"2")), ("float", (b"0.0", b"1.0"))):
        nodes = ix.nodes(kind)
        texts = [ix.text(n) for n in nodes]
        pool = list(dict.fromkeys(texts + list(defaults)))
        over = budget and len(nodes) * len(pool) > budget
        count = max(1, budget // len(nodes) - len(defaults)) if over else nearest
        for k, node in enumerate(nodes):
            text = texts[k]
            near = {str(int(text) + d).encode() for d in (-1, 1)} if text.isdigit() else set()
            if over:  # the first others of the code, in linear time: `_closest` scans runs of equal numbers
                offered = [other for other in pool[: count + 1] if other != text][:count] + list(defaults)
            else:
                offered = pool if not count or len(pool) <= count + len(defaults) else _closest(texts, k, count) + list(defaults)
            for other in dict.fromkeys(offered):
                if other != text and other not in near:
                    yield _replace(node, other)


def _closest(texts: list[bytes], k: int, count: int) -> list[bytes]:
    """Up to `count` distinct values of `texts` other than `texts[k]`, nearest to position k first."""
    found: dict[bytes, None] = {}
    for step in range(1, len(texts)):
        for j in (k - step, k + step):
            if 0 <= j < len(texts) and texts[j] != texts[k]:
                found[texts[j]] = None
        if len(found) >= count or (k - step < 0 and k + step >= len(texts)):
            break
    return list(found)[:count]


@_register("swap_boolean_literal", "change boolean literal", "tssb", invertible=True)
def _swap_boolean_literal(ix: _Index) -> Iterator[Edit]:
    """`True`<->`False`; in `return`, `None`<->`False`."""
    for node in ix.nodes("true", "false", "none"):
        parent = node.parent
        if parent is not None and parent.type == "keyword_argument":
            continue  # `change_keyword_value`'s job
        in_return = parent is not None and parent.type == "return_statement"
        if node.type == "true":
            yield _replace(node, b"False")
        elif node.type == "false":
            yield _replace(node, b"True")
            if in_return:
                yield _replace(node, b"None")
        elif in_return:
            yield _replace(node, b"False")


@_register("change_keyword_value", "change keyword argument value", "tssb", invertible=True)
def _change_keyword_value(ix: _Index) -> Iterator[Edit]:
    """`f(flag=True)` -> `f(flag=False)`, `f(n=2)` -> `f(n=3)` / `f(n=1)`."""
    for node in ix.nodes("keyword_argument"):
        value = node.child_by_field_name("value")
        if value is None:
            continue
        if value.type in ("true", "false"):
            yield _replace(value, b"False" if value.type == "true" else b"True")
        elif value.type == "integer" and ix.text(value).isdigit():
            yield from _plus_minus_one(value, int(ix.text(value)))


@_register("drop_condition_operand", "missing condition", "quixbugs", invertible=False)
def _drop_condition_operand(ix: _Index) -> Iterator[Edit]:
    """`a and b` -> `a` / `b` (and the same for `or`): a condition or clause goes missing."""
    for node in ix.nodes("boolean_operator"):
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is not None and right is not None:
            # Operands bind at least as tightly as the operator, so either fits where it stood.
            yield _replace(node, ix.text(left))
            yield _replace(node, ix.text(right))


def _conditions(ix: _Index) -> Iterator[Node]:
    for node in ix.nodes("if_statement", "elif_clause", "while_statement"):
        condition = node.child_by_field_name("condition")
        if condition is not None:
            yield condition
    for node in ix.nodes("conditional_expression"):
        parts = _named(node)
        if len(parts) == 3:
            yield parts[1]


@_register("add_condition_operand", "extra condition (less specific if)", "tssb", invertible=False)
def _add_condition_operand(ix: _Index) -> Iterator[Edit]:
    """`if a < b:` -> `if a < b and n:`: a condition narrowed by a local name bound before it.

    The fix is TSSB-3M's "less specific if" (dropping a conjunct); its mirror, dropping one, is
    `drop_condition_operand`.
    """
    for condition in _conditions(ix):
        names = [name for name in ix.names_before(condition) if name not in ix.text(condition)]
        if names:
            operand = ix.text(condition)
            wrapped = b"(" + operand + b")" if condition.type in ("boolean_operator", "conditional_expression", "lambda") else operand
            yield _replace(condition, wrapped + b" and " + names[-1])


# Optional arguments whose addition is a classic bug: the fix removes the argument (TSSB-3M
# "same function less args").
_EXTRA_ARGUMENTS = {
    "enumerate": b"1", "round": b"2", "int": b"2", "sorted": b"reverse=True", "range": b"2",
    "pop": b"0", "split": b'","', "strip": b'" "', "get": b"0", "index": b"1",
}


@_register("add_extra_argument", "same function more args", "tssb", invertible=False)
def _add_extra_argument(ix: _Index) -> Iterator[Edit]:
    """`enumerate(xs)` -> `enumerate(xs, 1)`, `xs.pop()` -> `xs.pop(0)`, `round(x)` -> `round(x, 2)`."""
    for call in ix.nodes("call"):
        function, arguments = call.child_by_field_name("function"), call.child_by_field_name("arguments")
        if function is None or arguments is None or arguments.type != "argument_list":
            continue
        name = ix.text(function.child_by_field_name("attribute") if function.type == "attribute" else function)
        extra = _EXTRA_ARGUMENTS.get(name.decode(errors="replace"))
        args = _named(arguments)
        if extra is None or len(args) > 1 or any(a.type in ("keyword_argument", "list_splat", "dictionary_splat") for a in args):
            continue
        if name in (b"pop", b"split", b"strip") and args:
            continue  # only the no-argument forms: `xs.pop()`, `s.split()`
        if name not in (b"pop", b"split", b"strip") and not args:
            continue
        close = arguments.end_byte - 1  # the `)`
        yield Edit(close, close, (b", " if args else b"") + extra)


@_register("toggle_not", "insert or remove not", "buglab", invertible=True)
def _toggle_not(ix: _Index) -> Iterator[Edit]:
    """In if/elif/while/ternary conditions: `c` -> `not c` and `not c` -> `c`."""
    for condition in _conditions(ix):
        if condition.type == "not_operator":
            inner = condition.child_by_field_name("argument")
            if inner is not None and inner.type == "parenthesized_expression" and len(_named(inner)) == 1:
                inner = _named(inner)[0]  # undo our own `not (a and b)`
            if inner is not None:
                yield _replace(condition, ix.text(inner))
        else:
            text = ix.text(condition)
            negated = b"not (" + text + b")" if condition.type in _NOT_NEEDS_PARENS else b"not " + text
            yield _replace(condition, negated)


@_register("remove_unary_operator", "change unary operator", "tssb", invertible=False)
def _remove_unary_operator(ix: _Index) -> Iterator[Edit]:
    """`-x` -> `x`, `~x` -> `x`, `not x` -> `x`."""
    for node in ix.nodes("unary_operator", "not_operator"):
        argument = node.child_by_field_name("argument")
        if argument is not None:
            yield _replace(node, ix.text(argument))


@_register("incorrect_method_called", "incorrect method called", "quixbugs", invertible=True)
def _incorrect_method_called(ix: _Index) -> Iterator[Edit]:
    """`xs.append(y)` -> `xs.extend(y)`, `.keys()` -> `.values()`, ... from a table of look-alikes."""
    for call in ix.nodes("call"):
        function = call.child_by_field_name("function")
        if function is None or function.type != "attribute":
            continue
        method = function.child_by_field_name("attribute")
        for alternative in _METHOD_SWAPS.get(ix.text(method).decode(), ()) if method is not None else ():
            yield _replace(method, alternative.encode())


@_register("wrong_function_name", "wrong function name", "tssb", invertible=True)
def _wrong_function_name(ix: _Index) -> Iterator[Edit]:
    """`min(...)` -> `max(...)`, `any` -> `all`, `len` -> `sum`, ... from a table of builtins."""
    for call in ix.nodes("call"):
        name = _call_name(ix, call)
        for alternative in _FUNCTION_SWAPS.get(name.decode(), ()) if name is not None else ():
            yield _replace(call.child_by_field_name("function"), alternative.encode())


@_register("remove_function_call", "missing function call", "quixbugs", invertible=False)
def _remove_function_call(ix: _Index) -> Iterator[Edit]:
    """`len(x)` -> `x`, `sorted(xs)` -> `xs`, ... for one-argument builtin calls."""
    for call in ix.nodes("call"):
        name = _call_name(ix, call)
        args = _call_args(call) if name is not None and name.decode() in _DROPPABLE_CALLS else None
        if args and len(args) == 1 and _is_positional(args[0]):
            yield _replace(call, _as_operand(ix, args[0]))


@_register("drop_last_argument", "same function fewer args", "tssb", invertible=False)
def _drop_last_argument(ix: _Index) -> Iterator[Edit]:
    """`f(a, b)` -> `f(a)`: the last argument of a call with two or more is forgotten."""
    for call in ix.nodes("call"):
        args = _call_args(call)
        if args and len(args) >= 2:
            yield Edit(args[-2].end_byte, args[-1].end_byte, b"")


@_register("incorrect_field_dereference", "incorrect field dereference", "quixbugs", invertible=False)
def _incorrect_field_dereference(ix: _Index) -> Iterator[Edit]:
    """`node.left` -> `node.right` when the function reads both fields of the same object."""
    fields: dict[tuple[int, bytes], dict[bytes, None]] = defaultdict(dict)
    accesses = []
    for node in ix.nodes("attribute"):
        obj, attr = node.child_by_field_name("object"), node.child_by_field_name("attribute")
        if obj is None or attr is None or _is_call_function(node):
            continue  # method calls are `incorrect_method_called`'s job
        scope = ix.scope_of(node)
        key = (scope.start_byte if scope is not None else -1, ix.text(obj))
        fields[key][ix.text(attr)] = None
        accesses.append((key, attr))
    for key, attr in accesses:
        for other in fields[key]:
            yield _replace(attr, other)


@_register(
    "attribute_subscript_confusion", "attribute access instead of subscript", "runtime", invertible=True
)
def _attribute_subscript_confusion(ix: _Index) -> Iterator[Edit]:
    """`cfg.name` -> `cfg["name"]` and `cfg["name"]` -> `cfg.name` on plain names."""
    for node in ix.nodes("attribute"):
        obj, attr = node.child_by_field_name("object"), node.child_by_field_name("attribute")
        if obj is None or attr is None or obj.type != "identifier" or _is_call_function(node):
            continue
        if ix.text(obj) not in ix.names_before(obj):
            continue  # modules, classes and `self` are never mappings by accident; locals may be
        yield _replace(node, ix.text(obj) + b'["' + ix.text(attr) + b'"]')
    for node in ix.nodes("subscript"):
        value, keys = node.child_by_field_name("value"), node.children_by_field_name("subscript")
        if value is None or value.type != "identifier" or len(keys) != 1 or keys[0].type != "string":
            continue
        match = re.fullmatch(rb"""(['"])([A-Za-z_][A-Za-z0-9_]*)\1""", ix.text(keys[0]))
        if match and not keyword.iskeyword(match.group(2).decode()):
            yield _replace(node, ix.text(value) + b"." + match.group(2))


@_register("wrong_exception_caught", "wrong exception type caught", "runtime", invertible=True)
def _wrong_exception_caught(ix: _Index) -> Iterator[Edit]:
    """`except KeyError` -> `except IndexError`, ... from a table of often-confused exceptions."""
    for clause in ix.nodes("except_clause"):
        value = clause.child_by_field_name("value")
        if value is not None and value.type == "as_pattern":
            value = _named(value)[0]
        if value is None:
            continue
        names = _named(value) if value.type in ("tuple", "parenthesized_expression") else [value]
        for name in names:
            if name.type != "identifier":
                continue  # `module.Error` is left alone
            for alternative in _EXCEPTION_SWAPS.get(ix.text(name).decode(), ()):
                yield _replace(name, alternative.encode())


@_register("remove_return", "deleted return", "runtime", invertible=False)
def _remove_return(ix: _Index) -> Iterator[Edit]:
    """`return x` -> `x` (value computed and dropped), or the whole `return` line deleted."""
    for node in ix.nodes("return_statement"):
        values = _named(node)
        if values:
            yield Edit(node.start_byte, values[0].start_byte, b"")
        deletion = _line_deletion(ix, node)
        if deletion is not None:
            yield deletion


_DELETABLE_STATEMENTS = (
    "expression_statement", "delete_statement", "raise_statement", "break_statement", "continue_statement"
)
_INERT_EXPRESSIONS = ("string", "concatenated_string", "ellipsis")


@_register("missing_line", "missing line", "quixbugs", invertible=False)
def _missing_line(ix: _Index) -> Iterator[Edit]:
    """Delete one whole simple-statement line (not a docstring, not the only statement of a block)."""
    for node in ix.nodes(*_DELETABLE_STATEMENTS):
        parts = _named(node)
        if node.type == "expression_statement" and len(parts) == 1 and parts[0].type in _INERT_EXPRESSIONS:
            continue  # docstrings and `...` do nothing
        deletion = _line_deletion(ix, node)
        if deletion is not None:
            yield deletion


@_register("incorrect_slice", "incorrect array slice", "quixbugs", invertible=False)
def _incorrect_slice(ix: _Index) -> Iterator[Edit]:
    """`xs[i:j]` -> `xs[:j]` / `xs[i:]`; `xs[:j]` -> `xs[1:j]`; `xs[i:]` -> `xs[i:-1]`."""
    for node in ix.nodes("slice"):
        colons = [child for child in node.children if child.type == ":"]
        bounds = _slice_bounds(node)
        start, stop = bounds[0], bounds[1] if len(bounds) > 1 else None
        for bound in (start, stop):
            if bound is not None:
                yield _replace(bound, b"")
        if start is None and stop is not None:
            yield Edit(colons[0].start_byte, colons[0].start_byte, b"1")
        if stop is None and start is not None and len(colons) == 1:
            yield Edit(colons[0].end_byte, colons[0].end_byte, b"-1")


@_register("remove_arithmetic_operand", "missing arithmetic expression", "quixbugs", invertible=False)
def _remove_arithmetic_operand(ix: _Index) -> Iterator[Edit]:
    """`a * b + c` -> `a * b` / `c`: one side of an arithmetic expression goes missing."""
    for node in ix.nodes("binary_operator"):
        left, op, right = (node.child_by_field_name(f) for f in ("left", "operator", "right"))
        if op is None or op.type not in _ARITHMETIC or _is_string(left) or _is_string(right):
            continue
        if not (op.type in ("+", "-") and ix.text(right) == b"1"):  # `toggle_plus_one` owns `x + 1`
            yield _replace(node, ix.text(left))
        yield _replace(node, ix.text(right))


@_register("prepend_variable", "variable prepend", "quixbugs", invertible=False)
def _prepend_variable(ix: _Index) -> Iterator[Edit]:
    """`return a` / `x = a` -> `return b + a` / `x = b + a` with `b` another local bound earlier."""
    values = [_named(n)[0] for n in ix.nodes("return_statement") if _named(n)]
    values += [n.child_by_field_name("right") for n in ix.nodes("assignment")]
    for value in values:
        if value is None or value.type != "identifier":
            continue
        name, names = ix.text(value), ix.names_before(value)
        if name not in names:
            continue  # `return NotImplemented` is a constant, not a value being built up
        for other in names:
            if other != name:
                yield _replace(value, other + b" + " + name)


@_register(
    "incorrect_data_structure_constant", "incorrect data structure constant", "quixbugs", invertible=True
)
def _incorrect_data_structure_constant(ix: _Index) -> Iterator[Edit]:
    """`[]`<->`{}`, `{}`<->`set()`, and `x = 0`<->`x = 1` initialisers."""
    for node in ix.nodes("list", "dictionary"):
        if not _named(node):
            yield _replace(node, b"{}" if node.type == "list" else b"[]")
            if node.type == "dictionary":
                yield _replace(node, b"set()")
    for call in ix.nodes("call"):
        if _call_name(ix, call) == b"set" and _call_args(call) == []:
            yield _replace(call, b"{}")
    for node in ix.nodes("assignment"):
        right = node.child_by_field_name("right")
        if right is not None and right.type == "integer" and ix.text(right) in (b"0", b"1"):
            yield _replace(right, b"1" if ix.text(right) == b"0" else b"0")


@_register("alias_instead_of_copy", "aliasing instead of copy", "runtime", invertible=False)
def _alias_instead_of_copy(ix: _Index) -> Iterator[Edit]:
    """`list(xs)`, `xs.copy()`, `xs[:]`, `copy.copy(xs)` -> `xs`: the copy is forgotten."""
    copyable = ("identifier", "attribute", "subscript")
    for call in ix.nodes("call"):
        args, function = _call_args(call), call.child_by_field_name("function")
        if args is None or function is None:
            continue
        if _call_name(ix, call) in (b"list", b"dict") and len(args) == 1 and args[0].type in copyable:
            yield _replace(call, ix.text(args[0]))
        elif function.type == "attribute":
            obj, attr = function.child_by_field_name("object"), function.child_by_field_name("attribute")
            method = ix.text(attr) if attr is not None else b""
            if method == b"copy" and not args and obj is not None and obj.type in copyable:
                yield _replace(call, ix.text(obj))
            elif ix.text(obj) == b"copy" and method in (b"copy", b"deepcopy") and len(args) == 1:
                if _is_positional(args[0]):
                    yield _replace(call, _as_operand(ix, args[0]))
    for node in ix.nodes("subscript"):
        value, keys = node.child_by_field_name("value"), node.children_by_field_name("subscript")
        if value is None or len(keys) != 1 or ix.text(keys[0]) != b":":
            continue
        if node.parent is not None and node.parent.type != "delete_statement":  # `del xs[:]` empties xs
            yield _replace(node, ix.text(value))


# ----------------------------------------------------------------------------------------------
# Applying operators


def apply_edit(source: bytes, edit: Edit) -> bytes:
    return source[: edit.start_byte] + edit.replacement + source[edit.end_byte :]


def _parse_ast(source: bytes) -> ast.AST | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):  # ValueError: null bytes
        return None


def _same_ast(a: ast.AST, b: ast.AST) -> bool:
    """Same as `ast.dump(a) == ast.dump(b)` (positions ignored), but stops at the first difference."""
    stack: list[tuple[Any, Any]] = [(a, b)]
    while stack:
        x, y = stack.pop()
        if type(x) is not type(y):
            return False
        if isinstance(x, ast.AST):
            stack.extend((getattr(x, field, None), getattr(y, field, None)) for field in x._fields)
        elif isinstance(x, list):
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y))
        elif x != y:
            return False
    return True


def _judge(mutant: bytes, original: ast.AST | None) -> str | None:
    """Why a mutant must be dropped ("unparsable" / "noop"), or None when it is a real change."""
    if has_error(parse(mutant)):
        return UNPARSABLE
    tree = _parse_ast(mutant)
    if tree is None:
        return UNPARSABLE  # tree-sitter accepts some code Python rejects, e.g. `f(x) += 1`
    if original is not None and _same_ast(tree, original):
        return NOOP
    return None


def unknown_operator_problems(names: list[str], flag: str = "--operators") -> list[str]:
    """A config problem for each name that is not a bug operator, with the closest names (checked before any work:
    the build's worker processes would otherwise fail on it with a traceback)."""
    import difflib

    problems = []
    for name in names:
        if name not in OPERATORS:
            close = difflib.get_close_matches(name, list(OPERATORS), n=3)
            hint = f"did you mean {', '.join(close)}?" if close else "`codemend data operators` lists them"
            problems.append(f"{flag} {name}: no such bug operator; {hint}")
    return problems


def _resolve(operator: str | Operator) -> Operator:
    if isinstance(operator, Operator):
        return operator
    try:
        return OPERATORS[operator]
    except KeyError:
        raise ValueError(f"unknown operator {operator!r}; choose one of: {', '.join(OPERATORS)}") from None


def mutate(source: str, operator: str | Operator, rng: random.Random) -> str | None:
    """Apply one randomly chosen site of `operator`; None when it has no site or the result is no bug."""
    data = source.encode("utf-8")
    edits = _resolve(operator).sites(parse(data), data)
    if not edits:
        return None
    mutant = apply_edit(data, rng.choice(edits))
    if _judge(mutant, _parse_ast(data)) is not None:
        return None
    return mutant.decode("utf-8")


def inject(
    source: str,
    rng: random.Random,
    k: int = 1,
    operators: Sequence[str] | None = None,
    drops: Counter | None = None,
    tries_per_operator: int = 3,
) -> list[tuple[str, str]]:
    """Up to `k` distinct mutants `(buggy_source, operator_name)`, each from a different operator.

    Operators are tried in a random order; each gets up to `tries_per_operator` random sites before
    it is given up. When `drops` is given it counts why candidates were rejected: "no_site",
    "unparsable", "noop" (same AST as the original) and "duplicate" (same text as an earlier mutant).
    """
    data = source.encode("utf-8")
    tree = parse(data)
    original = _parse_ast(data)
    drops = drops if drops is not None else Counter()
    names = list(operators) if operators is not None else list(OPERATORS)
    rng.shuffle(names)
    mutants: dict[str, str] = {}
    for name in names:
        if len(mutants) >= k:
            break
        mutant = _first_valid(data, tree, _resolve(name), original, rng, tries_per_operator, drops, mutants)
        if mutant is not None:
            mutants[mutant] = name
    return list(mutants.items())


def _first_valid(
    data: bytes,
    tree: Any,
    operator: Operator,
    original: ast.AST | None,
    rng: random.Random,
    tries: int,
    drops: Counter,
    seen: Collection[str],
) -> str | None:
    edits = operator.sites(tree, data)
    if not edits:
        drops[NO_SITE] += 1
        return None
    for edit in rng.sample(edits, min(tries, len(edits))):
        mutant = apply_edit(data, edit)
        reason = _judge(mutant, original)
        text = mutant.decode("utf-8") if reason is None else ""
        if reason is None and text in seen:
            reason = DUPLICATE
        if reason is None:
            return text
        drops[reason] += 1
    return None


# ----------------------------------------------------------------------------------------------
# The repair search space

# Operators whose sites on a buggy function undo another operator's bugs: dropping an operand
# undoes add_condition_operand and prepend_variable, dropping the last argument undoes
# add_extra_argument, and field and number swaps are their own inverse when the original still
# appears in the function. On 1,500 stdlib test bugs these lift the share of true fixes in the
# space from 51% to 66% (bench-free check: tests/data/test_operators.py::test_repair_space_*).
REPAIR_ONLY_OPERATORS = (
    "incorrect_field_dereference", "swap_numeric_literal", "drop_condition_operand", "drop_last_argument",
    "remove_arithmetic_operand",
)


def _add_return(ix: _Index) -> Iterator[Edit]:
    """`f(x)` alone on a line -> `return f(x)`: undoes remove_return's `return x` -> `x` (repair only)."""
    for node in ix.nodes("expression_statement"):
        values = _named(node)
        if len(values) != 1 or values[0].type in _NOT_RETURNABLE or ix.scope_of(node) is None:
            continue
        if ix.scope_of(node).type == "function_definition":
            yield Edit(node.start_byte, node.start_byte, b"return ")


_NOT_RETURNABLE = frozenset({"assignment", "augmented_assignment", "string", "concatenated_string", "yield", "await", "ellipsis"})
_ADDED_ARGUMENT_NAMES = 6  # the most recently bound locals: the forgotten argument is usually one of them


def _add_argument(ix: _Index) -> Iterator[Edit]:
    """`f(a)` -> `f(a, x)` with `x` a local bound before the call: undoes drop_last_argument (repair only)."""
    for call in ix.nodes("call"):
        args = _call_args(call)
        if not args or not all(_is_positional(arg) for arg in args):
            continue
        used = {ix.text(arg) for arg in args}
        names = [n for n in dict.fromkeys(reversed(ix.names_before(call))) if n not in used]
        for name in names[:_ADDED_ARGUMENT_NAMES]:
            yield Edit(args[-1].end_byte, args[-1].end_byte, b", " + name)


# Calls whose callee needs more positional arguments than the call gives are certain bugs, and
# drop_last_argument makes them: on the stdlib's held-out bugs, 518 of 1,699 of its bugs are such a
# call on the buggy line, against 2 of 13,771 other bugs. Only callees whose name fixes their
# meaning: builtins, common module functions, unittest's two-operand assertions on `self`.
_MIN_POSITIONAL = {
    **dict.fromkeys((b"getattr", b"hasattr", b"delattr", b"isinstance", b"issubclass", b"divmod", b"pow", b"map", b"filter",
                     b"re.match", b"re.search", b"re.fullmatch", b"re.split", b"re.findall", b"re.finditer", b"os.rename",
                     b"os.replace", b"shutil.copy", b"shutil.copyfile", b"shutil.move", b"struct.unpack", b"struct.unpack_from",
                     b"itertools.islice", b"math.atan2", b"math.copysign", b"math.isclose", b"math.pow"), 2),
    **dict.fromkeys((b"setattr", b"re.sub", b"re.subn"), 3),
    **{b"self.assert" + name: 2 for name in (
        b"Equal", b"NotEqual", b"AlmostEqual", b"NotAlmostEqual", b"Is", b"IsNot", b"In", b"NotIn", b"IsInstance",
        b"NotIsInstance", b"Greater", b"GreaterEqual", b"Less", b"LessEqual", b"CountEqual", b"ListEqual", b"TupleEqual",
        b"SetEqual", b"DictEqual", b"SequenceEqual", b"MultiLineEqual", b"Regex", b"NotRegex", b"RaisesRegex", b"WarnsRegex")},
}
_VALUE_NODES = ("identifier", "attribute", "string", "concatenated_string", "integer", "float", "true", "false", "none",
                "subscript", "call", "tuple", "list", "unary_operator", "binary_operator")
_MISSING_ARGUMENT_VALUES = 32  # held-out short calls: a median of 16 values per function, p90 34
_MAX_VALUE_BYTES = 40


def _complete_short_call(ix: _Index) -> Iterator[Edit]:
    """`isinstance(x)` -> `isinstance(x, int)`, `self.assertEqual(h.name)` -> `self.assertEqual(h.name, 'subject')`: a call
    with fewer positional arguments than its callee needs gets back a value the function uses elsewhere (for held-out
    stdlib bugs of this kind, the dropped value is among them for 249 of 518; repair only)."""
    for call in ix.nodes("call"):
        function, args = call.child_by_field_name("function"), _call_args(call)
        if function is None or not args or not all(_is_positional(arg) for arg in args):
            continue
        if len(args) >= _MIN_POSITIONAL.get(ix.text(function), 0):
            continue
        for value in _values_near(ix, call, exclude={ix.text(arg) for arg in args})[:_MISSING_ARGUMENT_VALUES]:
            yield Edit(args[-1].end_byte, args[-1].end_byte, b", " + value)


def _values_near(ix: _Index, call: Node, exclude: set[bytes]) -> list[bytes]:
    """Distinct one-line values (names, literals, attributes, small expressions) of the function around `call`,
    nearest first; not the call, its callee, what holds it, or `self`."""
    scope = ix.scope_of(call)
    start, end = (scope.start_byte, scope.end_byte) if scope is not None else (0, len(ix.source))
    # Parameters are not indexed (no operator edits them), but they are values a call can take.
    parameters = scope.child_by_field_name("parameters") if scope is not None else None
    found: dict[bytes, int] = {name: call.start_byte - start for name in _parameter_names(parameters)
                               if name not in exclude and name != b"self"}
    for node in ix.nodes(*_VALUE_NODES):
        if not start <= node.start_byte < end or node.start_byte <= call.start_byte < node.end_byte:
            continue  # outside the function, or the call itself and what holds it
        if _is_call_function(node) or _is_label(node):
            continue  # `f` of `f(x)`, `name` of `x.name`, `key` of `key=value`: not values
        text = ix.text(node)
        if b"\n" in text or len(text) > _MAX_VALUE_BYTES or text in exclude or text == b"self":
            continue
        distance = abs(node.start_byte - call.start_byte)
        found[text] = min(found.get(text, distance), distance)
    return sorted(found, key=found.__getitem__)


def _is_label(node: Node) -> bool:
    """The field name of an attribute (`x.name`), a keyword argument (`key=value`) or a definition (`def name`)."""
    parent = node.parent
    fields = {"attribute": "attribute", "keyword_argument": "name", "function_definition": "name", "class_definition": "name"}
    field = fields.get(parent.type) if parent is not None else None
    return field is not None and parent.child_by_field_name(field) == node


def _drop_only_argument(ix: _Index) -> Iterator[Edit]:
    """`xs.pop(0)` -> `xs.pop()`, `s.split(x)` -> `s.split()`: undoes add_extra_argument's no-argument forms (repair only)."""
    for call in ix.nodes("call"):
        function, args = call.child_by_field_name("function"), _call_args(call)
        if function is not None and function.type == "attribute" and args and len(args) == 1 and _is_positional(args[0]):
            if ix.text(function.child_by_field_name("attribute")) in (b"pop", b"split", b"strip"):
                yield _replace(args[0], b"")


_FINAL_RETURN_NAMES = 3  # the last locals assigned at the function's top level: accumulators like `result`


def _add_final_return(ix: _Index) -> Iterator[Edit]:
    """A function that falls off its end gets `return x`, x a local its body assigns at top level:
    undoes remove_return's deleted `return result` line (repair only; not for generators)."""
    for statements, append in _falling_off_the_end(ix):
        assigned = [ix.text(target) for statement in statements if statement.type == "expression_statement"
                    for assignment in _named(statement) if assignment.type in ("assignment", "augmented_assignment")
                    if (target := assignment.child_by_field_name("left")) is not None and target.type == "identifier"]
        for name in list(dict.fromkeys(reversed(assigned)))[:_FINAL_RETURN_NAMES]:
            yield append(b"return " + name)


def _falling_off_the_end(ix: _Index) -> Iterator[tuple[list[Node], Callable[[bytes], Edit]]]:
    """(body statements, a maker of the edit that appends a statement to the body) for every
    function, not a generator, whose last statement is neither a return nor a raise."""
    for func in ix.nodes("function_definition"):
        body = func.child_by_field_name("body")
        statements = _named(body) if body is not None else []
        if not statements or statements[-1].type in ("return_statement", "raise_statement") or _is_generator(ix, func):
            continue
        end = ix.source.find(b"\n", statements[-1].end_byte)
        end = len(ix.source) if end < 0 else end
        indent = ix.source[ix.source.rfind(b"\n", 0, statements[0].start_byte) + 1 : statements[0].start_byte]  # tabs as they are
        if indent.strip():
            continue  # the body's first statement shares its line with the header
        yield statements, lambda line, end=end, indent=indent: Edit(end, end, b"\n" + indent + line)


def _is_generator(ix: _Index, func: Node) -> bool:
    return any(func.start_byte <= node.start_byte < func.end_byte and ix.scope_of(node) == func for node in ix.nodes("yield"))


# Methods that are called without arguments far more often than referenced: `s.upper` where `s.upper()`
# was meant is a method object in an expression (a TypeError in `"[" + s.upper`, a condition always true,
# `for k, v in d.items:`), a slip no other template undoes.
_ZERO_ARGUMENT_METHODS = frozenset({
    b"upper", b"lower", b"strip", b"lstrip", b"rstrip", b"title", b"capitalize", b"casefold", b"swapcase", b"split",
    b"splitlines", b"items", b"keys", b"values", b"copy", b"isdigit", b"isalpha", b"isalnum", b"isspace", b"isupper",
    b"islower", b"isnumeric", b"isdecimal", b"isidentifier", b"read", b"readline", b"readlines", b"popleft", b"sort",
    b"reverse", b"clear", b"close",
})


def _call_method(ix: _Index) -> Iterator[Edit]:
    """`s.upper` -> `s.upper()`: one of _ZERO_ARGUMENT_METHODS referenced where its result was meant
    (repair only; not where methods are passed as values: a keyword argument, `str.strip` of the class;
    nor on self or cls, nor for a name the code assigns as an attribute: `self.items = {}` is a field)."""
    data = {ix.text(node.child_by_field_name("attribute")) for node in ix.nodes("attribute")
            if node.parent is not None and node.parent.type in ("assignment", "augmented_assignment")
            and node.parent.child_by_field_name("left") == node}  # `self.items = {}`: a field, not the method
    for node in ix.nodes("attribute"):
        name, parent = node.child_by_field_name("attribute"), node.parent
        if name is None or parent is None or ix.text(name) not in _ZERO_ARGUMENT_METHODS - data:
            continue
        if parent.type == "call" and parent.child_by_field_name("function") == node:
            continue  # called already
        if parent.type in ("keyword_argument", "delete_statement"):
            continue  # `key=s.lower` passes the method on purpose
        owner = node.child_by_field_name("object")
        if owner is not None and ix.text(owner) in (b"str", b"bytes", b"dict", b"list", b"set", b"frozenset", b"bytearray"):
            continue  # `map(str.strip, lines)`: the class's function, a value
        if owner is not None and ix.text(owner) in (b"self", b"cls"):
            continue  # `self.items`: most likely a field, set in a method this function's code does not show
        yield _replace(node, ix.text(node) + b"()")


def _wrap_in_call(ix: _Index) -> Iterator[Edit]:
    """`b` -> `set(b)`, `"inf"` -> `float("inf")`: a variable or string wrapped in a one-argument builtin
    that the same function already calls (undoes remove_function_call; repair only)."""
    called: dict[int, set[bytes]] = defaultdict(set)
    for call in ix.nodes("call"):
        name, scope, args = _call_name(ix, call), ix.scope_of(call), _call_args(call)
        if name is not None and name.decode() in _DROPPABLE_CALLS and scope is not None and args and len(args) == 1:
            called[scope.start_byte].add(name)
    if not called:
        return
    for node in _wrappable(ix):
        scope = ix.scope_of(node)
        if scope is None:
            continue
        yield from _wrapped(ix, node, sorted(called.get(scope.start_byte, ())))


# What a slice bound may be wrapped in: a slice takes integers (and None) only, and `seq[tuple(n):]` passed toolz's
# tests by raising into its `except TypeError` (QA). An index may be anything a mapping takes (`d[tuple(key)]`).
_INTEGER_CALLS = frozenset({b"len", b"int", b"abs", b"min", b"max", b"round", b"sum", b"ord"})


def _wrapped(ix: _Index, node: Node, names: Iterable[bytes]) -> Iterator[Edit]:
    """`node` wrapped in a call to each of `names`: the one way the wrap templates build their edits."""
    bound = node.parent is not None and node.parent.type == "slice"
    for name in names:
        if not _calls_itself(ix, node, name) and (not bound or name in _INTEGER_CALLS):
            yield _replace(node, name + b"(" + ix.text(node) + b")")


def _calls_itself(ix: _Index, node: Node, name: bytes) -> bool:
    """Whether wrapping `node` in `name` (one of _NO_DOUBLE_CALLS) calls it on its own result, from either
    side: `node` is such a call (`len(xs)`), or already its one argument (`xs` of `len(xs)`)."""
    if name.decode() not in _NO_DOUBLE_CALLS:
        return False
    arguments = node.parent
    call = arguments.parent if arguments is not None and arguments.type == "argument_list" else None
    sole = call is not None and call.type == "call" and _call_name(ix, call) == name and len(_named(arguments)) == 1
    return sole or (node.type == "call" and _call_name(ix, node) == name)


def _wrappable(ix: _Index) -> Iterator[Node]:
    """Variable reads and strings (not docstrings): what a dropped one-argument call leaves behind."""
    yield from _variable_uses(ix)
    yield from (node for node in ix.nodes("string") if not _is_string_statement(node))


def _is_string_statement(node: Node) -> bool:
    """A string standing alone as a statement (a docstring): wrapping it in a call changes nothing."""
    parent = node.parent
    return parent is not None and parent.type == "expression_statement" and len(_named(parent)) == 1


_SLICE_NAMES = 3  # the most recently bound locals offered as a missing slice bound


def _restore_slice_bound(ix: _Index) -> Iterator[Edit]:
    """`xs[:i + n]` -> `xs[i:i + n]`, `xs[:]` -> `xs[1:]` / `xs[:n]`, `xs[i:]` -> `xs[i:n]`: a bound that
    went missing comes back as 1, a name the other bound reads, or a recent local (undoes incorrect_slice's
    dropped bounds; repair only)."""
    for node in ix.nodes("slice"):
        colons = [child for child in node.children if child.type == ":"]
        bounds = _slice_bounds(node)
        if len(colons) != 1:
            continue
        start, stop = bounds[0], bounds[1]
        if start is None:
            read = [ix.text(n) for n in _identifiers_in(stop)] if stop is not None else []
            for value in dict.fromkeys([b"1", *read]):
                yield Edit(colons[0].start_byte, colons[0].start_byte, value)
        if stop is None:
            for value in list(dict.fromkeys(reversed(ix.names_before(node))))[:_SLICE_NAMES]:
                yield Edit(colons[0].end_byte, colons[0].end_byte, value)


def _negate_index(ix: _Index) -> Iterator[Edit]:
    """`xs[i]` -> `xs[-i]`, `seq[n:]` -> `seq[-n:]`, `xs[0]` -> `xs[-1]`, `xs[:2]` -> `xs[:-2]`: a whole index or
    slice bound counted from the other end, the commonest index mistake (QA: toolz's `tail`, more-itertools'
    `last`; undoes remove_unary_operator there, which adds a minus nowhere else; repair only)."""
    for subscript in ix.nodes("subscript"):
        for part in subscript.children_by_field_name("subscript"):
            bounds = [bound for bound in _slice_bounds(part) if bound is not None] if part.type == "slice" else [part]
            for bound in bounds:
                text = ix.text(bound)
                if bound.type == "identifier":
                    yield _replace(bound, b"-" + text)
                elif bound.type == "integer" and text.isdigit():
                    if int(text) > 0:
                        yield _replace(bound, b"-" + text)
                    elif part.type != "slice":  # xs[0] -> xs[-1]: the first for the last
                        yield _replace(bound, b"-1")


def _identifiers_in(node: Node) -> Iterator[Node]:
    """The names `node` reads, not the names of functions it calls."""
    if node.type == "identifier":
        yield node
    for child in node.children:
        if node.type != "call" or child != node.child_by_field_name("function"):
            yield from _identifiers_in(child)


def _negate_condition_operand(ix: _Index) -> Iterator[Edit]:
    """`if stack or x:` -> `if not stack or x:`: one operand of an and/or condition negated (undoes
    remove_unary_operator inside conditions, where toggle_not only negates the whole; repair only)."""
    for condition in _conditions(ix):
        if condition.type != "boolean_operator":
            continue
        for side in ("left", "right"):
            operand = condition.child_by_field_name(side)
            if operand is not None and operand.type in ("identifier", "attribute", "call", "subscript"):
                yield Edit(operand.start_byte, operand.start_byte, b"not ")


def _copy_instead_of_alias(ix: _Index) -> Iterator[Edit]:
    """`merged = base` -> `merged = dict(base)` / `list(base)` / `base.copy()` when `base` is a parameter:
    undoes alias_instead_of_copy (repair only)."""
    for assignment in ix.nodes("assignment"):
        left, right = assignment.child_by_field_name("left"), assignment.child_by_field_name("right")
        if left is None or right is None or left.type != "identifier" or right.type != "identifier":
            continue
        scope = ix.scope_of(assignment)
        parameters = scope.child_by_field_name("parameters") if scope is not None and scope.type == "function_definition" else None
        if ix.text(right) in set(_parameter_names(parameters)):
            name = ix.text(right)
            for copied in (b"list(" + name + b")", b"dict(" + name + b")", name + b".copy()"):
                yield _replace(right, copied)


# A lookup's usual defaults, and how many locals a function that falls off its end may return: both
# templates have few sites (~0.4 candidates per function together), so the model ranks them.
_DEFAULTS = {b"get": (b"0", b"None", b"[]", b"\"\"", b"float(\"inf\")"), b"setdefault": (b"[]", b"{}", b"set()", b"0"),
             b"pop": (b"None",), b"getattr": (b"None",), b"next": (b"None",)}
_RETURNED_NAMES = 8


def _add_default_argument(ix: _Index) -> Iterator[Edit]:
    """`d.get(k)` -> `d.get(k, 0)`, `d.setdefault(k)` -> `d.setdefault(k, [])`: a lookup's forgotten
    default (undoes drop_last_argument on the calls whose last argument is a default; repair only)."""
    for call in ix.nodes("call"):
        function, args = call.child_by_field_name("function"), _call_args(call)
        if function is None or not args or not all(_is_positional(arg) for arg in args):
            continue
        name = ix.text(function.child_by_field_name("attribute") if function.type == "attribute" else function)
        if len(args) == 1 or (name == b"getattr" and len(args) == 2):
            for default in _DEFAULTS.get(name, ()):
                yield Edit(args[-1].end_byte, args[-1].end_byte, b", " + default)


def _return_any_local(ix: _Index) -> Iterator[Edit]:
    """A function that falls off its end returns one of its locals, tuple targets included
    (add_final_return offers the last few simple assignments only; repair only)."""
    for statements, append in _falling_off_the_end(ix):
        for name in list(dict.fromkeys(reversed(ix.names_before(statements[-1]))))[:_RETURNED_NAMES]:
            yield append(b"return " + name)


def _wrap_in_len(ix: _Index) -> Iterator[Edit]:
    """`parts[0] < 2` -> `len(parts[0]) < 2`, `range(items)` -> `range(len(items))`: a value where a number
    is expected (a comparison's or arithmetic's operand, an argument of range) becomes its length. Undoes
    remove_function_call's commonest case (len: 35 of the 84 stdlib bugs of that kind that the wide space's
    calls fix) at ~1 candidate per function; wrapping everywhere would cost ~12 (repair only)."""
    sites = [*_variable_uses(ix), *ix.nodes("attribute", "subscript", "call")]
    for node in sites:
        parent = node.parent
        if parent is None or _is_head(node):
            continue
        numeric = parent.type == "comparison_operator" or (parent.type == "binary_operator" and _is_arithmetic(parent))
        in_range = parent.type == "argument_list" and parent.parent is not None and _call_name(ix, parent.parent) == b"range"
        if numeric or in_range:
            yield from _wrapped(ix, node, [b"len"])


# unittest assertions that compare their first two arguments, and the builtin that turns a value into
# the kind of literal it is compared with. Of the 1,644 remove_function_call bugs of the training split,
# 346 dropped such a call from one side of an assertion whose other side is that literal.
_COMPARING_ASSERTIONS = frozenset({b"assertEqual", b"assertNotEqual", b"assertIn", b"assertNotIn", b"assertGreater",
                                   b"assertGreaterEqual", b"assertLess", b"assertLessEqual", b"assertCountEqual"})
_MATCHING_CALLS = {"integer": (b"len",), "string": (b"str", b"repr"), "concatenated_string": (b"str", b"repr"),
                   "list": (b"list",), "set": (b"set",)}


def _wrap_to_match(ix: _Index) -> Iterator[Edit]:
    """`self.assertEqual(xs, 3)` -> `self.assertEqual(len(xs), 3)`, `assertEqual(cm.exception, "bad")` ->
    `str(cm.exception)` / `repr(...)`, `assertEqual(keys, [1, 2])` -> `list(keys)`: the side of a comparing
    assertion that is not a literal becomes the kind of value the literal on the other side is (undoes
    remove_function_call in tests, where wrap_in_call only offers builtins the function already calls;
    repair only)."""
    for call in ix.nodes("call"):
        function, args = call.child_by_field_name("function"), _call_args(call)
        if function is None or function.type != "attribute" or not args or len(args) < 2:
            continue
        if ix.text(function.child_by_field_name("attribute")) not in _COMPARING_ASSERTIONS or not all(map(_is_positional, args[:2])):
            continue
        for value, other in ((args[0], args[1]), (args[1], args[0])):
            if value.type in ("identifier", "attribute", "subscript", "call"):
                yield from _wrapped(ix, value, _MATCHING_CALLS.get(other.type, ()))


REPAIR_TEMPLATES = {
    "add_return": _public_sites(_add_return),
    "add_final_return": _public_sites(_add_final_return),
    "add_argument": _public_sites(_add_argument),
    "complete_short_call": _public_sites(_complete_short_call),
    "drop_only_argument": _public_sites(_drop_only_argument),
    "wrap_in_call": _public_sites(_wrap_in_call),
    "call_method": _public_sites(_call_method),
    "restore_slice_bound": _public_sites(_restore_slice_bound),
    "negate_index": _public_sites(_negate_index),
    "negate_condition_operand": _public_sites(_negate_condition_operand),
    "copy_instead_of_alias": _public_sites(_copy_instead_of_alias),
    "wrap_in_len": _public_sites(_wrap_in_len),
    "wrap_to_match": _public_sites(_wrap_to_match),
    "add_default_argument": _public_sites(_add_default_argument),
    "return_any_local": _public_sites(_return_any_local),
}


# ----------------------------------------------------------------------------------------------
# The wide repair space: edits that undo the operators whose inverse has to guess what went missing
# (an operand, a call, a guard). Each line gets dozens of them, too many for the model to
# rank at every line, so they are only tried, by tests, once the ranked space has no plausible fix.

_WIDE_NAMES = 4  # the most recently bound locals offered as a missing operand or guard
_WIDE_FIELDS = 8  # the class's fields (first set or read first) offered in place of one a method reads
_WIDE_CALLS = (b"len", b"sorted", b"sum", b"float", b"int", b"str", b"list", b"set", b"tuple", b"abs", b"max", b"min")


def _add_arithmetic_operand(ix: _Index) -> Iterator[Edit]:
    """`i` -> `i + size` / `i - size` / `i * size`, `a - b` -> `a - b + c`: an operand that went missing
    comes back as a recent local (undoes remove_arithmetic_operand when the dropped side was a name)."""
    sites = [*_variable_uses(ix), *ix.nodes("integer")]
    sites += [n for n in ix.nodes("binary_operator") if _is_arithmetic(n) and not (n.parent is not None and _is_arithmetic(n.parent))]
    for node in sites:
        parent = node.parent
        if parent is None or (parent.type in ("attribute", "call") and parent.start_byte == node.start_byte):
            continue  # `x.attr`, `f(...)`: a name being used, not an operand
        own = {ix.text(n) for n in _identifiers_in(node)}
        names = [n for n in dict.fromkeys(reversed(ix.names_before(node))) if n not in own][:_WIDE_NAMES]
        tight = parent.type in ("binary_operator", "unary_operator", "not_operator") or (
            parent.type == "subscript" and parent.child_by_field_name("value") == node)
        for name in names:
            for op in (b" + ", b" - ", b" * "):
                added = ix.text(node) + op + name
                yield _replace(node, b"(" + added + b")" if tight else added)


_OTHER_ARITHMETIC = {"+": 1, "-": 1, "*": 2, "/": 2, "//": 2}  # operator -> how tightly it binds


def _other_arithmetic_operator(ix: _Index) -> Iterator[Edit]:
    """The arithmetic operators `swap_binary_operator` does not offer (`HOUR + 24` -> `HOUR * 24`), in
    expressions and augmented assignments: a slip no injection makes, so not in the ranked space. The
    operands keep their grouping: `c - a * b` -> `c - (a + b)`, `a - b + c` -> `(a - b) * c`."""
    for node in ix.nodes("binary_operator"):
        left, op, right = (node.child_by_field_name(f) for f in ("left", "operator", "right"))
        if op is not None and op.type in _OTHER_ARITHMETIC and not (_is_string(left) or _is_string(right)):
            for other in _other_operators(op.type):
                if _OTHER_ARITHMETIC[other] == _OTHER_ARITHMETIC[op.type]:
                    yield _replace(op, other.encode())
                else:
                    yield _replace(node, _regrouped(ix, node, left, other, right))
    for node in ix.nodes("augmented_assignment"):
        op = node.child_by_field_name("operator")
        if op is not None and op.type[:-1] in _OTHER_ARITHMETIC and not _is_string(node.child_by_field_name("right")):
            yield from (_replace(op, other.encode() + b"=") for other in _other_operators(op.type[:-1]))


def _regrouped(ix: _Index, node: Node, left: Node, op: str, right: Node) -> bytes:
    """`left op right` in place of `node`, parenthesized where the new operator would regroup the operands."""
    def operand(side: Node, looser: Callable[[int], bool]) -> bytes:
        inner = side.child_by_field_name("operator") if side.type == "binary_operator" else None
        loose = inner is not None and (inner.type not in _OTHER_ARITHMETIC or looser(_OTHER_ARITHMETIC[inner.type]))
        return b"(" + ix.text(side) + b")" if loose else ix.text(side)

    binds = _OTHER_ARITHMETIC[op]
    text = operand(left, lambda p: p < binds) + f" {op} ".encode() + operand(right, lambda p: p <= binds)
    nested = node.parent is not None and node.parent.type in ("binary_operator", "unary_operator")
    return b"(" + text + b")" if nested else text


def _other_operators(op: str) -> list[str]:
    return [other for other in _OTHER_ARITHMETIC if other != op and other not in _BINARY_SWAPS.get(op, ())]


# Comparisons `swap_comparison` does not offer: equality for identity (`x is ""`, a SyntaxWarning since 3.8; the
# other way, `x == None` is a style matter, rarely a bug) and the negation of an ordering (`i < n` for `i >= n`).
_OTHER_COMPARISONS = {"is": "==", "is not": "!=", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}


def _other_comparison(ix: _Index) -> Iterator[Edit]:
    """`is` -> `==`, `is not` -> `!=` (not against None, True or False: `x == None` behaves as `x is None`),
    `<`<->`>=`, `>`<->`<=`."""
    for node in ix.nodes("comparison_operator"):
        singleton = any(operand.type in ("none", "true", "false") for operand in node.named_children)
        for child in node.children:
            if not child.is_named and child.type in _OTHER_COMPARISONS and not (singleton and child.type.startswith("is")):
                yield _replace(child, _OTHER_COMPARISONS[child.type].encode())


def _is_arithmetic(node: Node) -> bool:
    op = node.child_by_field_name("operator") if node.type == "binary_operator" else None
    return op is not None and op.type in _ARITHMETIC


def _wrap_in_any_call(ix: _Index) -> Iterator[Edit]:
    """`items` -> `len(items)`, `"inf"` -> `float("inf")`, `xs[:k]` -> `sum(xs[:k])`: wrap_in_call with
    the common one-argument builtins, whether or not the function calls them (undoes remove_function_call)."""
    sites = list(_wrappable(ix))
    sites += [n for n in ix.nodes("attribute", "subscript") if n.parent is None or n.parent.type not in ("call", "attribute", "subscript")]
    for node in sites:
        if _is_head(node):
            continue
        yield from _wrapped(ix, node, _WIDE_CALLS)


def _add_guard(ix: _Index) -> Iterator[Edit]:
    """`if xs[i] > v:` -> `if i < len(xs) and xs[i] > v:` / `if xs and ...`, `if n & (n - 1) == 0` ->
    `if n > 0 and ...`: a condition gets back a guard on what it reads (undoes drop_condition_operand)."""
    for condition in _conditions(ix):
        text, guards = ix.text(condition), []
        for node in _subscripts_in(condition):
            value, index = node.child_by_field_name("value"), node.child_by_field_name("subscript")
            if value is not None:
                guards.append(ix.text(value))
                if index is not None and index.type != "slice":
                    guards.append(ix.text(index) + b" < len(" + ix.text(value) + b")")
        names = [ix.text(n) for n in _identifiers_in(condition)]
        for name in list(dict.fromkeys(names))[:_WIDE_NAMES]:
            guards += [name, name + b" > 0", name + b" is not None"]
        body = b"(" + text + b")" if condition.type in ("boolean_operator", "conditional_expression", "lambda") else text
        for guard in dict.fromkeys(guards):
            if guard != text:
                yield _replace(condition, guard + b" and " + body)


def _other_field(ix: _Index, fields: Sequence[bytes]) -> Iterator[Edit]:
    """`self.capacity[key]` -> `self._data[key]`: a field of the method's own object (its first parameter)
    read in place of another field of its class (`fields`: `class_fields`). incorrect_field_dereference's
    inverse offers only the fields the function itself reads, and the one it lost is often read elsewhere."""
    defs = ix.nodes("function_definition")  # pre-order: the method itself comes first
    first = _first_parameter(defs[0]) if defs else None
    if first is None:
        return
    own = ix.text(first)
    reads = [(node, attr) for node in ix.nodes("attribute")
             if (obj := node.child_by_field_name("object")) is not None and ix.text(obj) == own
             and (attr := node.child_by_field_name("attribute")) is not None and not _is_call_function(node)]  # a call: incorrect_method_called's
    read = {ix.text(attr) for _, attr in reads}  # swapped among themselves in the ranked space already
    others = [field for field in fields if field not in read][:_WIDE_FIELDS]
    for _, attr in reads:
        yield from (_replace(attr, field) for field in others)


def _own_field(ix: _Index, fields: Sequence[bytes]) -> Iterator[Edit]:
    """`balance -= amount` -> `self.balance -= amount` in a method: a field of its object (`fields`:
    `class_fields`) written as a bare name, a local or a global that is not there (UnboundLocalError, NameError),
    or one that hides the field. Not its parameters, nor names after a dot or before `=` in a call."""
    defs = ix.nodes("function_definition")
    first = _first_parameter(defs[0]) if defs else None
    if first is None:
        return
    parameters = {ix.text(part) for part in _subtree(defs[0].child_by_field_name("parameters")) if part.type == "identifier"}
    # names the function binds itself: a loop's or comprehension's variable, a lambda's parameter, a case's capture
    bound = {ix.text(part) for node in ix.nodes("for_statement", "for_in_clause")
             for part in _subtree(node.child_by_field_name("left")) if part.type == "identifier"}
    bound |= {ix.text(part) for node in ix.nodes("lambda_parameters", "case_pattern") for part in _subtree(node) if part.type == "identifier"}
    wanted = set(fields) - parameters - bound
    for node in ix.nodes("identifier"):
        parent = node.parent
        if ix.text(node) not in wanted or parent is None or ix.scope_of(node) != defs[0]:
            continue
        if (parent.type == "attribute" and parent.child_by_field_name("attribute") == node) or \
                (parent.type == "keyword_argument" and parent.child_by_field_name("name") == node):
            continue
        yield _replace(node, ix.text(first) + b"." + ix.text(node))


def _first_parameter(function: Node) -> Node | None:
    """A function's first parameter when it is a plain name (`self`), else None."""
    parameters = function.child_by_field_name("parameters")
    first = parameters.named_children[0] if parameters is not None and parameters.named_children else None
    return first if first is not None and first.type == "identifier" else None


def class_fields(module: str, line: int) -> tuple[str, ...]:
    """The fields of the class whose method starts at `line` (1-based) in `module`: the names its body assigns
    or declares (`start: int`) and the attributes its methods set or read on their first parameter
    (`self.items`), in order of first appearance, less its methods and the attributes called like methods.
    () unless that function is a method that takes the object: a staticmethod or a function nested in a
    method has no `self` (`other_field` offers them)."""
    return next((fields for methods, fields in _classes(module) if line in methods), ())


@functools.lru_cache(maxsize=8)
def _classes(module: str) -> tuple[tuple[frozenset[int], tuple[str, ...]], ...]:
    """Per class of `module`: the `def` lines of its methods that take the object, and its fields (`class_fields`):
    every method of a file asks, so the file is parsed and each class read once."""
    source = module.encode("utf-8")
    text = functools.partial(node_text, source=source)
    classes, stack = [], [parse(source).root_node]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        body = node.child_by_field_name("body") if node.type == "class_definition" else None
        if body is None:
            continue
        fields: dict[str, bool] = {}  # name -> called like a method somewhere
        methods, lines = set(), set()
        for child in body.named_children:
            declared = _named(child)[0] if child.type == "expression_statement" and _named(child) else None
            target = declared.child_by_field_name("left") if declared is not None and declared.type == "assignment" else None
            if target is not None and target.type == "identifier":
                fields.setdefault(text(target), False)  # `x = 0`, `start: int`: a dataclass's or NamedTuple's fields
            method = child.child_by_field_name("definition") if child.type == "decorated_definition" else child
            if method is None or method.type != "function_definition":
                continue
            methods.add(text(method.child_by_field_name("name")))
            static = child.type == "decorated_definition" and any(text(d).strip() == "@staticmethod" for d in child.named_children if d.type == "decorator")
            first = None if static else _first_parameter(method)
            if first is None:
                continue
            lines.add(method.start_point[0] + 1)
            _read_fields(method.child_by_field_name("body"), text(first), text, fields)
        names = tuple(name for name, called in fields.items() if not called and name not in methods and not name.startswith("__"))
        classes.append((frozenset(lines), names))
    return tuple(classes)


def _read_fields(body: Node | None, own: str, text: Callable[[Node], str], fields: dict[str, bool]) -> None:
    """Add the attributes `body` sets or reads on `own` to `fields` (name -> called like a method somewhere)."""
    walk = [body]
    while walk:
        node = walk.pop()
        if node is None:
            continue
        obj, attr = node.child_by_field_name("object"), node.child_by_field_name("attribute")
        if node.type == "attribute" and obj is not None and attr is not None and text(obj) == own:
            fields[text(attr)] = fields.get(text(attr), False) or _is_call_function(node)
        walk.extend(reversed(node.children))


def _subscripts_in(node: Node) -> Iterator[Node]:
    return (part for part in _subtree(node) if part.type == "subscript")


def _subtree(node: Node) -> Iterator[Node]:
    yield node
    for child in node.children:
        yield from _subtree(child)


# Templates for mistakes people make that no bug operator makes, chosen on the development set's
# hand-written bugs (builtin:dev-handwritten, bench/make_dev_handwritten.py): a loop written as an if,
# a swap split into two assignments, two statements in the wrong order, list.sort()'s None used, a
# string method's result thrown away, a loop run the wrong way, a container as a default value.


def _if_to_while(ix: _Index) -> Iterator[Edit]:
    """`if n >= 10:` -> `while n >= 10:` for an if without elif/else: a loop written as a single check."""
    for node in ix.nodes("if_statement"):
        if not any(child.type in ("elif_clause", "else_clause") for child in node.children):
            yield Edit(node.start_byte, node.start_byte + 2, b"while")


def _statement_pairs(ix: _Index) -> Iterator[tuple[Node, Node]]:
    """Adjacent statements of one block (not a docstring), each starting its own line."""
    for block in ix.nodes("block", "module"):
        statements = [node for node in _named(block) if not _is_docstring(node)]
        for first, second in zip(statements, statements[1:]):
            if first.next_named_sibling == second and second.start_point[0] > first.end_point[0]:
                yield first, second


def _is_docstring(statement: Node) -> bool:
    parts = _named(statement) if statement.type == "expression_statement" else []
    return len(parts) == 1 and _is_string(parts[0])


def _join_assignments(ix: _Index) -> Iterator[Edit]:
    """`a = b` then `b = a % b` -> `a, b = b, a % b`: a simultaneous assignment split into two statements,
    the second reading what the first just overwrote."""
    for first, second in _statement_pairs(ix):
        pair = [_named(node)[0] if node.type == "expression_statement" and len(_named(node)) == 1 else None for node in (first, second)]
        if any(node is None or node.type != "assignment" for node in pair):
            continue
        (left_a, right_a), (left_b, right_b) = ((n.child_by_field_name("left"), n.child_by_field_name("right")) for n in pair)
        if None in (left_a, right_a, left_b, right_b) or any(n.type in ("pattern_list", "tuple_pattern") for n in (left_a, left_b)):
            continue
        target = ix.text(left_a)
        if target != ix.text(left_b) and any(ix.text(node) == target for node in _subtree(right_b)):
            joined = ix.text(left_a) + b", " + ix.text(left_b) + b" = " + ix.text(right_a) + b", " + ix.text(right_b)
            yield Edit(first.start_byte, second.end_byte, joined)


def _swap_statements(ix: _Index) -> Iterator[Edit]:
    """Two adjacent statements of a block (compound ones included) trade places: a check after the
    update it should precede, a mark set before it is read."""
    for first, second in _statement_pairs(ix):
        between = ix.source[first.end_byte:second.start_byte]
        if between.strip():
            continue  # a comment or `;` between them: not a plain pair of lines
        yield Edit(first.start_byte, second.end_byte, ix.text(second) + between + ix.text(first))


def _sorted_not_sort(ix: _Index) -> Iterator[Edit]:
    """`return xs.sort()` / `ys = xs.sort(key=k)` -> `sorted(xs, key=k)`: list.sort() sorts in place and returns None."""
    for call, target in _in_place_results(ix, b"sort"):
        arguments = ix.text(call.child_by_field_name("arguments"))[1:-1].strip()
        yield _replace(call, b"sorted(" + ix.text(target) + (b", " + arguments if arguments else b"") + b")")


def _in_place_results(ix: _Index, method: bytes) -> Iterator[tuple[Node, Node]]:
    """(call, its object) for each `xs.METHOD(...)` whose result is returned or assigned: an in-place method's None."""
    for call in ix.nodes("call"):
        function, parent = call.child_by_field_name("function"), call.parent
        if function is None or function.type != "attribute" or parent is None or parent.type not in ("return_statement", "assignment"):
            continue
        if ix.text(function.child_by_field_name("attribute")) == method:
            yield call, function.child_by_field_name("object")


def _reverse_range(ix: _Index) -> Iterator[Edit]:
    """`for c in range(n):` <-> `for c in range(n - 1, -1, -1):` (and `range(a, b)` <-> `range(b - 1, a - 1, -1)`):
    a loop that must visit its items the other way (an in-place update read too early or too late)."""
    for loop in ix.nodes("for_statement"):
        call = loop.child_by_field_name("right")
        if call is None or call.type != "call" or _call_name(ix, call) != b"range":
            continue
        args = _call_args(call)
        if not args or not all(_is_positional(arg) for arg in args) or len(args) > 3:
            continue
        if len(args) == 3:
            if ix.text(args[2]) == b"-1":  # range(hi, lo, -1) -> range(lo + 1, hi + 1)
                yield _replace(call, b"range(" + _shifted(ix, args[1], 1) + b", " + _shifted(ix, args[0], 1) + b")")
        else:
            start = _shifted(ix, args[0], -1) if len(args) == 2 else b"-1"
            yield _replace(call, b"range(" + _shifted(ix, args[-1], -1) + b", " + start + b", -1)")


def _shifted(ix: _Index, node: Node, by: int) -> bytes:
    """`node`'s text plus `by` (+1 or -1), written as people write it: `n - 1` + 1 -> `n`, `3` - 1 -> `2`."""
    text = ix.text(node)
    if node.type == "integer" or (node.type == "unary_operator" and ix.text(node).lstrip(b"-").isdigit()):
        try:
            return str(int(text, 0) + by).encode()
        except ValueError:
            pass
    undo = b" - 1" if by > 0 else b" + 1"
    if node.type == "binary_operator" and text.endswith(undo):
        return text[: -len(undo)]
    return _as_operand(ix, node) + (b" + 1" if by > 0 else b" - 1")


_RETURNS_NEW = frozenset({b"lower", b"upper", b"strip", b"lstrip", b"rstrip", b"replace", b"title", b"capitalize", b"casefold",
                          b"swapcase", b"removeprefix", b"removesuffix", b"expandtabs", b"zfill", b"center", b"ljust", b"rjust"})


def _keep_result(ix: _Index) -> Iterator[Edit]:
    """`name.lower()` alone as a statement -> `name = name.lower()`: str methods return a new string, and
    a call made for its effect changes nothing."""
    for statement in ix.nodes("expression_statement"):
        parts = _named(statement)
        if len(parts) != 1 or parts[0].type != "call":
            continue
        function = parts[0].child_by_field_name("function")
        if function is None or function.type != "attribute" or ix.text(function.child_by_field_name("attribute")) not in _RETURNS_NEW:
            continue
        target = function.child_by_field_name("object")
        if target is not None and target.type in ("identifier", "attribute", "subscript"):
            yield Edit(statement.start_byte, statement.start_byte, ix.text(target) + b" = ")


_CONTAINERS = ("list", "dictionary", "set", "list_comprehension", "dictionary_comprehension", "set_comprehension")
_CONTAINER_CALLS = (b"list", b"dict", b"set", b"collections.defaultdict", b"defaultdict", b"collections.OrderedDict", b"OrderedDict")


def _none_default(ix: _Index) -> Iterator[Edit]:
    """`def f(xs, seen=[]):` -> `def f(xs, seen=None):` with `if seen is None: seen = []` first in the body
    (after its docstring): a default value is made once, when the `def` runs, so a list, dict or set default
    is shared by every call that leaves it out, and what one call puts in it the next one finds
    (flake8-bugbear's B006)."""
    for func in ix.nodes("function_definition"):
        parameters, placed = func.child_by_field_name("parameters"), _body_start(ix, func)
        if parameters is None or placed is None:
            continue  # no statement to put the check before, a one-line function, or one sharing its line
        first, indent, unit = placed
        for parameter in parameters.named_children:
            name, value = parameter.child_by_field_name("name"), parameter.child_by_field_name("value")
            if parameter.type not in ("default_parameter", "typed_default_parameter") or name is None or value is None:
                continue
            function = value.child_by_field_name("function") if value.type == "call" else None
            if value.type not in _CONTAINERS and (function is None or ix.text(function) not in _CONTAINER_CALLS):
                continue
            newline = _newline(ix, first)
            check = b"if " + ix.text(name) + b" is None:" + newline + indent + unit + ix.text(name) + b" = " + ix.text(value) + newline + indent
            yield Edit(value.start_byte, first.start_byte, b"None" + ix.source[value.end_byte:first.start_byte] + check)


# Mistakes of where a statement stands, and Python's own pitfalls (flake8-bugbear, pylint): a statement
# one level too deep or too shallow at a block's end, an accumulator set inside the loop that adds to it
# (or outside the loop that must reset it), `[[0] * n] * m`, `x == "a" or "b"`, a list changed while a
# loop walks it, `print` where the function should return, `xs.reverse()`'s None used.

_BLOCKS = ("for_statement", "while_statement", "if_statement")
_JUMPS = ("return_statement", "raise_statement", "continue_statement", "break_statement")
_UPDATES = frozenset({b"append", b"extend", b"add", b"update", b"insert", b"setdefault", b"appendleft", b"extendleft"})
_MUTATES = _UPDATES | {b"remove", b"pop", b"discard", b"clear", b"popitem", b"popleft"}


def _line_start(ix: _Index, byte: int) -> int:
    return ix.source.rfind(b"\n", 0, byte) + 1


def _indent_of(ix: _Index, node: Node) -> bytes | None:
    """The whitespace before `node` on its line, None when something else stands there or after it."""
    indent = ix.source[_line_start(ix, node.start_byte):node.start_byte]
    line_end = ix.source.find(b"\n", node.end_byte)
    rest = ix.source[node.end_byte:] if line_end < 0 else ix.source[node.end_byte:line_end]
    return indent if not indent.strip() and not rest.strip() else None


def _reindented(ix: _Index, node: Node, old: bytes, new: bytes) -> bytes | None:
    """`node`'s lines (from its line's start) with the leading `old` of each made `new`; None when a string
    spans lines (its text would change) or a line does not start with `old`."""
    if any(_is_string(part) and part.start_point[0] != part.end_point[0] for part in _subtree(node)):
        return None
    lines = ix.source[_line_start(ix, node.start_byte):node.end_byte].split(b"\n")
    if not all(line.startswith(old) or not line.strip() for line in lines):
        return None
    return b"\n".join(new + line[len(old):] if line.strip() else line for line in lines)


def _plain_block(node: Node) -> tuple[bytes, list[Node]] | None:
    """(the body's node, its statements) for a loop without `else` or an `if` without `elif`/`else`."""
    if node.type not in _BLOCKS or any(child.type in ("else_clause", "elif_clause") for child in node.children):
        return None
    body = node.child_by_field_name("body") if node.type != "if_statement" else node.child_by_field_name("consequence")
    statements = _named(body) if body is not None else []
    return (body, statements) if statements and statements[0].start_point[0] > node.start_point[0] else None


def _move_out_of_block(ix: _Index) -> Iterator[Edit]:
    """The last statement of a loop's or an if's body one level out, after it (`return -1` inside the loop that
    should follow it), or the statement after the block one level in, its body's last (`result.append(total)`
    after the loop it belongs to)."""
    for node in ix.nodes(*_BLOCKS):
        block = _plain_block(node)
        outer = _indent_of(ix, node) if block else None
        inner = _indent_of(ix, block[1][0]) if block else None
        if outer is None or inner is None or len(inner) <= len(outer) or not inner.startswith(outer):
            continue
        last, after = block[1][-1], node.next_named_sibling
        if len(block[1]) > 1 and _indent_of(ix, last) == inner and (moved := _reindented(ix, last, inner, outer)) is not None:
            yield Edit(_line_start(ix, last.start_byte), last.end_byte, moved)
        if after is not None and after.type != "comment" and _indent_of(ix, after) == outer and node.end_byte <= last.end_byte \
                and last.type not in _JUMPS:  # not after a return: it would never run
            if (moved := _reindented(ix, after, outer, inner)) is not None:
                yield Edit(_line_start(ix, after.start_byte), after.end_byte, moved)


def _assigned_name(ix: _Index, statement: Node | None) -> bytes | None:
    """`total` for a statement `total = <expression>`."""
    parts = _named(statement) if statement is not None and statement.type == "expression_statement" else []
    target = parts[0].child_by_field_name("left") if len(parts) == 1 and parts[0].type == "assignment" else None
    return ix.text(target) if target is not None and target.type == "identifier" and parts[0].child_by_field_name("right") else None


def _updates(ix: _Index, body: Node, name: bytes) -> bool:
    """Whether `body` adds to `name`: `name += x`, `name.append(x)`, `name[k] = v`, `name = name + x`."""
    for node in _subtree(body):
        left = node.child_by_field_name("left") if node.type in ("augmented_assignment", "assignment") else None
        if node.type == "augmented_assignment" and left is not None and ix.text(left) == name:
            return True
        if node.type == "assignment" and left is not None and left.type == "subscript" and ix.text(left.child_by_field_name("value")) == name:
            return True
        if node.type == "assignment" and left is not None and ix.text(left) == name and any(
                part.type == "identifier" and ix.text(part) == name for part in _subtree(node.child_by_field_name("right"))):
            return True
        if _calls_method_of(ix, node, name, _UPDATES):
            return True
    return False


def _calls_method_of(ix: _Index, node: Node, name: bytes, methods: frozenset[bytes]) -> bool:
    """Whether `node` is a call `name.METHOD(...)` of one of `methods`."""
    function = node.child_by_field_name("function") if node.type == "call" else None
    return (function is not None and function.type == "attribute" and ix.text(function.child_by_field_name("object")) == name
            and ix.text(function.child_by_field_name("attribute")) in methods)


def _hoist_or_sink(ix: _Index) -> Iterator[Edit]:
    """`total = 0` first in a loop's body that adds to `total` -> before the loop (the sum restarts on every
    item), and `total = 0` just before a loop -> first in its body (a sum per row that never restarts)."""
    for loop in ix.nodes("for_statement", "while_statement"):
        block = _plain_block(loop)
        outer = _indent_of(ix, loop) if block else None
        inner = _indent_of(ix, block[1][0]) if block else None
        if outer is None or inner is None or len(inner) <= len(outer) or not inner.startswith(outer):
            continue
        body, statements = block
        first, before = statements[0], loop.prev_named_sibling
        targets = {ix.text(part) for part in _subtree(loop.child_by_field_name("left"))} if loop.type == "for_statement" else set()
        name = _assigned_name(ix, first)
        reads = {ix.text(part) for part in _subtree(first) if part.type == "identifier"} - {name}
        if name and len(statements) > 1 and not reads & targets and _updates(ix, body, name) \
                and (moved := _reindented(ix, first, inner, outer)) is not None:
            start, end = _line_start(ix, loop.start_byte), _line_start(ix, first.start_byte)
            line_end = ix.source.find(b"\n", first.end_byte)
            if line_end >= 0:
                yield Edit(start, line_end + 1, moved + ix.source[first.end_byte:line_end + 1] + ix.source[start:end])
        name = _assigned_name(ix, before)
        if name and _indent_of(ix, before) == outer and _updates(ix, body, name) and (moved := _reindented(ix, before, outer, inner)) is not None:
            start, end = ix.source.find(b"\n", before.end_byte) + 1, _line_start(ix, first.start_byte)
            yield Edit(_line_start(ix, before.start_byte), end, ix.source[start:end] + moved + ix.source[before.end_byte:start])


_MUTABLE_ITEMS = ("list", "dictionary", "set", "list_comprehension", "dictionary_comprehension", "set_comprehension")


def _list_copies(ix: _Index) -> Iterator[Edit]:
    """`[[0] * n] * m` -> `[[0] * n for _ in range(m)]`: multiplying a list repeats references, so every row
    is one and the same list."""
    for node in ix.nodes("binary_operator"):
        operator, left, right = (node.child_by_field_name(f) for f in ("operator", "left", "right"))
        if operator is None or ix.text(operator) != b"*" or left is None or right is None:
            continue
        for items, count in ((left, right), (right, left)):
            inside = _named(items) if items.type == "list" else []
            if len(inside) == 1 and _is_mutable_value(ix, inside[0]):
                item = ix.text(inside[0])
                name = b"_" if not re.search(rb"\b_\b", item) else b"_row"  # not a `_` the item reads
                times = _named(count)[0] if count.type == "parenthesized_expression" and len(_named(count)) == 1 else count
                yield _replace(node, b"[" + item + b" for " + name + b" in range(" + ix.text(times) + b")]")


def _is_mutable_value(ix: _Index, node: Node) -> bool:
    if node.type in _MUTABLE_ITEMS:
        return True
    if node.type == "call":
        return _call_name(ix, node) in _CONTAINER_CALLS
    if node.type == "binary_operator" and ix.text(node.child_by_field_name("operator")) == b"*":
        return any(side is not None and side.type == "list" for side in (node.child_by_field_name("left"), node.child_by_field_name("right")))
    return False


_LITERALS = ("string", "integer", "float", "concatenated_string")


_EFFECTS = frozenset({"call", "await", "named_expression", "yield"})


def _compare_each(ix: _Index) -> Iterator[Edit]:
    """`day == "sat" or "sun"` -> `day == "sat" or day == "sun"` (and `x != a and b`): a bare literal is
    always true, so the test never fails."""
    for node in ix.nodes("boolean_operator"):
        parent = node.parent
        if parent is not None and parent.type == "boolean_operator" and parent.child_by_field_name("left") == node:
            continue  # the chain is rewritten from its outermost node
        chain, link = [], node
        while link.type == "boolean_operator":
            chain.append(link.child_by_field_name("right"))
            link, word = link.child_by_field_name("left"), ix.text(link.child_by_field_name("operator"))
        operands, operators = _named(link), [ix.text(child) for child in link.children if not child.is_named]
        if link.type != "comparison_operator" or len(operands) != 2 or operators != [{b"or": b"==", b"and": b"!="}.get(word)]:
            continue
        if not any(part is not None and part.type in _LITERALS for part in chain) or len({ix.text(op) for op in _operators_of(ix, node)}) != 1:
            continue
        if any(part.type in _EFFECTS for part in _subtree(operands[0])):
            # A subject with a call is read once (`next(it) == "a" or next(it) == "b"` would read two items), and
            # `answer.lower() in ("y", "yes")` says it in one comparison; only when every other operand is a literal.
            if all(part.type in _LITERALS for part in chain):
                options = b", ".join([ix.text(operands[1]), *(ix.text(part) for part in reversed(chain))])
                yield _replace(node, ix.text(operands[0]) + (b" in (" if word == b"or" else b" not in (") + options + b")")
            continue
        subject, joined = ix.text(operands[0]) + b" " + operators[0] + b" ", ix.text(link)
        for part in reversed(chain):
            joined += b" " + word + b" " + (subject + ix.text(part) if part.type in _LITERALS else ix.text(part))
        yield _replace(node, joined)


def _operators_of(ix: _Index, node: Node) -> list[Node]:
    """The `or`/`and` words of a left-leaning chain of boolean operators."""
    words = []
    while node.type == "boolean_operator":
        words.append(node.child_by_field_name("operator"))
        node = node.child_by_field_name("left")
    return words


def _iterate_copy(ix: _Index) -> Iterator[Edit]:
    """`for w in words:` whose body calls `words.remove(w)` -> `for w in list(words):` (also `d.items()` with
    `del d[k]`): changing a list while a loop walks it skips items, a dict's size change raises."""
    for loop in ix.nodes("for_statement"):
        right, body = loop.child_by_field_name("right"), loop.child_by_field_name("body")
        if right is None or body is None:
            continue
        subject = right
        if right.type == "call" and not _call_args(right) and (function := right.child_by_field_name("function")) is not None \
                and function.type == "attribute" and ix.text(function.child_by_field_name("attribute")) in (b"items", b"keys", b"values"):
            subject = function.child_by_field_name("object")
        if subject is None or subject.type not in ("identifier", "attribute") or not _mutated_in(ix, body, ix.text(subject)):
            continue
        yield _replace(right, b"list(" + ix.text(right) + b")")


def _mutated_in(ix: _Index, body: Node, name: bytes) -> bool:
    for node in _subtree(body):
        if _calls_method_of(ix, node, name, _MUTATES):
            return True
        if node.type == "delete_statement" and any(part.type == "subscript" and ix.text(part.child_by_field_name("value")) == name
                                                   for part in _subtree(node)):
            return True
    return False


def _print_to_return(ix: _Index) -> Iterator[Edit]:
    """`print(total)` -> `return total` in a function: the value shown, not given back (the caller gets None)."""
    for statement in ix.nodes("expression_statement"):
        parts = _named(statement)
        if len(parts) != 1 or parts[0].type != "call" or _call_name(ix, parts[0]) != b"print":
            continue
        args = _call_args(parts[0])
        scope = ix.scope_of(statement)
        if args is not None and len(args) == 1 and _is_positional(args[0]) and scope is not None and scope.type == "function_definition":
            yield _replace(statement, b"return " + ix.text(args[0]))


def _reversed_not_reverse(ix: _Index) -> Iterator[Edit]:
    """`return xs.reverse()` -> `return xs[::-1]`: list.reverse() reverses in place and returns None."""
    for call, target in _in_place_results(ix, b"reverse"):
        if _call_args(call) == []:
            yield _replace(call, _as_operand(ix, target) + b"[::-1]")


# Python's scoping and iteration pitfalls: a closure made in a loop reads the loop's variable when it is
# called, a function that sets a module-level name makes a local of it, and an iterator is spent after
# one pass. (`d.get(k, []).append(v)` -> `setdefault` is in the ranked space: `incorrect_method_called`.)

def _bind_loop_variable(ix: _Index) -> Iterator[Edit]:
    """`for i in xs: fs.append(lambda: i)` -> `lambda i=i: i` (also a `def` in the loop): a closure reads the
    loop's variable when it is called, by then its last value (late binding, flake8-bugbear's B023)."""
    for closure in ix.nodes("lambda", "function_definition"):
        parameters, body = closure.child_by_field_name("parameters"), closure.child_by_field_name("body")
        if body is None or _ends_with_splat(parameters):
            continue
        own = (set(_parameter_names(parameters)) if parameters is not None else set()) | _bound_in(ix, body)
        read = {ix.text(node) for node in _subtree(body) if node.type == "identifier" and _reads(node)}
        names = [name for name in _loop_names(closure) if name in read and name not in own]
        if not names:
            continue
        added = b", ".join(name + b"=" + name for name in dict.fromkeys(names))
        if parameters is None:  # `lambda: i`
            keyword = closure.children[0]
            yield Edit(keyword.end_byte, keyword.end_byte, b" " + added)
        elif _named(parameters):
            yield Edit(_named(parameters)[-1].end_byte, _named(parameters)[-1].end_byte, b", " + added)
        else:  # `def f():`
            yield Edit(parameters.start_byte + 1, parameters.start_byte + 1, added)


def _bound_in(ix: _Index, body: Node) -> set[bytes]:
    """Names `body` binds or declares itself (assigned, loop and comprehension variables, `as` targets, imports,
    defs and classes, `global` / `nonlocal`): a closure's default parameter for one would be pointless or invalid."""
    bound: set[bytes] = set()
    for node in _subtree(body):
        if node.type in ("assignment", "augmented_assignment", "for_statement", "for_in_clause"):
            bound.update(_target_names(node.child_by_field_name("left")))
        elif node.type in ("named_expression", "function_definition", "class_definition"):
            bound.update(_target_names(node.child_by_field_name("name")))
        elif node.type == "as_pattern_target":
            bound.update(_target_names(node))
        elif node.type in ("global_statement", "nonlocal_statement"):
            bound.update(ix.text(name) for name in _named(node) if name.type == "identifier")
        elif node.type in ("import_statement", "import_from_statement"):
            for name in node.children_by_field_name("name"):
                alias = name.child_by_field_name("alias") if name.type == "aliased_import" else None
                bound.add(ix.text(alias) if alias is not None else ix.text(name).split(b".")[0])
    return bound


def _ends_with_splat(parameters: Node | None) -> bool:
    """A parameter list ending in `**kwargs` (or `/`, `*`): nothing may follow it as written."""
    parts = _named(parameters) if parameters is not None else []
    return bool(parts) and parts[-1].type in ("dictionary_splat_pattern", "positional_separator", "keyword_separator")


_NAMING_FIELDS = {"assignment": "left", "for_statement": "left", "for_in_clause": "left", "named_expression": "name",
                  "keyword_argument": "name", "default_parameter": "name", "typed_default_parameter": "name",
                  "function_definition": "name", "class_definition": "name", "attribute": "attribute"}


def _reads(node: Node) -> bool:
    """Whether an identifier reads its name's value (not a target, a parameter, a keyword or field name)."""
    parent = node.parent
    if parent is None or parent.type in ("parameters", "lambda_parameters", "pattern_list", "tuple_pattern", "list_pattern"):
        return False
    field = _NAMING_FIELDS.get(parent.type)
    return field is None or parent.child_by_field_name(field) != node


def _loop_names(closure: Node) -> list[bytes]:
    """The variables of the loops (and comprehensions) whose body holds `closure`, innermost first, up to
    the function around them."""
    names, child, node = [], closure, closure.parent
    while node is not None and node.type not in ("function_definition", "class_definition", "lambda", "module"):
        if node.type == "for_statement" and child == node.child_by_field_name("body"):
            names += _target_names(node.child_by_field_name("left"))
        if node.type in ("list_comprehension", "set_comprehension", "dictionary_comprehension", "generator_expression") \
                and child == node.child_by_field_name("body"):
            names += [name for clause in _named(node) if clause.type == "for_in_clause"
                      for name in _target_names(clause.child_by_field_name("left"))]
        child, node = node, node.parent
    return names


def _declare_global(ix: _Index, module_names: Collection[bytes]) -> Iterator[Edit]:
    """`count += 1` in a function, `count` set at module level (`module_names`: `places.module_names`) -> `global count`
    first in the body: a name the function assigns is its own local (`+=` raises UnboundLocalError; `count = 0`
    never resets the module's)."""
    for func in ix.nodes("function_definition"):
        body, parameters = func.child_by_field_name("body"), func.child_by_field_name("parameters")
        outer = func.parent.parent if func.parent is not None and func.parent.type == "decorated_definition" else func.parent
        if body is None or outer is None or outer.type != "module":
            continue  # a nested function's names are another matter (`nonlocal`)
        first_read: dict[bytes, int] = {}  # nested closures' reads count: they read the function's local
        declared = False  # already, or a nested function's `nonlocal` needs the local
        for node in _subtree(body):
            declared = declared or node.type in ("global_statement", "nonlocal_statement")
            if node.type == "identifier" and _reads(node):
                first_read.setdefault(ix.text(node), node.start_byte)
        if declared:
            continue
        first_binding: dict[bytes, int] = {}  # name -> where its first plain binding ends
        augmented, annotated = [], set()
        for node in _own_statements(body):
            if node.type == "augmented_assignment":
                augmented += _target_names(node.child_by_field_name("left"))
            elif node.type in ("assignment", "for_statement", "named_expression", "as_pattern_target"):
                target = node if node.type == "as_pattern_target" else node.child_by_field_name("left") or node.child_by_field_name("name")
                for name in _target_names(target):
                    first_binding.setdefault(name, node.end_byte)
                if node.type == "assignment" and node.child_by_field_name("type") is not None:
                    annotated.update(_target_names(target))  # `X: int = 3` cannot be declared global
        params = set(_parameter_names(parameters)) if parameters is not None else set()
        # `+=` on a name nothing binds before, a plain store never read, or one read before it is first bound
        # (`COUNT = COUNT + 1`): each raises UnboundLocalError or never reaches the module's name
        names = [name for name in dict.fromkeys(augmented) if name not in first_binding] + sorted(
            name for name, end in first_binding.items() if name not in augmented and first_read.get(name, end) <= end)
        names = [name for name in names if name in module_names and name not in params and name not in annotated]
        placed = _body_start(ix, func)
        if names and placed is not None:
            first, indent, _unit = placed
            yield Edit(first.start_byte, first.start_byte, b"global " + b", ".join(names) + _newline(ix, first) + indent)


def _newline(ix: _Index, statement: Node) -> bytes:
    """The line break before `statement` as the file writes it (CRLF kept)."""
    start = _line_start(ix, statement.start_byte)
    return b"\r\n" if ix.source[max(start - 2, 0):start] == b"\r\n" else b"\n"


def _own_statements(body: Node) -> Iterator[Node]:
    """The nodes of a function's body, not those of functions, lambdas and classes defined in it."""
    for child in body.children:
        yield child
        if child.type not in ("function_definition", "lambda", "class_definition", "decorated_definition"):
            yield from _own_statements(child)


def _body_start(ix: _Index, func: Node) -> tuple[Node, bytes, bytes] | None:
    """(first statement after the docstring, its indentation, the body's indentation past the `def`'s, tabs as
    they are), or None for a one-line function or a statement sharing its line."""
    body = func.child_by_field_name("body")
    statements = _named(body) if body is not None else []
    first = next((node for k, node in enumerate(statements) if k or not _is_docstring(node)), None)
    if first is None or first.start_point[0] == func.start_point[0]:
        return None
    indent = ix.source[_line_start(ix, first.start_byte):first.start_byte]
    if indent.strip():
        return None
    return first, indent, indent[func.start_point[1]:] or b"    "


_ONE_PASS = frozenset({b"map", b"filter", b"zip", b"reversed", b"enumerate"})


def _finite_generators(ix: _Index) -> set[bytes]:
    """The names of the module's generator functions that `list()` can read: not async (list() cannot take one), and
    not one that loops `while True` with no `return` or `break` in its body (list() of it never ends, and each such
    candidate cost validation a whole time limit)."""
    names = set()
    for func in ix.nodes("function_definition"):
        kinds = [(node.type, node) for node in _own_statements(func.child_by_field_name("body"))]
        forever = any(kind == "while_statement" and ix.text(node.child_by_field_name("condition")) in (b"True", b"1") for kind, node in kinds)
        stops = any(kind in ("return_statement", "break_statement") for kind, _ in kinds)
        if func.children[0].type != "async" and any(kind == "yield" for kind, _ in kinds) and (stops or not forever):
            names.add(ix.text(func.child_by_field_name("name")))
    return names


def _materialize_iterator(ix: _Index) -> Iterator[Edit]:
    """`pairs = zip(xs, ys)` read twice -> `pairs = list(zip(xs, ys))` (`(x for x in xs)` -> `[x for x in xs]`): an
    iterator (map, filter, zip, a generator) is spent after one pass, and the second reads nothing. Not one that
    `next()` reads."""
    generators = _finite_generators(ix)
    uses: list[Node] | None = None
    for assignment in ix.nodes("assignment"):
        left, right = assignment.child_by_field_name("left"), assignment.child_by_field_name("right")
        scope = ix.scope_of(assignment)
        if left is None or left.type != "identifier" or right is None or scope is None or scope.type != "function_definition":
            continue
        one_pass = right.type == "generator_expression" or (right.type == "call" and _call_name(ix, right) in _ONE_PASS | generators)
        if not one_pass:
            continue
        name, uses = ix.text(left), uses if uses is not None else list(_variable_uses(ix))
        reads = [node for node in uses if ix.text(node) == name and node.start_byte > assignment.end_byte and ix.scope_of(node) == scope]
        rebound = any(node.type in ("assignment", "for_statement") and node is not assignment and node.start_byte > assignment.end_byte
                      and name in _target_names(node.child_by_field_name("left")) for node in _own_statements(scope.child_by_field_name("body")))
        stepped = any(node.parent is not None and node.parent.parent is not None and node.parent.parent.type == "call"
                      and _call_name(ix, node.parent.parent) == b"next" for node in reads)  # meant to be taken one at a time
        if len(reads) >= 2 and not rebound and not stepped:
            text = ix.text(right)  # a generator expression becomes the list comprehension it stood for
            yield _replace(right, b"[" + text[1:-1] + b"]" if right.type == "generator_expression" else b"list(" + text + b")")


# Few sites each (~1 per line together), so the wide search tries them at every line of a function
# before the wide templates' dozens per line at its most suspicious ones (repair.wide_suggestions).
MISTAKE_TEMPLATES = {
    "if_to_while": _public_sites(_if_to_while),
    "keep_result": _public_sites(_keep_result),
    "join_assignments": _public_sites(_join_assignments, multiline=True),
    "swap_statements": _public_sites(_swap_statements, multiline=True),
    "sorted_not_sort": _public_sites(_sorted_not_sort),
    "reverse_range": _public_sites(_reverse_range),
    "none_default": _public_sites(_none_default, multiline=True),
    "move_out_of_block": _public_sites(_move_out_of_block, multiline=True),
    "hoist_or_sink": _public_sites(_hoist_or_sink, multiline=True),
    "list_copies": _public_sites(_list_copies),
    "compare_each": _public_sites(_compare_each),
    "iterate_copy": _public_sites(_iterate_copy),
    "print_to_return": _public_sites(_print_to_return),
    "reversed_not_reverse": _public_sites(_reversed_not_reverse),
    "bind_loop_variable": _public_sites(_bind_loop_variable),
    "materialize_iterator": _public_sites(_materialize_iterator),
}

# Operators whose sites in the repair space differ from those that inject bugs (the data keeps the latter).
REPAIR_VARIANTS = {
    "swap_numeric_literal": _public_sites(lambda ix: _numeric_swaps(ix, _NEAREST_NUMBERS)),
    "off_by_one_literal": _public_sites(_repair_literals),
    "toggle_augmented_assignment": _public_sites(lambda ix: _toggle_augmented_assignment(ix, repair=True)),
}

WIDE_TEMPLATES = {
    "other_arithmetic_operator": _public_sites(_other_arithmetic_operator),
    "other_comparison": _public_sites(_other_comparison),
    "add_arithmetic_operand": _public_sites(_add_arithmetic_operand),
    "wrap_in_any_call": _public_sites(_wrap_in_any_call),
    "add_guard": _public_sites(_add_guard),
}


def repair_sites(tree: Any, data: bytes, wide: bool = False, only: Collection[str] | None = None,
                 fields: Sequence[str] = (), globals_: Sequence[str] = ()) -> Iterator[tuple[str, Edit]]:
    """(name, edit) for every edit in the repair space, operator by operator (`wide`: then the mistake
    templates' and the wide space's, with `other_field` when the class's `fields` are given and `declare_global`
    when the module's names, `globals_`, are; `only`: just the operators and templates of these names)."""
    for operator in OPERATORS.values():
        if (operator.invertible or operator.name in REPAIR_ONLY_OPERATORS) and (only is None or operator.name in only):
            yield from ((operator.name, edit) for edit in REPAIR_VARIANTS.get(operator.name, operator.sites)(tree, data))
    templates = REPAIR_TEMPLATES | (MISTAKE_TEMPLATES | WIDE_TEMPLATES if wide else {})
    if wide and fields:
        known = [field.encode("utf-8") for field in fields]
        templates["other_field"] = _public_sites(functools.partial(_other_field, fields=known))
        templates["own_field"] = _public_sites(functools.partial(_own_field, fields=known))
    if wide and globals_:
        templates["declare_global"] = _public_sites(functools.partial(_declare_global, module_names=frozenset(
            name.encode("utf-8") for name in globals_)), multiline=True)
    for name, sites in templates.items():
        if only is None or name in only:
            yield from ((name, edit) for edit in sites(tree, data))


def candidate_fixes(source: str, lines: Collection[int] | None = None, wide: bool = False,
                    only: Collection[str] | None = None, fields: Sequence[str] = (),
                    globals_: Sequence[str] = ()) -> list[tuple[str, str]]:
    """Every single-edit variant `(patched_source, operator_name)` in the repair space.

    This is the repair search space: the inverse of the injection operators (the invertible
    ones, the operators in REPAIR_ONLY_OPERATORS and the templates in REPAIR_TEMPLATES; `wide`
    adds MISTAKE_TEMPLATES and WIDE_TEMPLATES, for validation by tests, with a method's `fields`
    (`class_fields`) `other_field` and `own_field`, and with a top-level function's module's names
    (`places.module_names`) `declare_global`). `lines` (1-based) keeps only
    edits that start on those lines; `only`, only the operators and templates of those names.
    Variants that do not parse, or parse to the same AST as `source` or as an earlier variant, are
    left out. Unlike the injection of bugs, it edits the expressions of f-strings (`f"{count - 1}"`).
    """
    token = _FSTRINGS.set(True)
    try:
        return _candidate_fixes(source, lines, wide, only, fields, globals_)
    finally:
        _FSTRINGS.reset(token)


def _candidate_fixes(source: str, lines: Collection[int] | None, wide: bool, only: Collection[str] | None,
                     fields: Sequence[str], globals_: Sequence[str]) -> list[tuple[str, str]]:
    data = source.encode("utf-8")
    tree = parse(data)
    ix = _index(tree, data)
    statements = _Statements(data, tree)
    seen = {statements.key}
    wanted = set(lines) if lines is not None else None
    candidates = []
    for name, edit in repair_sites(tree, data, wide, only, fields, globals_):
        if wanted is not None and ix.line_of(edit.start_byte) not in wanted:
            continue
        if _subscripts_itself(tree.root_node, data, edit):
            continue
        key = statements.variant_key(edit)
        if key is None or key in seen:
            continue
        seen.add(key)
        candidates.append((apply_edit(data, edit).decode("utf-8"), name))
    return candidates


def _subscripts_itself(root: Node, data: bytes, edit: Edit) -> bool:
    """Whether `edit` makes a name subscripted by itself, as a whole index or slice bound: `seq[n:]` ->
    `seq[n:seq]`, `seq[seq:]` or `n[n:]`. Never a fix, and it passed tests where it raised into the
    function's `except TypeError` (QA: toolz's `tail`, whose four plausible fixes were all such). Not where
    the name is part of a larger index (`a[a > 0]`, numpy's masks)."""
    name = edit.replacement.strip()
    if not name.decode("utf-8", "replace").isidentifier():
        return False
    node = root.descendant_for_byte_range(edit.start_byte, edit.end_byte)
    if edit.start_byte == edit.end_byte:  # an inserted bound (restore_slice_bound), in a slice of the subscript around it
        subscript = node
        while subscript is not None and subscript.type != "subscript":
            subscript = subscript.parent
        if subscript is None or not any(part.type == "slice" and part.start_byte <= edit.start_byte <= part.end_byte
                                         for part in subscript.children_by_field_name("subscript")):
            return False
    elif node.type == "identifier" and (node.start_byte, node.end_byte) == (edit.start_byte, edit.end_byte):
        subscript = node.parent if node.parent is not None and node.parent.type == "slice" else node
        subscript = subscript.parent
    else:
        return False
    if subscript is None or subscript.type != "subscript" or (value := subscript.child_by_field_name("value")) is None:
        return False
    if value.type != "identifier":
        return False
    wholes = [child for part in subscript.children_by_field_name("subscript")
              for child in ([part] if part.type != "slice" else part.named_children) if child.type == "identifier"]
    if value.start_byte == edit.start_byte and value.end_byte == edit.end_byte:  # the object replaced by a bound's name
        return any(data[child.start_byte:child.end_byte] == name for child in wholes)
    return data[value.start_byte:value.end_byte] == name and (edit.start_byte == edit.end_byte or node in wholes)


def _body_dumps(source: bytes) -> tuple[str, ...] | None:
    """`ast.dump` of each top-level statement (together, the module's dump: it leaves positions out, so a
    statement's dump does not depend on where it stands); None when Python cannot parse `source`."""
    tree = _parse_ast(source)
    return tuple(ast.dump(statement) for statement in tree.body) if tree is not None else None


class _Statements:
    """Keys of a source's single-edit variants, equal exactly when the variants' ASTs are equal (`ast.dump`
    leaves positions out), None for a variant that does not parse (tree-sitter or Python). Reading every
    variant whole made a space quadratic in the code's length (a 140-line function: ~9 s; a 100-line
    script: 15 s), so a variant's key comes from the statements its edit touches, read alone:

    - an edit inside a statement of a block (a function's body, a loop's): that statement, dedented, read
      alone; a variant whose statement reads the same is the original, and two variants that change
      different statements (or one a statement, the other the block around it) are never the same AST, so
      the key is the statement's place and its new dump;
    - an edit at the top level: the module's top-level statements' dumps, with those it touches read alone.

    Where a statement does not stand alone (it shares a line with another, or a string runs out of its
    indentation), the edit adds or removes statements, or the part read alone does not parse, the variant
    is read whole (`_whole_key`), as before."""

    def __init__(self, data: bytes, tree: Any):
        self.data, self.root = data, tree.root_node
        nodes = [node for node in tree.root_node.named_children if node.type != "comment"]  # not the `;` between statements
        self.spans = [(node.start_byte, node.end_byte) for node in nodes]
        self.key = None if has_error(tree) else _body_dumps(data)
        self.units: dict[int, tuple[str, ...] | None] = {}  # a nested statement's start -> its own dump, read alone

    @functools.cached_property
    def parts(self) -> list[tuple[str, ...]] | None:
        """Each top-level statement's dumps, read alone (None when they do not add up to the module's): read
        only for an edit at the top level, which a function's code (the wide search's, line by line) rarely has."""
        parts = [_body_dumps(self.data[start:end]) for start, end in self.spans]
        return parts if None not in parts and self.key == tuple(d for part in parts for d in part) else None

    def variant_key(self, edit: Edit) -> tuple | None:
        unit = self._innermost_statement(edit) if self.key is not None else None
        if unit is not None:
            return self._nested_key(unit, edit)
        touched = [k for k, (start, end) in enumerate(self.spans) if start <= edit.end_byte and edit.start_byte <= end]
        if not touched or self.parts is None:
            return _whole_key(apply_edit(self.data, edit))
        first, last = touched[0], touched[-1]
        start, end = min(self.spans[first][0], edit.start_byte), max(self.spans[last][1], edit.end_byte)
        if not (_line_starts_at(self.data, start) and _line_ends_at(self.data, end)):  # statements sharing a line with others
            return _whole_key(apply_edit(self.data, edit))
        region = self.data[start : edit.start_byte] + edit.replacement + self.data[edit.end_byte : end]
        read = _whole_key(region)
        if read is None:  # or it reads only after the statements before it: one indented into the block above
            return _whole_key(apply_edit(self.data, edit)) if region[:1].isspace() else None
        return tuple(d for part in self.parts[:first] for d in part) + read + tuple(d for part in self.parts[last + 1 :] for d in part)

    def _innermost_statement(self, edit: Edit) -> Any:
        """The innermost statement of a block (not the module's top level) whose text holds the whole edit."""
        node, unit = self.root, None
        while True:
            child = next((c for c in node.named_children if c.start_byte <= edit.start_byte and edit.end_byte <= c.end_byte), None)
            if child is None:
                return unit
            if node.type == "block" and child.type != "comment":
                unit = child
            node = child

    def _nested_key(self, unit: Any, edit: Edit) -> tuple | None:
        if unit.start_byte not in self.units:
            self.units[unit.start_byte] = _read_alone(self.data, unit.start_byte, self.data[unit.start_byte : unit.end_byte], unit.end_byte)
        original = self.units[unit.start_byte]
        text = self.data[unit.start_byte : edit.start_byte] + edit.replacement + self.data[edit.end_byte : unit.end_byte]
        read = _read_alone(self.data, unit.start_byte, text, unit.end_byte) if original is not None else None
        if read is None or len(read) != 1:
            return _whole_key(apply_edit(self.data, edit))
        return self.key if read == original else ("nested", unit.start_byte, unit.end_byte) + read


def _read_alone(data: bytes, start: int, text: bytes, end: int) -> tuple[str, ...] | None:
    """`_whole_key` of a nested statement's `text` (which stands at `start`..`end` of `data`), dedented by
    its line's indentation; None when it cannot be read alone: it shares a line with other code, a line of
    it (inside a string) is not indented as deep, or it does not parse alone."""
    line_start = data.rfind(b"\n", 0, start) + 1
    indent = data[line_start:start]
    if indent.strip(b" \t") or not _line_ends_at(data, end):
        return None
    lines = text.split(b"\n")
    if any(line.strip(b"\r") and not line.startswith(indent) for line in lines[1:]):
        return None
    return _whole_key(b"\n".join([lines[0]] + [line[len(indent):] if line.strip(b"\r") else line for line in lines[1:]]))


def _line_starts_at(data: bytes, at: int) -> bool:
    return at == 0 or data[at - 1 : at] == b"\n"


def _line_ends_at(data: bytes, at: int) -> bool:
    rest = data[at:].lstrip(b" \t")
    return not rest or rest[:1] in (b"\n", b"\r", b"#")


def _whole_key(source: bytes) -> tuple[str, ...] | None:
    """The key of `source` read whole: its statements' dumps, None when tree-sitter or Python finds an error."""
    return None if has_error(parse(source)) else _body_dumps(source)
