"""A peer worker: one process that imports one peer library and runs its models on request.

``python -m groupcore.bench.peer_worker torch|e2cnn`` reads one JSON request per line on
standard input and answers each with one JSON line on standard output. The first line it writes
says whether the library loaded: ``{"ok": true, "info": {...}}`` or ``{"ok": false, "error":
reason}`` (and the worker exits). Requests (``op``):

- ``build``: ``{"id", "spec"}`` builds a model (:func:`~groupcore.bench.peers.build_peer`);
  answers ``{"candidates", "num_params", "info"}``;
- ``time``: ``{"id", "candidate", "calls"}`` runs the candidate ``calls`` times; answers
  ``{"seconds"}``, the mean per call, timed here (:func:`~groupcore.bench.timing.per_call`);
- ``invariance``: ``{"id", "name", "dtype", "group", "size", "count"}`` measures the model's
  invariance error (:func:`~groupcore.bench.equivariance.model_record`); answers ``{"record"}``;
- ``drop``: ``{"id"}`` forgets a model;
- ``exit``.

Every answer carries ``"ok"``; a failed request answers ``{"ok": false, "error": ...}`` and the
worker goes on. Anything a library prints goes to standard error, never into the answers.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any, TextIO

from .equivariance import model_record
from .peers import Peer, build_peer, load_library
from .timing import per_call

__all__ = ["serve", "main"]


def _handle(request: dict[str, Any], models: dict[str, Peer], modules: dict[str, Any]) -> dict[str, Any]:
    op = request.get("op")
    if op == "build":
        peer = build_peer(request["spec"], modules)
        models[request["id"]] = peer
        return {"candidates": sorted(peer.candidates), "num_params": peer.num_params, "info": peer.info}
    if op == "time":
        fn = models[request["id"]].candidates[request["candidate"]]
        return {"seconds": per_call(fn, int(request["calls"]))}
    if op == "invariance":
        peer = models[request["id"]]
        if peer.logits is None:
            raise ValueError(f"model {request['id']!r} has no logits")
        return {"record": model_record(request["name"], peer.logits, request["dtype"], request.get("group"),
                                       "torch", request["size"], request["count"])}
    if op == "drop":
        models.pop(request["id"], None)
        return {}
    raise ValueError(f"unknown op {op!r}")


def serve(library: str, requests: TextIO, answers: TextIO,
          load: Callable[[str], tuple[dict[str, Any], str | None, dict[str, Any]]] = load_library) -> int:
    """Load ``library`` and answer ``requests`` until ``exit`` or end of input; returns the exit status.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> serve("torch", io.StringIO('{"op": "nonsense"}\\n{"op": "exit"}\\n'), out,
    ...       load=lambda name: ({}, None, {"version": "test"}))
    0
    >>> print(out.getvalue().strip())
    {"ok": true, "info": {"version": "test"}}
    {"ok": false, "error": "ValueError: unknown op 'nonsense'"}
    """
    def answer(message: dict[str, Any]) -> None:
        answers.write(json.dumps(message) + "\n")
        answers.flush()

    modules, why, info = load(library)
    if why is not None:
        answer({"ok": False, "error": why})
        return 1
    answer({"ok": True, "info": info})
    models: dict[str, Peer] = {}
    for line in requests:
        request = json.loads(line)
        if request.get("op") == "exit":
            break
        try:
            answer({"ok": True, **_handle(request, models, modules)})
        except Exception as err:  # the error is the answer; the worker goes on
            answer({"ok": False, "error": f"{type(err).__name__}: {err}"})
    return 0


def main(argv: list[str] | None = None) -> int:
    """Serve on this process's standard streams; library prints are sent to standard error."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m groupcore.bench.peer_worker torch|e2cnn", file=sys.stderr)
        return 2
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return serve(args[0], sys.stdin, answers)


if __name__ == "__main__":
    code = main()
    sys.stderr.flush()
    os._exit(code)          # skip the interpreter's (torch's) slow teardown: nothing is left to save
