"""The ``groupcore`` console script: ``info``, ``verify``, ``demo``, ``train``, ``bench``.

Each subcommand lives in the module that owns its work and exposes
``configure_parser(parser)`` and ``run(args) -> int``; this file only dispatches, importing a
subcommand's module when that subcommand runs. An error ends the command with one line on
stderr, ``groupcore <command>: error: <what went wrong>``, and exit status 1 (2 for a usage
error, 130 when interrupted); ``--traceback`` shows the full traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys
from collections.abc import Sequence

__all__ = ["main", "SUBCOMMANDS", "positive_int_arg", "positive_float_arg"]

#: subcommand -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "info": ("groupcore.info", "versions, BLAS and available backends"),
    "verify": ("groupcore.proofs.cli", "verify the equivarification lemma for a list of groups"),
    "demo": ("groupcore.demo", "train and compare plain, augmented and equivarified CNNs on real digits"),
    "train": ("groupcore.train", "train an equivarified network on a dataset"),
    "bench": ("groupcore.bench", "backend-swappable benchmarks, side by side with peers"),
}


def positive_int_arg(text: str) -> int:
    """An ``argparse`` type: a positive integer, else a usage error naming the value.

    Examples
    --------
    >>> positive_int_arg("3")
    3
    >>> positive_int_arg("-1")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be a positive integer; got '-1'
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text!r}")
    return value


def positive_float_arg(text: str) -> float:
    """An ``argparse`` type: a finite number > 0, else a usage error naming the value.

    Examples
    --------
    >>> positive_float_arg("1e-3")
    0.001
    >>> positive_float_arg("inf")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be a finite number > 0; got 'inf'
    """
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0; got {text!r}")
    return value


def _parser(requested: str | None) -> argparse.ArgumentParser:
    from . import __version__
    parser = argparse.ArgumentParser(prog="groupcore", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"groupcore {__version__}")
    parser.add_argument("--traceback", action="store_true", help="on an error, show the full traceback")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        if name == requested:                 # only the chosen subcommand's module is imported
            importlib.import_module(module).configure_parser(p)
    return parser


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if isinstance(err, (ValueError, RuntimeError, OSError)) else f"{type(err).__name__}: {text}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the console script; returns the exit status.

    Examples
    --------
    >>> main(["info"]) == 0  # doctest: +SKIP
    True
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    requested = next((a for a in argv if a in SUBCOMMANDS), None)
    parser = _parser(requested)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(importlib.import_module(args._module).run(args) or 0)
    except KeyboardInterrupt:
        print(f"groupcore {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as err:
        if args.traceback:
            raise
        print(f"groupcore {args.command}: error: {_one_line(err)}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
