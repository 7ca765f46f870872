"""Targets as data: a JSON file that says which measured values a result is judged against.

The targets live beside the benchmarks (``benchmarks/targets.json`` in a source checkout), not
in the package: ``groupcore bench --targets FILE`` reads them, and without a file a run judges
nothing. Each target picks records of a result and reads one number from each:

``of``
    ``"cases"`` or ``"equivariance"``: which records of the result.
``where``
    A pattern each picked record must match: every key present with an equal value; strings may
    use ``*`` wildcards; a nested mapping matches a nested mapping (``{}``: the key is present).
``value``
    The path of keys from the record to the number, e.g. ``["ratios", "forward: fraction of
    roofline"]``; a key may use ``*`` wildcards when it matches one key.
``op``, ``bound``, ``quantity``
    The test ``value op bound`` (``op`` is ``">="`` or ``"<="``), and what the value is, in words.
``name``, ``detail``, ``needs`` (optional)
    The row's name (``{field}`` takes a field of the record or of its ``params``; ``{case}`` its
    name), a note for measured rows, and the peers or backends whose skip reason explains a
    missing value.

:func:`judge` gives one row per matching record: ``name``, ``target``, ``op``, ``bound``,
``measured``, ``met`` (``True``/``False``), ``detail``; and when no record matches or the value
is missing, one row with ``measured`` ``None``, ``met`` ``None`` and the reason in ``detail``.
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

__all__ = ["TargetsError", "FILE", "default_path", "load", "judge"]

#: where a source checkout keeps its targets, relative to the checkout's root
FILE = Path("benchmarks") / "targets.json"
_REQUIRED: dict[str, type | tuple[type, ...]] = {"name": str, "of": str, "where": dict, "value": list,
                                                 "quantity": str, "op": str, "bound": (int, float)}
_OPS = {">=": lambda v, b: v >= b, "<=": lambda v, b: v <= b}


class TargetsError(ValueError):
    """A targets file that cannot be read, or a target that is not well formed."""


def default_path(cwd: Path | None = None) -> Path | None:
    """``benchmarks/targets.json`` under ``cwd``, else in the checkout this package runs from; or ``None``.

    Examples
    --------
    >>> p = default_path()
    >>> p is None or p.name == "targets.json"
    True
    """
    checkout = Path(__file__).resolve().parents[2]
    for root in (Path.cwd() if cwd is None else cwd, checkout):
        if (root / FILE).is_file():
            return root / FILE
    return None


def _check(i: int, spec: Any) -> dict[str, Any]:
    if not isinstance(spec, dict):
        raise TargetsError(f"target {i} is a {type(spec).__name__}, not an object")
    for key, kind in _REQUIRED.items():
        if not isinstance(spec.get(key), kind) or isinstance(spec.get(key), bool):
            raise TargetsError(f"target {i} ({spec.get('name', 'unnamed')}): {key!r} is missing or not a "
                               f"{getattr(kind, '__name__', 'number')}")
    if spec["of"] not in ("cases", "equivariance"):
        raise TargetsError(f"target {i} ({spec['name']}): 'of' must be 'cases' or 'equivariance'; got {spec['of']!r}")
    if spec["op"] not in _OPS:
        raise TargetsError(f"target {i} ({spec['name']}): 'op' must be '>=' or '<='; got {spec['op']!r}")
    return spec


def load(path: str | Path) -> list[dict[str, Any]]:
    """The targets of a JSON file ``{"targets": [...]}``, each checked.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     f = Path(d) / "t.json"
    ...     _ = f.write_text('{"targets": [{"name": "x"}]}')
    ...     load(f)
    Traceback (most recent call last):
    ...
    groupcore.bench.targets.TargetsError: target 0 (x): 'of' is missing or not a str
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise TargetsError(f"cannot read the targets file {path}: {err}") from err
    if not isinstance(data, dict) or not isinstance(data.get("targets"), list):
        raise TargetsError(f"{path}: expected an object with a list 'targets'")
    return [_check(i, spec) for i, spec in enumerate(data["targets"])]


