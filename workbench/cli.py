"""The ``workbench`` command. Each subcommand lives in its own module, imported when used.

A command module has ``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from workbench.errors import UsageError, WorkbenchError

COMMANDS: dict[str, tuple[str, str]] = {
    "sandbox": ("workbench.sandbox.command", "run the local X API v2 sandbox"),
    "ingest": ("workbench.intake.command", "turn mentions and DMs into interactions"),
    "lab": ("workbench.lab", "start JupyterLab on 127.0.0.1 with the notebooks"),
    "desk": ("workbench.workspace.command", "serve the agent desk as an app on 127.0.0.1"),
    "report": ("workbench.reports.command", "export handled interactions as a report"),
    "train": ("workbench.classify.command", "train the actionability or the sentiment models"),
    "bench": ("workbench.bench.command", "measure speed against the bare libraries"),
    "wallboard": ("workbench.supervisor.command", "serve the wallboard as a page on 127.0.0.1"),
    "simulate": ("workbench.simulate.command", "run a simulated team against the sandbox"),
    "auth": ("workbench.auth", "give the brand accounts' OAuth 2.0 consent for real-time DMs"),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with ``only``, only that command's module is imported for its
    options (the others show their one-line help), so starting a command costs no more than
    that command's own imports."""
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Handle customer tweets and DMs in JupyterLab, and see how the work goes.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, summary) in COMMANDS.items():
        command = sub.add_parser(name, help=summary, description=summary)
        command.set_defaults(_module=module)
        if only is None or name == only:
            importlib.import_module(module).add_arguments(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; errors the user can fix print one line, no traceback."""
    given = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in given if not a.startswith("-")), "")
    args = build_parser(chosen if chosen in COMMANDS else "").parse_args(given)
    try:
        return int(importlib.import_module(args._module).run(args) or 0)
    except UsageError as exc:
        print(f"workbench {args.command}: {exc}", file=sys.stderr)
        return 2
    except WorkbenchError as exc:
        print(f"workbench {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
