"""Progress bars for training loops: tqdm when installed, else a one-line text bar on stderr.

Examples
--------
>>> bar = progress_bar(range(3), 3, "epoch 1/1", enabled=False)
>>> [i for i in bar], set_loss(bar, 0.5), close_bar(bar)
([0, 1, 2], None, None)
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["progress_bar", "set_loss", "close_bar"]


class _TextBar:
    """A minimal progress bar on stderr, used when tqdm is not installed."""

    def __init__(self, it: Iterable[Any], total: int, desc: str) -> None:
        self.it, self.total, self.desc, self.done, self.loss = it, total, desc, 0, float("nan")

    def __iter__(self) -> Iterator[Any]:
        for item in self.it:
            yield item
            self.done += 1
            filled = int(30 * self.done / max(self.total, 1))
            sys.stderr.write(f"\r{self.desc} [{'#' * filled}{'.' * (30 - filled)}] "
                             f"{self.done}/{self.total} loss {self.loss:.4f}")
            sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")


def progress_bar(it: Iterable[Any], total: int, desc: str, enabled: bool) -> Any:
    """``it`` wrapped in a bar labelled ``desc`` (tqdm, else text), or ``it`` itself when not ``enabled``."""
    if not enabled:
        return it
    try:
        from tqdm import tqdm
    except ImportError:
        return _TextBar(it, total, desc)
    return tqdm(it, total=total, desc=desc, leave=True)


def set_loss(bar: Any, loss: float) -> None:
    """Show the latest loss on the bar (no-op without a bar)."""
    if isinstance(bar, _TextBar):
        bar.loss = loss
    elif hasattr(bar, "set_postfix"):
        bar.set_postfix(loss=f"{loss:.4f}", refresh=False)


def close_bar(bar: Any) -> None:
    """Finish the bar's line (no-op without a bar)."""
    if hasattr(bar, "close"):
        bar.close()
