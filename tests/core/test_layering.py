"""One rule, one place, read in the code: core depends on no app (the apps register their
parts with it), and views neither write audit rows nor query models themselves (services
and selectors do)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("members", "surveys", "casework")


def _modules(folder):
    for path in sorted((ROOT / folder).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text(), filename=str(path))


def _imported(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


def test_core_imports_no_app():
    found = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path, tree in _modules("core")
        for name in _imported(tree)
        if name.split(".")[0] in APPS
    ]
    assert found == []


@pytest.mark.parametrize("app", APPS)
def test_views_write_no_audit_rows_and_query_no_models(app):
    path = ROOT / app / "views.py"
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "record_event":
            found.append(f"line {node.lineno}: record_event")
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            found.append(f"line {node.lineno}: .objects")
    assert found == []


def test_access_is_asked_of_the_roles_not_of_has_perm():
    # Django's User.has_perm answers True for any active superuser before asking a backend,
    # so one `user.has_perm(...)` in a gatekeeper lets a superuser without a role in.
    found = [
        f"{path.relative_to(ROOT)} line {node.lineno}"
        for folder in ("core", *APPS)
        for path, tree in _modules(folder)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in ("has_perm", "has_perms")
        and path.name != "backends.py"
    ]
    assert found == []
