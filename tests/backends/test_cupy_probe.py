"""Why CuPy is unusable, told apart with stand-in ``cupy`` modules (no GPU needed)."""

from __future__ import annotations

import sys
from types import ModuleType, SimpleNamespace

import numpy as np
import pytest

from groupcore.backends import BackendUnavailable, get
from groupcore.backends._cupy import load_cupy


def fake_cupy(count=lambda: 1, arange=np.arange) -> ModuleType:
    module = ModuleType("cupy")
    module.cuda = SimpleNamespace(runtime=SimpleNamespace(getDeviceCount=count))
    module.arange = arange
    return module


def fail(message: str):
    def raiser(*_):
        raise RuntimeError(message)
    return raiser


@pytest.mark.parametrize("module, reason, advice", [
    (None, "not installed", r"pip install 'groupcore\[cuda\]'"),
    (fake_cupy(count=fail("cudaErrorInsufficientDriver")), "no CUDA driver", "install the NVIDIA driver"),
    (fake_cupy(count=lambda: 0), "no device", "CUDA_VISIBLE_DEVICES"),
    (fake_cupy(arange=fail("CompileException: nvrtc: libnvrtc.so.12 not found")), "NVRTC missing",
     "nvidia-cuda-nvrtc-cu12"),
    (fake_cupy(arange=fail("cudaErrorNoKernelImageForDevice")), "kernel failed", "matches the installed CUDA"),
    (fake_cupy(arange=lambda n: np.arange(n) * 0), "kernel failed", "wrong result"),
], ids=["not-installed", "no-driver", "no-device", "no-nvrtc", "kernel-raises", "kernel-wrong"])
def test_each_failure_names_its_reason_and_fix(monkeypatch, module, reason, advice):
    monkeypatch.setitem(sys.modules, "cupy", module)
    with pytest.raises(BackendUnavailable, match=advice) as info:
        load_cupy()
    assert info.value.reason == reason and info.value.backend == "cupy"
    with pytest.raises(BackendUnavailable, match=rf"backend 'cupy' is unavailable \({reason}\)"):
        get("cupy")


def test_a_working_kernel_counts_as_usable(monkeypatch):
    module = fake_cupy()
    monkeypatch.setitem(sys.modules, "cupy", module)
    assert load_cupy() is module
