"""Import CuPy lazily and prove that it runs a real kernel before calling it usable."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import BackendUnavailable

__all__ = ["load_cupy"]

_INSTALL = ("install the CuPy wheel that matches your CUDA version, e.g. "
            "`pip install 'groupcore[cuda]'` (cupy-cuda12x) on a machine with an NVIDIA GPU")


def load_cupy() -> ModuleType:
    """Return the ``cupy`` module once ``int((cupy.arange(3) + 1).sum()) == 6`` has run on a GPU.

    ``import cupy`` succeeds on machines without a GPU, so importing proves nothing: the probe
    runs a real element-wise kernel and a reduction, which needs the driver, a device and NVRTC.

    Raises
    ------
    BackendUnavailable
        With reason ``"not installed"``, ``"no CUDA driver"``, ``"no device"``,
        ``"NVRTC missing"`` or ``"kernel failed"``, and how to fix it.

    Examples
    --------
    >>> try:
    ...     cupy = load_cupy()
    ... except BackendUnavailable as err:
    ...     print(err.reason in {"not installed", "no CUDA driver", "no device", "NVRTC missing",
    ...                          "kernel failed"})
    ... else:
    ...     print(True)
    True
    """
    try:
        cupy = importlib.import_module("cupy")
    except ImportError as err:
        raise BackendUnavailable("cupy", "not installed",
                                 f"`import cupy` failed ({err}); {_INSTALL}") from err
    try:
        count = int(cupy.cuda.runtime.getDeviceCount())
    except Exception as err:  # CUDARuntimeError, or a driver library that cannot load
        raise BackendUnavailable(
            "cupy", "no CUDA driver",
            f"the CUDA driver cannot be used ({type(err).__name__}: {err}); install the NVIDIA driver "
            f"and check that `nvidia-smi` lists a GPU") from err
    if count < 1:
        raise BackendUnavailable(
            "cupy", "no device",
            "the CUDA driver reports no device; check `nvidia-smi` and CUDA_VISIBLE_DEVICES")
    try:
        ok = int((cupy.arange(3) + 1).sum()) == 6
    except Exception as err:
        if "nvrtc" in f"{type(err).__name__} {err}".lower():
            raise BackendUnavailable(
                "cupy", "NVRTC missing",
                f"CuPy compiles its kernels with NVRTC, which failed to load ({err}); install the "
                f"CUDA runtime compiler, e.g. `pip install nvidia-cuda-nvrtc-cu12`, or the CUDA "
                f"toolkit") from err
        raise BackendUnavailable(
            "cupy", "kernel failed",
            f"a test kernel raised {type(err).__name__}: {err}; check that the CuPy wheel matches "
            f"the installed CUDA version") from err
    if not ok:
        raise BackendUnavailable(
            "cupy", "kernel failed",
            "a test kernel returned a wrong result; check that the CuPy wheel matches the installed "
            "CUDA version")
    return cupy