def _matches(record: Any, pattern: Any) -> bool:
    if isinstance(pattern, dict):
        return isinstance(record, dict) and all(k in record and _matches(record[k], v) for k, v in pattern.items())
    if isinstance(pattern, str) and isinstance(record, str):
        return fnmatchcase(record, pattern)
    return bool(record == pattern)


def _lookup(record: Any, path: list[str]) -> float | None:
    for key in path:
        if not isinstance(record, dict):
            return None
        keys = [k for k in record if k == key] or [k for k in record if fnmatchcase(k, key)]
        if len(keys) != 1:
            return None
        record = record[keys[0]]
    return float(record) if isinstance(record, (int, float)) and not isinstance(record, bool) else None


class _Fields(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "*"


def _name(spec: dict[str, Any], record: dict[str, Any]) -> str:
    fields = _Fields({k: v for k, v in record.items() if not isinstance(v, (dict, list))})
    fields.update({k: v for k, v in record.get("params", {}).items() if not isinstance(v, (dict, list))})
    fields["case"] = record.get("name", "*")
    return spec["name"].format_map(fields)


def _why_missing(spec: dict[str, Any], record: dict[str, Any], result: dict[str, Any]) -> str:
    if "skipped" in record and isinstance(record["skipped"], str):
        return record["skipped"]
    skipped = record.get("skipped", {}) if isinstance(record.get("skipped"), dict) else {}
    for need in spec.get("needs", []):
        for key, why in skipped.items():
            if key == need or key.startswith(need + " "):
                return why
        why = result.get("peers_skipped", {}).get(need) or result.get("backends_skipped", {}).get(need)
        if why:
            return why
    return f"{' / '.join(spec['value'])} is not in this record"


def _why_unmatched(spec: dict[str, Any], result: dict[str, Any]) -> str:
    backend = spec["where"].get("backend")
    if isinstance(backend, str) and backend in result.get("backends_skipped", {}):
        return f"backend {backend} skipped: {result['backends_skipped'][backend]}"
    return f"no record of '{spec['of']}' matches in the '{result.get('suite', '?')}' suite"


def _flat(where: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in where.items():
        if isinstance(value, dict):
            out.update(_flat(value))
        elif not isinstance(value, str) or "*" not in value:
            out[key] = value
    return out


def _row(spec: dict[str, Any], name: str, measured: float | None, detail: str) -> dict[str, Any]:
    met = None if measured is None else _OPS[spec["op"]](measured, spec["bound"])
    return {"name": name, "target": f"{spec['quantity']} {spec['op']} {spec['bound']:g}", "op": spec["op"],
            "bound": spec["bound"], "measured": measured, "met": met, "detail": detail}


def judge(specs: list[dict[str, Any]], result: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per target and matching record of ``result``: measured, met, or why not measured.

    Examples
    --------
    >>> spec = {"name": "{case} speed", "of": "cases", "where": {"kind": "layer"}, "value": ["ratios", "fwd*"],
    ...         "quantity": "t_gemm / t_forward", "op": ">=", "bound": 0.5}
    >>> rows = judge([spec], {"cases": [{"name": "L", "kind": "layer", "ratios": {"fwd: roofline": 0.6}}]})
    >>> rows[0]["name"], rows[0]["measured"], rows[0]["met"], rows[0]["target"]
    ('L speed', 0.6, True, 't_gemm / t_forward >= 0.5')
    >>> judge([spec], {"cases": [], "suite": "smoke"})[0]["detail"]
    "not measured: no record of 'cases' matches in the 'smoke' suite"
    """
    rows = []
    for spec in specs:
        records = [r for r in result.get(spec["of"], []) if _matches(r, spec["where"])]
        if not records:
            rows.append(_row(spec, _name(spec, {"params": _flat(spec["where"])}), None,
                             f"not measured: {_why_unmatched(spec, result)}"))
        for record in records:
            value = _lookup(record, spec["value"])
            detail = spec.get("detail", "") if value is not None else \
                f"not measured: {_why_missing(spec, record, result)}"
            rows.append(_row(spec, _name(spec, record), value, detail))
    return rows

