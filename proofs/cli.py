"""``groupcore verify``: print the certificates of the lemma for a list of groups.

Exit status 0 when every check passes, 1 when one fails, and 2 for bad arguments: every bad
group name, and every group too large for the memory budget, named in one line on standard error.
"""

from __future__ import annotations

import argparse
import re
import sys

from groupcore.names import NAME_FORMS, parse_groups
from groupcore.validation import DEFAULT_MAX_BYTES, format_bytes

from .report import DEFAULT_GROUPS, DEFAULT_ROTATION_ORDERS, check_verifiable, verify_groups
from .symbolic import DEFAULT_MAX_EQUATIONS

__all__ = ["configure_parser", "run", "parse_bytes"]

_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_BYTES = re.compile(r"([0-9]+)\s*([KMGT]?)(?:I?B)?", re.IGNORECASE)


def parse_bytes(text: str) -> int:
    """A byte count written as an integer, optionally with a binary unit: ``4G``, ``512MiB``, ``1073741824``.

    Raises
    ------
    argparse.ArgumentTypeError
        For anything else, or a count below 1.

    Examples
    --------
    >>> parse_bytes("4G"), parse_bytes("512MiB"), parse_bytes("1024")
    (4294967296, 536870912, 1024)
    """
    found = _BYTES.fullmatch(text.strip())
    value = int(found.group(1)) * _UNITS[found.group(2).upper()] if found else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number of bytes such as 4G, 512MiB or 1073741824; "
                                         f"got {text!r}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}")
    return value


def _order(text: str) -> int:
    try:
        return _positive(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"rotation orders must be positive integers; got {text}") from None


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``groupcore verify`` to ``parser``.

    Examples
    --------
    >>> parser = argparse.ArgumentParser()
    >>> configure_parser(parser)
    >>> parser.parse_args(["--groups", "C2xC3", "Q8", "--max-bytes", "2G"]).max_bytes
    2147483648
    """
    parser.add_argument("--groups", nargs="+", default=None, metavar="NAME",
                        help=f"groups to verify: {NAME_FORMS} (default: {' '.join(DEFAULT_GROUPS)}). The "
                             f"exhaustive check needs about 80·|G|³ bytes: groups up to order ~240 fit the "
                             f"default --max-bytes; larger ones are refused before any work starts")
    parser.add_argument("--format", choices=("text", "markdown"), default="text", help="output format")
    parser.add_argument("--max-equations", type=_positive, default=DEFAULT_MAX_EQUATIONS, metavar="N",
                        help="largest linear system solved symbolically; larger ones get the exhaustive "
                             f"check only (default {DEFAULT_MAX_EQUATIONS})")
    parser.add_argument("--max-bytes", type=parse_bytes, default=DEFAULT_MAX_BYTES, metavar="BYTES",
                        help="memory budget for building each group and its exhaustive check, e.g. 4G "
                             f"(default {format_bytes(DEFAULT_MAX_BYTES)})")
    parser.add_argument("--layers", type=int, default=3, metavar="K",
                        help="depth of the layer-wise check (default 3)")
    parser.add_argument("--rotations", nargs="*", type=_order, default=list(DEFAULT_ROTATION_ORDERS),
                        metavar="N",
                        help="rotation orders N whose exactness on pixel grids is derived "
                             f"(default: {' '.join(map(str, DEFAULT_ROTATION_ORDERS))})")


def run(args: argparse.Namespace) -> int:
    """Run the verification and print the report; return the exit status.

    Every group name and size is checked before any work starts: bad names, and groups too
    large for the memory budget, are all named in one line on standard error (exit status 2).

    Examples
    --------
    >>> parser = argparse.ArgumentParser()
    >>> configure_parser(parser)
    >>> run(parser.parse_args(["--groups", "C2", "--rotations", "--format", "markdown"])) # doctest: +ELLIPSIS
    # groupcore verify: the equivarification lemma
    ...
    0
    """
    if args.layers < 2:
        print(f"groupcore verify: error: --layers must be at least 2; got {args.layers}", file=sys.stderr)
        return 2
    names = DEFAULT_GROUPS if args.groups is None else args.groups
    try:
        groups = parse_groups(names, max_bytes=args.max_bytes, knob="--max-bytes")
        check_verifiable(groups, max_bytes=args.max_bytes, knob="--max-bytes")
    except ValueError as err:
        print(f"groupcore verify: error: {err}", file=sys.stderr)
        return 2
    report = verify_groups(groups, max_equations=args.max_equations, depth=args.layers,
                           rotation_orders=tuple(args.rotations), max_bytes=args.max_bytes)
    print(report.to_markdown() if args.format == "markdown" else report)
    return 0 if report.passed else 1
