"""Shared benchmark plumbing, re-exported from :mod:`groupcore.bench` (which ``groupcore bench`` uses).

``RESULTS`` is this folder's ``results/``.
"""

from __future__ import annotations

from pathlib import Path

from groupcore.bench.report import machine
from groupcore.bench.timing import timeit
from groupcore.fileio import write_json, write_text

__all__ = ["machine", "timeit", "write_json", "write_text", "RESULTS"]

RESULTS = Path(__file__).resolve().parent / "results"
