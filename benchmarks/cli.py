"""The benchmarks' command line: `python -m benchmarks ...`, which `keras-noise bench` runs.

The benchmarks live in a source checkout, not in the wheel; this module imports nothing of
`keras_noise.cli`, so the dependency runs one way (the `keras-noise` command imports this).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks import harness


def build_parser(prog: str = "python -m benchmarks") -> argparse.ArgumentParser:
    """The argument parser of the benchmarks."""
    parser = argparse.ArgumentParser(
        prog=prog, description="Time keras-noise against its peers in interleaved rounds."
    )
    parser.add_argument("--suite", action="append", help="suite to run (repeatable; default all)")
    parser.add_argument(
        "--group",
        action="append",
        metavar="TEXT",
        help="only the groups whose name contains TEXT (repeatable; no figures then)",
    )
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds per group")
    parser.add_argument("--quick", action="store_true", help="small shapes, a smoke run")
    parser.add_argument("--out", default="bench_output", help="folder for results.json/.md")
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "python -m benchmarks") -> int:
    """Runs the benchmarks; returns the exit status (2 for a usage error, with its message)."""
    args = build_parser(prog).parse_args(argv)
    try:
        if args.rounds < 1:
            raise ValueError(f"--rounds must be >= 1. Received: --rounds={args.rounds}")
        results = harness.run(
            args.suite,
            rounds=args.rounds,
            quick=args.quick,
            out_dir=args.out,
            group_filters=args.group,
        )
    except ValueError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2
    print()
    print(harness.to_markdown(results))
    print(f"Results written to {Path(args.out) / 'results.json'} and results.md")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
