"""The error raised when a requested array backend cannot run here."""

from __future__ import annotations

__all__ = ["BackendUnavailable"]


class BackendUnavailable(RuntimeError):
    """A backend cannot run on this machine; the message says why and how to fix it.

    Attributes
    ----------
    backend : str
        The backend's name (``"cupy"``, ``"array_api_strict"``).
    reason : str
        What is missing: ``"not installed"``, ``"no CUDA driver"``, ``"no device"``,
        ``"NVRTC missing"`` or ``"kernel failed"``.

    Examples
    --------
    >>> err = BackendUnavailable("cupy", "no device", "no CUDA device is visible")
    >>> err.reason
    'no device'
    >>> print(err)
    backend 'cupy' is unavailable (no device): no CUDA device is visible
    """

    def __init__(self, backend: str, reason: str, detail: str) -> None:
        super().__init__(f"backend {backend!r} is unavailable ({reason}): {detail}")
        self.backend = backend
        self.reason = reason
