"""``groupcore verify``: print the certificates of the lemma for a list of groups.

Exit status 0 when every check passes, 1 otherwise.
"""

from __future__ import annotations

import argparse

from groupcore import Group

from groupcore.names import parse_group
from .report import DEFAULT_GROUPS, DEFAULT_ROTATION_ORDERS, verify_groups
from .symbolic import DEFAULT_MAX_EQUATIONS

__all__ = ["configure_parser", "run"]


def _group(name: str) -> Group:
    try:
        return parse_group(name)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _order(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"rotation orders must be positive integers; got {value}")
    return value


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``groupcore verify`` to ``parser``.

    Examples
    --------
    >>> parser = argparse.ArgumentParser()
    >>> configure_parser(parser)
    >>> [G.name for G in parser.parse_args(["--groups", "C2xC3", "Q8"]).groups]
    ['C2xC3', 'Q8']
    """
    parser.add_argument("--groups", nargs="+", type=_group, default=None, metavar="NAME",
                        help=f"groups to verify: C<n>, D<n>, S<n>, A<n>, Q8, V4/K4 and products like C2xC3 "
                             f"(default: {' '.join(DEFAULT_GROUPS)})")
    parser.add_argument("--format", choices=("text", "markdown"), default="text", help="output format")
    parser.add_argument("--max-equations", type=int, default=DEFAULT_MAX_EQUATIONS, metavar="N",
                        help="largest linear system solved symbolically; larger ones get the exhaustive "
                             f"check only (default {DEFAULT_MAX_EQUATIONS})")
    parser.add_argument("--layers", type=int, default=3, metavar="K",
                        help="depth of the layer-wise check (default 3)")
    parser.add_argument("--rotations", nargs="*", type=_order, default=list(DEFAULT_ROTATION_ORDERS),
                        metavar="N",
                        help="rotation orders N whose exactness on pixel grids is derived "
                             f"(default: {' '.join(map(str, DEFAULT_ROTATION_ORDERS))})")


def run(args: argparse.Namespace) -> int:
    """Run the verification and print the report; return the exit status.

    Examples
    --------
    >>> parser = argparse.ArgumentParser()
    >>> configure_parser(parser)
    >>> run(parser.parse_args(["--groups", "C2", "--rotations", "--format", "markdown"])) # doctest: +ELLIPSIS
    # groupcore verify: the equivarification lemma
    ...
    0
    """
    groups = args.groups if args.groups is not None else [parse_group(name) for name in DEFAULT_GROUPS]
    if args.layers < 2:
        print(f"error: --layers must be at least 2; got {args.layers}")
        return 2
    report = verify_groups(groups, max_equations=args.max_equations, depth=args.layers,
                           rotation_orders=tuple(args.rotations))
    print(report.to_markdown() if args.format == "markdown" else report)
    return 0 if report.passed else 1
