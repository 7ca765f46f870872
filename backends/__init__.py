"""Array backends (NumPy reference, CuPy) running one kernel code path over the array API."""
