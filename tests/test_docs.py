"""The documentation cannot rot: tutorial pages run, the API reference lists every module, figures build."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(p for p in (DOCS / "tutorial").glob("*.md") if p.name != "index.md")
PACKAGES = ("groupcore", "groupcore.backends", "groupcore.proofs")


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_tutorial_page_runs_and_prints_what_it_shows(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = page.read_text(encoding="utf-8")
    if "import torch" in text:
        pytest.importorskip("torch", reason=f"{page.name} needs the optional torch extra")
    test = doctest.DocTestParser().get_doctest(text, {"__name__": page.stem}, page.name, str(page), 0)
    assert test.examples, f"{page.name} has no runnable example"
    runner = doctest.DocTestRunner()
    runner.run(test)
    result = runner.summarize(verbose=False)
    report = capsys.readouterr().out
    assert result.failed == 0, report


def test_tutorial_pages_are_all_in_the_index() -> None:
    index = (DOCS / "tutorial" / "index.md").read_text(encoding="utf-8")
    pages = {p.name for p in PAGES}
    linked = set(re.findall(r"\]\(([^)]+\.md)\)", index))
    assert pages <= linked, f"tutorial pages missing from docs/tutorial/index.md: {sorted(pages - linked)}"


def _public_modules() -> list[str]:
    names = []
    for package in PACKAGES:
        names.append(package)
        pkg = importlib.import_module(package)
        names += [m.name for m in pkgutil.walk_packages(pkg.__path__, package + ".", onerror=lambda _: None)]
    return sorted(n for n in set(names) if not any(part.startswith("_") for part in n.split(".")))


def _exists(name: str) -> bool:
    """Whether module ``name`` exists; True when its package needs an optional extra that is missing."""
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:
        return True


def test_api_reference_documents_every_public_module() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in (DOCS / "api").glob("*.md"))
    listed = set(re.findall(r"\.\. automodule:: ([\w.]+)", text))
    missing = [name for name in _public_modules() if name not in listed]
    assert not missing, f"add these modules to a page in docs/api/: {missing}"
    stale = sorted(n for n in listed - set(_public_modules()) if not _exists(n))
    assert not stale, f"docs/api/ lists modules that no longer exist: {stale}"


def test_figures_script_writes_every_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib", reason="docs/figures.py needs matplotlib (the docs or demo extra)")
    spec = importlib.util.spec_from_file_location("docs_figures", DOCS / "figures.py")
    figures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(figures)
    assert figures.main(["--quick", "--out", str(tmp_path)]) == 0
    for name in figures.FIGURES:
        png = tmp_path / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{png} is not a PNG"
        assert (DOCS / "_static" / "figures" / png.name).is_file(), f"{png.name} is not committed under docs/_static"
    with pytest.raises(SystemExit, match="^2$"):
        figures.main(["no-such-figure"])
    assert "no figure named no-such-figure" in capsys.readouterr().err
