"""The console script's dispatch and ``groupcore info``."""

from __future__ import annotations

import json

import pytest

import groupcore as gc
from groupcore.cli import SUBCOMMANDS, main


def test_info_prints_versions_and_blas(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert f"groupcore         {gc.__version__}" in out and "blas" in out and "numpy" in out


def test_info_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["groupcore"] == gc.__version__ and "numpy" in info["backends"]


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    out = capsys.readouterr().out
    assert all(name in out for name in SUBCOMMANDS)


def test_unknown_command_is_an_error() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["nonsense"])
    assert exc.value.code == 2
