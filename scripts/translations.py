"""Extract the views' messages into workbench/locale/workbench.pot, bring each language's .po up
to date with it (new messages empty, gone ones dropped) and compile the .mo files.

``make translations`` runs it; tests/test_i18n.py uses ``extract()`` to check that every message
has its French. The messages are the strings of workbench/ marked with ``_``, ``N_``,
``ngettext``, ``pgettext`` or ``NP_``, the sentences for a person of ``Said(...)``, the reasons of
workbench/data/x_plans.json (X's refusals the views show), and the labels of the data files the
desk shows (``DATA_LABELS``: dispositions, queues, priority rules, standard responses, the nouns
of X's rate limits), so that whoever edits a data file writes the English label and the
translators find it here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "workbench"
LOCALE = PACKAGE / "locale"
POT = LOCALE / "workbench.pot"
LANGUAGES = ("fr",)
KEYWORDS = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "NP_": ((1, "c"), 2),
    "Said": None,
}
DATA_LABELS: dict[str, tuple[tuple[str, ...], ...]] = {
    "dispositions.json": (("label",),),
    "queues.json": (("queues", "label"), ("priority_rules", "name")),
    "standard_responses.json": (("label",),),
    "x_limits.json": (("endpoints", "noun"),),
}
"""The labels the desk shows from the data files: file -> paths to them (the key of a list or an
object, then the field of each of its entries; a file that is a list: the field alone)."""


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "workbench.po"


def extract() -> Catalog:
    """The template catalog: every marked message of the package, with where it is."""
    catalog = Catalog(
        project="workbench",
        domain="workbench",
        charset="utf-8",
        fuzzy=False,
        header_comment="# Template of the workbench's messages (make translations writes it).",
    )
    found = extract_from_dir(
        str(PACKAGE),
        method_map=[("notebooks/**", "ignore"), ("**.py", "python")],
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    )
    for filename, lineno, message, comments, context in found:
        where = f"workbench/{filename}"
        catalog.add(message, None, [(where, lineno)], auto_comments=comments, context=context)
    plans = json.loads((PACKAGE / "data" / "x_plans.json").read_text(encoding="utf-8"))
    for rule in plans["rules"].values():
        for reason in rule.get("reasons", {}).values():
            catalog.add(reason, None, [("workbench/data/x_plans.json", 0)])
    for name, label in data_labels():
        catalog.add(label, None, [(f"workbench/data/{name}", 0)])
    return catalog


def data_labels() -> list[tuple[str, str]]:
    """Every label of ``DATA_LABELS`` with the data file it is in."""
    found = []
    for name, paths in DATA_LABELS.items():
        data = json.loads((PACKAGE / "data" / name).read_text(encoding="utf-8"))
        for path in paths:
            *keys, field = path
            entries = data[keys[0]] if keys else data
            entries = list(entries.values()) if isinstance(entries, dict) else entries
            found += [(name, str(e[field])) for e in entries if e.get(field)]
    return found


def _translated(string: object) -> bool:
    return all(string) if isinstance(string, tuple | list) else bool(string)


def main() -> int:
    template = extract()
    LOCALE.mkdir(parents=True, exist_ok=True)
    with POT.open("wb") as out:
        write_po(out, template, width=100, sort_output=True, include_lineno=False)
    for lang in LANGUAGES:
        path = po_path(lang)
        if path.exists():
            with path.open("rb") as f:
                catalog = read_po(f, locale=lang, domain="workbench")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=lang, domain="workbench", project="workbench")
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.obsolete.clear()
        catalog.fuzzy = False
        with path.open("wb") as out:
            write_po(
                out,
                catalog,
                width=100,
                sort_output=True,
                ignore_obsolete=True,
                include_lineno=False,
            )
        with path.with_suffix(".mo").open("wb") as out:
            write_mo(out, catalog, use_fuzzy=False)
        missing = [m.id for m in catalog if m.id and (m.fuzzy or not _translated(m.string))]
        print(f"{path.relative_to(ROOT)}: {len(catalog)} messages, {len(missing)} without French")
    return 0


if __name__ == "__main__":
    sys.exit(main())
