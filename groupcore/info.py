"""``groupcore info``: versions, BLAS and its kernel, and the usable array backends."""

from __future__ import annotations

import argparse
import importlib
import platform
from typing import Any

__all__ = ["collect", "configure_parser", "run"]


def _version(module: str) -> str:
    try:
        return str(importlib.import_module(module).__version__)
    except ImportError:
        return "not installed"


def _blas() -> list[dict[str, Any]]:
    import numpy  # noqa: F401  (loads the BLAS so threadpoolctl can see it)
    from threadpoolctl import threadpool_info
    return [{k: d.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
            for d in threadpool_info() if d.get("user_api") == "blas"]


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def collect() -> dict[str, Any]:
    """Everything ``groupcore info`` prints, as a dict (used by benchmarks too).

    Examples
    --------
    >>> info = collect()
    >>> info["groupcore"] == __import__("groupcore").__version__
    True
    """
    from . import __version__
    try:
        from .backends import available
        backends: Any = available()
    except ImportError as err:                 # backends not importable: say why
        backends = f"unavailable ({err})"
    import os
    return {
        "groupcore": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu(),
        "cores": os.cpu_count(),
        "numpy": _version("numpy"),
        "scipy": _version("scipy"),
        "sympy": _version("sympy"),
        "array_api_compat": _version("array_api_compat"),
        "blas": _blas(),
        "backends": backends,
    }


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add ``info``'s options (``--json``)."""
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")


def run(args: argparse.Namespace) -> int:
    """Print the report; returns 0."""
    info = collect()
    if args.json:
        import json
        print(json.dumps(info, indent=2))
        return 0
    width = max(len(k) for k in info)
    for key, value in info.items():
        if key == "blas":
            value = "; ".join(f"{b['internal_api']} {b['version']} ({b['architecture']}, "
                              f"{b.get('num_threads', '?')} threads)" for b in value) or "not found"
        elif isinstance(value, list):
            value = ", ".join(value)
        print(f"{key:<{width}}  {value}")
    return 0
