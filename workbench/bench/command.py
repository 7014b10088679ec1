"""``workbench bench``: print our time against the bare library's, in one run."""

from __future__ import annotations

import argparse
import json

HELP = "measure speed against the bare libraries"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--only", metavar="TEXT", help="run the benchmarks whose name contains TEXT"
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="shrink the work (1.0 = full size; 0.01 = 1%%)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and stop")
    parser.add_argument(
        "--quality",
        action="store_true",
        help="print the classifiers' quality on ../shared/data instead of timings: the shipped "
        "classifier's and, when `workbench train` wrote one, the newest trained model's",
    )
    parser.add_argument(
        "--data", metavar="DIR", help="labelled tweet sets for --quality (default ../shared/data)"
    )
    parser.add_argument(
        "--tweets",
        metavar="DIR",
        help="with --quality: the public tweets `workbench train --sentiment` learns from "
        "(xlm-t/, tweeteval/); adds each language's validation macro-F1",
    )


def _table(rows: list[dict[str, object]]) -> str:
    header = ["name", "ours", "baseline", "ratio", "unit"]
    cells = [header] + [[str(r[h]) for h in header] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    return "\n".join(
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in cells
    )


def run(args: argparse.Namespace) -> int:
    from workbench import bench

    if args.quality:
        from pathlib import Path

        from workbench.classify import quality

        data = Path(args.data) if args.data else Path.cwd().resolve().parent / "shared" / "data"
        if not data.is_dir():
            data = Path(__file__).resolve().parents[3] / "shared" / "data"
        from workbench.classify.trained import newest_model

        rows = quality.report(data, trained=newest_model())
        if args.tweets:
            rows += quality.language_report(args.tweets)
        print(
            json.dumps([r.as_dict() for r in rows], indent=2)
            if args.json
            else quality.format_report(rows)
        )
        return 0
    if args.list:
        print("\n".join(bench.registry()))
        return 0
    results = [r.as_dict() for r in bench.run(args.only, args.scale)]
    print(json.dumps(results, indent=2) if args.json else _table(results))
    return 0
