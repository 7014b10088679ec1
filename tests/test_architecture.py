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
        "costs",
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


# What only the store may import: the database libraries and its tables. The bench measures us
# against bare SQLAlchemy, so it may import it for its baselines.
STORE_ONLY = (
    "sqlalchemy",
    "alembic",
    "psycopg",
    "sqlite3",
    "adbc_driver_postgresql",
    "workbench.store.schema",
)
STORE_ONLY_EXEMPT = {"store", "bench"}


def _names(path):
    """Every module ``path`` imports, ``from workbench.store import schema`` as its full name."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _under(name, prefixes):
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_only_the_store_imports_the_database_or_its_tables():
    offenders = []
    for path in sorted((ROOT / "workbench").rglob("*.py")):
        package = path.relative_to(ROOT / "workbench").parts[0]
        if package in STORE_ONLY_EXEMPT:
            continue
        offenders += [
            f"{path.relative_to(ROOT)} imports {n}" for n in _names(path) if _under(n, STORE_ONLY)
        ]
    assert not offenders, offenders


def test_the_x_adapter_holds_no_use_case():
    """``xapi/`` is the X adapter: intake and the outbox are use cases in packages of their own,
    and the adapter knows nothing of them or of the store."""
    xapi = ROOT / "workbench" / "xapi"
    assert not {p.stem for p in xapi.glob("*.py")} & {"ingest", "outbox", "command"}
    offenders = [
        f"{path.relative_to(ROOT)} imports {n}"
        for path in sorted(xapi.rglob("*.py"))
        for n in _names(path)
        if _under(n, ("workbench.intake", "workbench.outbox", "workbench.store"))
    ]
    assert not offenders, offenders


def test_views_never_reach_the_store():
    """Views render observable models; the store is the model's business."""
    offenders = []
    for path in sorted((ROOT / "workbench" / "widgets").rglob("*.py")):
        offenders += [
            f"{path.relative_to(ROOT)} imports {n}"
            for n in _names(path)
            if _under(n, ("workbench.store", *STORE_ONLY))
        ]
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if ".store." in code or code.rstrip().endswith(".store"):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, offenders


def test_the_workspace_receives_its_adapters_through_typed_ports():
    """No ``Any`` in the workspace's signatures: the outbox and the gateway are Protocols."""
    offenders = []
    for path in sorted((ROOT / "workbench" / "workspace").rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = node.args
                annotated = [
                    a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)
                ]
                for annotation in (*annotated, node.returns):
                    if annotation is not None and "Any" in ast.unparse(annotation):
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not offenders, offenders


def test_every_error_a_user_meets_is_a_workbench_error():
    """The CLI prints a ``WorkbenchError`` as one line; the domain's own errors are ones too."""
    from workbench.domain import TransitionError
    from workbench.errors import (
        ConfigError,
        StoreError,
        UsageError,
        ValidationError,
        WorkbenchError,
    )
    from workbench.store import ConflictError, NotFoundError

    for error in (
        TransitionError,
        ConfigError,
        StoreError,
        UsageError,
        ValidationError,
        ConflictError,
        NotFoundError,
    ):
        assert issubclass(error, WorkbenchError), error


def test_nothing_changes_what_an_interaction_was_added_with():
    """A save writes only ``SAVED_KEYS`` (the store): the other columns of an interaction (its
    ids, channel, timeline, contact, arrival) are written once, so no code may change them on an
    interaction it then saves; the domain's transitions change only saved columns."""
    from workbench.store._rows import INTERACTION_KEYS, SAVED_KEYS

    fixed = set(INTERACTION_KEYS) - set(SAVED_KEYS)
    domain = ROOT / "workbench" / "domain" / "interaction.py"
    offenders = []
    for path in sorted((ROOT / "workbench").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            else:
                continue
            for target in targets:
                for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if not isinstance(element, ast.Attribute) or element.attr not in fixed:
                        continue
                    on_self = isinstance(element.value, ast.Name) and element.value.id == "self"
                    if path == domain or not on_self:  # another class's own attribute is not
                        where = f"{path.relative_to(ROOT)}:{node.lineno}"
                        offenders.append(f"{where} sets {ast.unparse(element)}")
    assert not offenders, offenders
    # Every column a transition sets is saved (the dataclass's fields are the columns).
    saved = set(SAVED_KEYS)
    for node in ast.walk(ast.parse(domain.read_text())):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if isinstance(element, ast.Attribute) and element.attr in INTERACTION_KEYS:
                        assert element.attr in saved, f"{element.attr} is changed but not saved"
