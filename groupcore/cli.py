"""The ``groupcore`` console script: ``info``, ``verify``, ``demo``, ``train``, ``bench``.

Each subcommand lives in the module that owns its work and exposes
``configure_parser(parser)`` and ``run(args) -> int``; this file only dispatches, importing a
subcommand's module when that subcommand runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

__all__ = ["main", "SUBCOMMANDS"]

#: subcommand -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "info": ("groupcore.info", "versions, BLAS and available backends"),
    "verify": ("groupcore.proofs.cli", "verify the equivarification lemma for a list of groups"),
    "demo": ("groupcore.demo", "train and compare plain, augmented and equivarified CNNs on real digits"),
    "train": ("groupcore.train", "train an equivarified network on a dataset"),
    "bench": ("groupcore.bench", "backend-swappable benchmarks, side by side with peers"),
}


def _parser(requested: str | None) -> argparse.ArgumentParser:
    from . import __version__
    parser = argparse.ArgumentParser(prog="groupcore", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"groupcore {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        if name == requested:                 # only the chosen subcommand's module is imported
            importlib.import_module(module).configure_parser(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the console script; returns the exit status.

    Examples
    --------
    >>> main(["info"]) == 0  # doctest: +SKIP
    True
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser(argv[0] if argv and argv[0] in SUBCOMMANDS else None)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return int(importlib.import_module(args._module).run(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
