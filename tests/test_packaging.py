"""Every package folder is listed in pyproject.toml, so a wheel install ships all of it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"groupcore": "groupcore", "backends": "groupcore.backends", "proofs": "groupcore.proofs"}


def listed_packages() -> set[str]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(r"^packages = \[(.*?)\]", text, flags=re.M | re.S)
    assert found, "pyproject.toml has no explicit packages list"
    return set(re.findall(r'"([\w.]+)"', found.group(1)))


def test_every_package_folder_is_listed() -> None:
    on_disk = set()
    for folder, name in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            parts = init.parent.relative_to(ROOT / folder).parts
            on_disk.add(".".join((name,) + parts))
    assert on_disk - listed_packages() == set()
    assert listed_packages() - on_disk == set()
