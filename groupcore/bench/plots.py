"""Plots of a ``groupcore bench`` result (matplotlib, Agg backend, written atomically).

- ``<prefix>-layers.png``: median time per layer type and backend (forward, forward+backward,
  the roofline GEMM);
- ``<prefix>-peers.png``: speed ratios against the peers and the roofline (``t_other / t_groupcore``);
- ``<prefix>-equivariance.png``: relative invariance error per rotation angle, per model.

A plot without data is not written; :func:`write_plots` says why instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..fileio import save_figure

__all__ = ["write_plots", "ZERO_FLOOR"]

#: where an exactly zero error is drawn on the log axis
ZERO_FLOOR = 1e-17


def _pyplot() -> Any:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _save(fig: Any, path: Path) -> Path:
    return save_figure(fig, path, dpi=110)


def _layers(plt: Any, cases: list[dict[str, Any]], path: Path) -> Path | str:
    layers = [c for c in cases if c["kind"] == "layer"]
    if not layers:
        return "no layer workloads"
    labels = [c["name"] for c in layers]
    series = [("groupcore forward", "tab:blue"), ("groupcore forward+backward", "tab:orange"),
              ("roofline GEMM", "0.6"), ("torch Conv2d forward", "tab:green"),
              ("torch Conv2d forward+backward", "tab:red")]
    series = [(k, col) for k, col in series if any(k in c["timings"] for c in layers)]
    fig, ax = plt.subplots(figsize=(9, 1.0 + 0.5 * len(labels) * max(1, len(series)) / 2.5))
    height = 0.8 / len(series)
    for j, (key, color) in enumerate(series):
        ys = [i + j * height for i in range(len(layers))]
        ms = [c["timings"][key]["median"] * 1e3 if key in c["timings"] else 0 for c in layers]
        err = [[m - c["timings"][key]["min"] * 1e3 if key in c["timings"] else 0 for m, c in zip(ms, layers)],
               [c["timings"][key]["max"] * 1e3 - m if key in c["timings"] else 0 for m, c in zip(ms, layers)]]
        ax.barh(ys, ms, height=height, color=color, xerr=err, label=key, capsize=2)
    ax.set_yticks([i + 0.4 - height / 2 for i in range(len(layers))], labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("median time per call, ms (bars: min–max)")
    ax.set_title(f"Lifted convolutions per layer type and backend (batch {layers[0]['params']['batch']})")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3)
    ax.grid(True, axis="x", which="both", alpha=0.3)
    fig.tight_layout()
    out = _save(fig, path)
    plt.close(fig)
    return out


def _peers(plt: Any, cases: list[dict[str, Any]], path: Path) -> Path | str:
    rows = [(f"{c['name']}: {k}", v) for c in cases for k, v in c.get("ratios", {}).items()
            if c["kind"] in ("layer", "model", "construction")]
    if not rows:
        return "no ratios"
    fig, ax = plt.subplots(figsize=(13, 1.2 + 0.28 * len(rows)))
    colors = ["tab:gray" if "roofline" in k else ("tab:green" if v >= 1 else "tab:red") for k, v in rows]
    ax.barh(range(len(rows)), [v for _, v in rows], color=colors)
    ax.set_yticks(range(len(rows)), [k for k, _ in rows], fontsize=6)
    ax.invert_yaxis()
    ax.axvline(1.0, color="k", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("t_other / t_groupcore  (> 1: groupcore faster; grey: fraction of the roofline GEMM)")
    ax.set_title("Speed ratios against the peers and the roofline (interleaved rounds; peers in their own "
                 "processes)", fontsize=10)
    ax.grid(True, axis="x", which="both", alpha=0.3)
    fig.subplots_adjust(left=0.4, right=0.98, top=1 - 0.5 / fig.get_figheight(),
                        bottom=0.7 / fig.get_figheight())
    out = _save(fig, path)
    plt.close(fig)
    return out


def _equivariance(plt: Any, records: list[dict[str, Any]], path: Path) -> Path | str:
    records = [r for r in records if "per_angle" in r]
    if not records:
        return "no equivariance measurements"
    fig, ax = plt.subplots(figsize=(8, 5))
    for r in records:
        ys = [max(v, ZERO_FLOOR) for v in r["per_angle"]["rel"]]
        style = "-" if r["model"].startswith("groupcore") else "--"
        ax.plot(r["angles_deg"], ys, style, marker="o", ms=3, label=f"{r['model']} ({r['dtype']})")
    ax.set_yscale("log")
    ax.set_xticks(records[0]["angles_deg"])
    ax.set_xlabel("rotation of the input (degrees; multiples of 90° exact, others interpolated)")
    ax.set_ylabel(f"max |f(g·x) − f(x)| / max |f(x)|  (0 drawn at {ZERO_FLOOR:.0e})")
    ax.set_title("Invariance error of the logits per angle")
    ax.legend(fontsize=7)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    out = _save(fig, path)
    plt.close(fig)
    return out


def write_plots(result: dict[str, Any], folder: Path, prefix: str) -> dict[str, str]:
    """Write the three plots of ``result`` into ``folder``; returns name -> path or the reason it is missing.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> write_plots({"cases": [], "equivariance": []}, pathlib.Path(tempfile.mkdtemp()), "x")["layers"]
    'not written: no layer workloads'
    """
    try:
        plt = _pyplot()
    except ImportError as err:
        why = f"not written: matplotlib is not importable ({err}); pip install groupcore[bench]"
        return {"layers": why, "peers": why, "equivariance": why}
    out = {"layers": _layers(plt, result["cases"], folder / f"{prefix}-layers.png"),
           "peers": _peers(plt, result["cases"], folder / f"{prefix}-peers.png"),
           "equivariance": _equivariance(plt, result["equivariance"], folder / f"{prefix}-equivariance.png")}
    return {k: (str(v) if isinstance(v, Path) else f"not written: {v}") for k, v in out.items()}
