"""Package exports imported when first used, so that ``workbench --help`` and a command's
``--help`` do not pay for pandas, scikit-learn or SQLAlchemy (PEP 562 module ``__getattr__``)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from typing import Any


def export(package: str, where: Mapping[str, str], name: str) -> Any:
    """The attribute ``name`` of ``package``: imported from the module ``where`` names for it,
    then kept on the package (the next lookup does not come here)."""
    module = where.get(name)
    if module is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    setattr(sys.modules[package], name, value)
    return value
