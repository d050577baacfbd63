"""The `keras-noise` command: `demo` (the main job), `bench` (benchmarks), `verify` (exports).

Errors a user can fix (bad options, unwritable folders) end with a one-line message and exit
status 2, not a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


class UsageError(Exception):
    """A problem with the command line that the user can fix; printed without a traceback."""


def _import_benchmarks_cli():
    """The benchmarks' command line, from the current folder or the source checkout."""
    try:
        import benchmarks.cli as benchmarks_cli
    except ImportError:
        checkout = Path(__file__).resolve().parent.parent
        if not (checkout / "benchmarks" / "cli.py").exists():
            raise UsageError(
                "`keras-noise bench` runs the benchmarks/ folder of a source checkout (the "
                "wheel does not ship it); run it from a clone of the keras-noise repository."
            ) from None
        sys.path.insert(0, str(checkout))
        import benchmarks.cli as benchmarks_cli
    return benchmarks_cli


def _bench(arguments: Sequence[str]) -> int:
    """`keras-noise bench ...`: the benchmarks parse their own options."""
    try:
        benchmarks_cli = _import_benchmarks_cli()
    except UsageError as error:
        print(f"keras-noise bench: error: {error}", file=sys.stderr)
        return 2
    return benchmarks_cli.main(arguments, prog="keras-noise bench")


def _demo(args: argparse.Namespace) -> int:
    from keras_noise import demo

    try:
        return demo.main(args)
    except demo.DemoError as error:
        raise UsageError(str(error)) from None


def _verify(args: argparse.Namespace) -> int:
    from keras_noise.export import verify_noise_free

    try:
        result = verify_noise_free(args.path, signature=args.signature)
    except (ValueError, TypeError) as error:
        raise UsageError(str(error)) from None
    print(result.summary())
    return 0 if result.ok else 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `keras-noise` command."""
    from keras_noise import demo

    parser = argparse.ArgumentParser(
        prog="keras-noise", description="Noise injection for Keras 3: demo and benchmarks."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo_parser = commands.add_parser(
        "demo", help="train with and without noise on bundled data and report what noise buys"
    )
    demo.add_arguments(demo_parser)
    demo_parser.set_defaults(handler=_demo)

    # Listed for --help only: `main` hands `bench ...` to the benchmarks' own parser.
    commands.add_parser(
        "bench",
        help="run the benchmarks (from a source checkout; `keras-noise bench --help` lists "
        "their options)",
    )

    verify = commands.add_parser(
        "verify",
        help="check that a SavedModel is noise-free (exit 0), is not (exit 1), or is no "
        "SavedModel (exit 2)",
    )
    verify.add_argument("path", help="the SavedModel folder")
    verify.add_argument("--signature", help="the signature to call (default serving_default)")
    verify.set_defaults(handler=_verify)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:
        return _bench(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except UsageError as error:
        print(f"keras-noise {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
