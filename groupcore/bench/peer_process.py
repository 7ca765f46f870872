"""The peers, each library in its own worker process, driven from the benchmark's process.

The benchmark's process never imports torch or e2cnn. Each peer library runs in a worker
(``python -m groupcore.bench.peer_worker LIBRARY``, see :mod:`groupcore.bench.peer_worker`),
started once per run and idle (blocked on a read) while anything else is timed. A peer model is
built in its worker, and each of its candidates is an :class:`~groupcore.bench.timing.Elsewhere`
that the harness interleaves with ours round by round: the worker times its own calls, so
neither process's thread pools share the other's, and the pipe's cost is not counted.

:class:`PeerSet` holds the workers of a run; a library that cannot be loaded is skipped with the
reason, which the report keeps.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import tempfile
from typing import IO, Any, cast

from .peers import LIBRARIES
from .timing import Elsewhere

__all__ = ["PeerError", "PeerProcess", "RemotePeer", "RemoteCandidate", "PeerSet"]


class PeerError(RuntimeError):
    """A peer worker could not start, died, or refused a request (the message says why)."""


class PeerProcess:
    """One worker process serving one peer library (``"torch"`` or ``"e2cnn"``).

    Raises :class:`PeerError` with the worker's reason when the library cannot be loaded.
    ``info`` is what the worker reported on loading it (version, threads, import time, patches).
    """

    def __init__(self, library: str) -> None:
        if library not in LIBRARIES:
            raise ValueError(f"unknown peer library {library!r}; choose from {', '.join(LIBRARIES)}")
        self.library = library
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self._proc = subprocess.Popen([sys.executable, "-m", "groupcore.bench.peer_worker", library],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                                      text=True, encoding="utf-8", bufsize=1)
        self._in, self._out = cast(IO[str], self._proc.stdin), cast(IO[str], self._proc.stdout)
        first = self._read()
        if not first["ok"]:
            self.close()
            raise PeerError(first["error"])
        self.info: dict[str, Any] = first["info"]

    def _stderr_tail(self) -> str:
        if self._stderr.closed:
            return ""
        self._stderr.seek(0)
        lines = self._stderr.read().strip().splitlines()
        return " | ".join(lines[-5:])

    def _read(self) -> dict[str, Any]:
        line = self._out.readline()
        if not line:
            code = self._proc.wait()
            raise PeerError(f"the {self.library} worker exited ({code}): {self._stderr_tail() or 'no message'}")
        return json.loads(line)

    def request(self, op: str, **fields: Any) -> dict[str, Any]:
        """Send one request; its answer, or :class:`PeerError` with the worker's error."""
        if self._proc.poll() is not None:
            raise PeerError(f"the {self.library} worker is not running: {self._stderr_tail() or 'no message'}")
        self._in.write(json.dumps({"op": op, **fields}) + "\n")
        self._in.flush()
        answer = self._read()
        if not answer["ok"]:
            raise PeerError(f"{self.library} worker: {answer['error']}")
        return answer

    def stop(self) -> None:
        """Ask the worker to exit, without waiting (:meth:`close` waits)."""
        if self._proc.poll() is None and not self._in.closed:
            try:
                self._in.write('{"op": "exit"}\n')
                self._in.close()
            except OSError:                          # it is already gone
                pass

    def close(self) -> None:
        """Ask the worker to exit, and wait for it (killed after 10 s)."""
        self.stop()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._stderr.close()


class RemoteCandidate(Elsewhere):
    """One candidate (``"forward"``, ``"train step"``, ...) of a model built in a worker."""

    def __init__(self, peer: RemotePeer, name: str) -> None:
        self.peer, self.name = peer, name
        self.place = f"{peer.process.library} worker"

    def per_call(self, calls: int) -> float:
        return float(self.peer.process.request("time", id=self.peer.id, candidate=self.name,
                                               calls=calls)["seconds"])


class RemotePeer:
    """A model built in a worker from a spec (:func:`groupcore.bench.peers.build_peer`).

    A context manager: leaving it drops the model in the worker.
    """

    _ids = itertools.count()

    def __init__(self, process: PeerProcess, spec: dict[str, Any]) -> None:
        self.process, self.spec, self.id = process, spec, f"m{next(self._ids)}"
        answer = process.request("build", id=self.id, spec=spec)
        self.num_params: int = answer["num_params"]
        self.info: dict[str, Any] = answer["info"]
        self.candidates = {name: RemoteCandidate(self, name) for name in answer["candidates"]}

    def invariance(self, model: str, dtype: str, group: str | None, size: int, count: int) -> dict[str, Any]:
        """The model's record of :func:`groupcore.bench.equivariance.model_record`, measured in its worker."""
        return self.process.request("invariance", id=self.id, name=model, dtype=dtype, group=group, size=size,
                                    count=count)["record"]

    def drop(self) -> None:
        self.process.request("drop", id=self.id)

    def __enter__(self) -> RemotePeer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.drop()


class PeerSet:
    """The peer workers of one run, and why any library is missing.

    A context manager: leaving it ends the workers.

    Examples
    --------
    >>> with PeerSet.load(enabled=False) as peers:
    ...     print(peers.available("torch"), peers.skipped["torch"])
    False peers not requested (run with --peers)
    """

    def __init__(self, processes: dict[str, PeerProcess], skipped: dict[str, str]) -> None:
        self.processes, self.skipped = processes, skipped
        self.info = {name: {**p.info, "process": "own worker process"} for name, p in processes.items()}

    @classmethod
    def load(cls, enabled: bool, libraries: tuple[str, ...] = LIBRARIES) -> PeerSet:
        """Start a worker per library when ``enabled``; otherwise every peer is skipped with that reason."""
        if not enabled:
            return cls({}, {name: "peers not requested (run with --peers)" for name in libraries})
        processes, skipped = {}, {}
        for name in libraries:
            try:
                processes[name] = PeerProcess(name)
            except PeerError as err:
                skipped[name] = str(err)
        return cls(processes, skipped)

    def available(self, library: str) -> bool:
        """Whether ``library``'s worker runs."""
        return library in self.processes

    def model(self, library: str, spec: dict[str, Any]) -> RemotePeer:
        """Build a model in ``library``'s worker; :class:`PeerError` with the reason if it cannot."""
        if library not in self.processes:
            raise PeerError(self.skipped.get(library, f"no {library} worker"))
        return RemotePeer(self.processes[library], spec)

    def close(self) -> None:
        """End every worker (they shut down side by side)."""
        for process in self.processes.values():
            process.stop()
        for process in self.processes.values():
            process.close()
        self.processes = {}

    def __enter__(self) -> PeerSet:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
