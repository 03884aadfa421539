"""`make lint`: no yiwang app imports another one inside a function, except in AppConfig.ready().

An import hidden in a function body is how a circle between apps stays invisible: import-linter's
layers contract (pyproject.toml, [tool.importlinter]) sees it and refuses it when it points upwards,
and this check asks that every import of a sibling app stands at the top of its module, where a
reader sees the app's dependencies. AppConfig.ready() is the one place Django wants such imports
(signal receivers, checks). Imports within the same app (`from .delivery import ...`) are free, and
so are tests, test helpers and migrations, which the layer rules leave out as well.

    python -m yiwang.platform.lint_imports [PACKAGE_DIR]     # default: the installed yiwang package

Prints one line per import found, `path:line: ...`, and exits 1 if there is any.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

EXEMPT_DIRS = {"tests", "testing", "migrations"}
EXEMPT_FILES = {"conftest.py"}


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    importer: str
    imported: str
    function: str

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.importer} imports {self.imported} inside {self.function}(); "
            "move it to the top of the module, or, if it points upwards, restructure"
        )


def app_of(module: str, package: str) -> str:
    """`yiwang.cases.services` -> `yiwang.cases`; a project module (`yiwang.urls`) is its own app."""
    parts = module.split(".")
    if parts[0] != package:
        return ""
    return ".".join(parts[:2]) if len(parts) > 1 else package


def _module_name(path: Path, package_dir: Path) -> tuple[str, bool]:
    """The dotted name of a file and whether it is a package's __init__."""
    rel = path.relative_to(package_dir.parent).with_suffix("")
    parts = list(rel.parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join([*base, *([node.module] if node.module else [])])


def _is_app_config(cls: ast.ClassDef) -> bool:
    return any(
        (isinstance(b, ast.Name) and b.id == "AppConfig") or (isinstance(b, ast.Attribute) and b.attr == "AppConfig")
        for b in cls.bases
    )


class _Visitor(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool):
        self.module, self.is_package = module, is_package
        self.scopes: list[ast.AST] = []  # enclosing classes and functions, outermost first
        self.found: list[tuple[int, str, str]] = []  # (line, imported module, innermost function)

    def _scoped(self, node: ast.AST) -> None:
        self.scopes.append(node)
        self.generic_visit(node)
        self.scopes.pop()

    visit_ClassDef = visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _scoped

    def _in_ready(self) -> bool:
        for outer, inner in zip(self.scopes, self.scopes[1:], strict=False):
            if (
                isinstance(outer, ast.ClassDef)
                and _is_app_config(outer)
                and isinstance(inner, ast.FunctionDef)
                and inner.name == "ready"
            ):
                return True
        return False

    def _function(self) -> str | None:
        names = [s.name for s in self.scopes if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)]
        if not names:
            return None
        return names[-1]

    def _record(self, node: ast.stmt, imported: str) -> None:
        function = self._function()
        if function is not None and not self._in_ready():
            self.found.append((node.lineno, imported, function))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._record(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = _resolve(node, self.module, self.is_package)
        if base == self.module.split(".")[0]:  # `from yiwang import x`: x is the module
            for alias in node.names:
                self._record(node, f"{base}.{alias.name}")
        else:
            self._record(node, base)


def _files(package_dir: Path) -> Iterator[Path]:
    for path in sorted(package_dir.rglob("*.py")):
        rel = path.relative_to(package_dir)
        if EXEMPT_DIRS.intersection(rel.parts[:-1]) or path.name in EXEMPT_FILES:
            continue
        yield path


def check(package_dir: Path) -> list[Finding]:
    package = package_dir.name
    findings = []
    for path in _files(package_dir):
        module, is_package = _module_name(path, package_dir)
        visitor = _Visitor(module, is_package)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        own = app_of(module, package)
        for line, imported, function in visitor.found:
            other = app_of(imported, package)
            if other and other != own:
                findings.append(Finding(path, line, module, imported, function))
    return findings


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    package_dir = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent
    try:
        package_dir = package_dir.relative_to(Path.cwd())
    except ValueError:
        pass
    findings = check(package_dir)
    for finding in findings:
        print(finding)
    if findings:
        print(f"{len(findings)} import(s) of another app inside a function (only AppConfig.ready() may)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
