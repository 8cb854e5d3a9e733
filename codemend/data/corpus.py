"""Collect Python functions (with their module context and provenance) from source trees.

    from codemend.data.corpus import iter_python_files, extract_functions
    for path in iter_python_files(["src/"]):
        functions, skipped = extract_functions(path.read_bytes(), path=str(path))
"""

from __future__ import annotations

import logging
import os
import sysconfig
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from codemend.data.parsing import has_error, node_text, parse

logger = logging.getLogger(__name__)

# Folders that hold generated, vendored or installed code rather than the project's own.
SKIP_DIRS = {
    "__pycache__", ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules",
    "site-packages", "dist-packages", "build", "dist", "_vendor", "vendor", "vendored",
    ".mypy_cache", ".pytest_cache", ".eggs",
}
MAX_FILE_BYTES = 1_000_000  # larger files are almost always generated tables


@dataclass(frozen=True)
class Function:
    code: str  # dedented source of the function (decorators excluded), ending with a newline
    name: str  # qualified name, e.g. "Path.exists"
    file: str  # path as given (relative to its source root when collected from a tree)
    start_line: int  # 1-based line of the `def` in the file
    end_line: int
    context: str  # module imports and the enclosing class header: what a reader needs to see
    indent: str  # indentation the function had in its file, to put a patch back


def stdlib_root() -> Path:
    """The standard library of the running interpreter: the default corpus."""
    return Path(sysconfig.get_paths()["stdlib"])


def iter_python_files(roots: Iterable[str | os.PathLike]) -> Iterator[tuple[Path, Path]]:
    """Yield (root, file) for every .py file under `roots`, sorted, skipping vendored folders.

    Symlinked folders are not followed, so symlink loops cannot trap the walk.
    """
    for root in roots:
        root = Path(root)
        if root.is_file():
            yield root.parent, root
            continue
        for folder, dirs, files in os.walk(root, followlinks=False):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
            for name in sorted(files):
                path = Path(folder) / name
                if name.endswith(".py") and not path.is_symlink():
                    yield root, path


def decode_source(data: bytes) -> str | None:
    """UTF-8 text of a source file, or None for binary or non-UTF-8 content."""
    if b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def module_context(root, source: bytes, max_lines: int = 8) -> list[str]:
    """The module's import lines (the first `max_lines`): names a function may rely on."""
    imports = []
    for child in root.children:
        if child.type in ("import_statement", "import_from_statement", "future_import_statement"):
            imports.append(" ".join(node_text(child, source).split()))
            if len(imports) == max_lines:
                break
    return imports


def _function_nodes(node, classes: tuple[str, ...] = ()) -> Iterator[tuple[object, tuple[str, ...]]]:
    """(function_definition node, enclosing class headers) for every function, nested ones included."""
    for child in node.children:
        target = child.child_by_field_name("definition") if child.type == "decorated_definition" else child
        if target is None:
            continue
        if target.type == "function_definition":
            yield target, classes
            body = target.child_by_field_name("body")
            if body is not None:
                yield from _function_nodes(body, classes)
        elif target.type == "class_definition":
            body = target.child_by_field_name("body")
            if body is not None:
                yield from _function_nodes(body, classes + (target,))
        elif child.type in ("if_statement", "try_statement", "with_statement", "block", "else_clause", "except_clause", "finally_clause"):
            yield from _function_nodes(child, classes)


def _class_header(node, source: bytes) -> str:
    name = node_text(node.child_by_field_name("name"), source)
    bases = node.child_by_field_name("superclasses")
    return f"class {name}{node_text(bases, source) if bases else ''}:"


def extract_functions(
    data: bytes, path: str = "<memory>", min_lines: int = 1, max_lines: int = 10_000
) -> tuple[list[Function], str | None]:
    """Functions of one file, and the reason the whole file was skipped (None when it was read).

    Functions containing a syntax error are left out; the rest of the file is still used.
    """
    if len(data) > MAX_FILE_BYTES:
        return [], "too_large"
    text = decode_source(data)
    if text is None:
        return [], "not_utf8"
    source = text.encode("utf-8")
    tree = parse(source)
    imports = module_context(tree.root_node, source)
    functions = []
    lines = text.splitlines(keepends=True)
    for node, classes in _function_nodes(tree.root_node):
        start, end = node.start_point[0], node.end_point[0]
        n_lines = end - start + 1
        if not min_lines <= n_lines <= max_lines or node.has_error:
            continue
        raw = "".join(lines[start : end + 1])
        indent = raw[: len(raw) - len(raw.lstrip())]
        code = textwrap.dedent(raw)
        if code[:1].isspace():
            continue  # a string literal less indented than the def: cannot stand alone
        if not code.endswith("\n"):
            code += "\n"
        names = [node_text(c.child_by_field_name("name"), source) for c in classes]
        name = ".".join(names + [node_text(node.child_by_field_name("name"), source)])
        context = "\n".join(imports + [_class_header(c, source) for c in classes[-1:]])
        functions.append(Function(code, name, path, start + 1, end + 1, context, indent))
    if has_error(tree) and not functions:
        return [], "unparsable"
    return functions, None
