"""Dependencies point inward: the domain imports only the standard library and itself."""

from __future__ import annotations

import ast
import sys

from tests.conftest import ROOT

DOMAIN = ROOT / "workbench" / "domain"
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def imports(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_domain_imports_nothing_third_party():
    offenders = []
    for path in sorted(DOMAIN.rglob("*.py")):
        for name in imports(path):
            top = name.split(".")[0]
            if top not in STDLIB and not name.startswith("workbench.domain"):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, offenders


def test_use_cases_do_not_import_widgets():
    offenders = []
    for package in (
        "domain",
        "store",
        "xapi",
        "intake",
        "outbox",
        "sandbox",
        "classify",
        "routing",
        "workspace",
        "analytics",
        "reports",
    ):
        for path in sorted((ROOT / "workbench" / package).rglob("*.py")):
            for name in imports(path):
                if name.split(".")[0] in {"ipywidgets", "anywidget"} or name.startswith(
                    "workbench.widgets"
                ):
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, offenders
