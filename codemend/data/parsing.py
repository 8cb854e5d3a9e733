"""One tree-sitter parser for Python, shared by the corpus, the bug operators and inference.

    from codemend.data.parsing import parse
    tree = parse(b"def f(x):\n    return x + 1\n")
"""

from __future__ import annotations

import functools
from typing import Iterator


@functools.lru_cache(maxsize=1)
def _parser():
    # Imported here so that `codemend --help` never pays for the grammar.
    import tree_sitter
    import tree_sitter_python

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_python.language()))


def parse(source: bytes | str):
    """Parse Python source with tree-sitter and return the `tree_sitter.Tree`."""
    if isinstance(source, str):
        source = source.encode("utf-8")
    return _parser().parse(source)


def has_error(tree) -> bool:
    """True when tree-sitter had to recover from a syntax error anywhere in the tree."""
    return tree.root_node.has_error


def first_error_line(tree) -> int | None:
    """1-based line of the first ERROR or MISSING node, or None when the tree is clean."""
    for node in walk(tree.root_node):
        if node.type == "ERROR" or node.is_missing:
            return node.start_point[0] + 1
    return None


def walk(node) -> Iterator:
    """Pre-order walk over every node under (and including) `node`."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def node_text(node, source: bytes) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8")
