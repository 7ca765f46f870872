"""Check the structure of a MATLAB v5 ``.mat`` file before SciPy reads it.

SciPy's ``loadmat`` allocates each data element at the size its tag declares before reading it,
so one damaged byte can make a 12 kB file ask for gigabytes. :func:`check_mat_v5` walks every
tag (inside matrices and compressed elements too) and refuses a size that does not fit in what
encloses it. Compressed elements are inflated once for the check, never past what zlib itself
produces from the stored bytes.

Layout: a 128-byte header (text, subsystem offset, version ``0x0100``, endian mark ``IM``/``MI``),
then data elements: a tag ``(type: uint32, size: uint32)`` and ``size`` bytes padded to 8, or a
small element packed into 8 bytes (size in the tag's upper half). Type 14 is a matrix (its data
is a sequence of sub-elements), type 15 a zlib-compressed element (not padded).
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

from .errors import DatasetFormatError

__all__ = ["check_mat_v5", "MAX_NESTING"]

MI_MATRIX, MI_COMPRESSED = 14, 15
#: Deepest nesting of matrices (cells, structs) accepted.
MAX_NESTING = 16
_HEADER = 128


def _inflate(data: bytes, where: str, path: str | os.PathLike[str]) -> bytes:
    try:
        inflater = zlib.decompressobj()
        out = inflater.decompress(data) + inflater.flush()
    except zlib.error as err:
        raise DatasetFormatError(path, f"a compressed element {where} is damaged ({err})") from None
    if not inflater.eof:
        raise DatasetFormatError(path, f"a compressed element {where} is truncated")
    return out


def _walk(data: bytes, start: int, end: int, order: str, depth: int, path: str | os.PathLike[str],
          context: str) -> None:
    if depth > MAX_NESTING:
        raise DatasetFormatError(path, f"matrices nested more than {MAX_NESTING} deep {context}")
    pos = start
    while pos < end:
        if end - pos < 8:
            raise DatasetFormatError(path, f"{end - pos} stray bytes where a data element's 8-byte tag should be "
                                           f"{context}")
        kind, size = struct.unpack_from(order + "II", data, pos)
        if kind >> 16:                                   # small element: data packed in the tag
            if kind >> 16 > 4:
                raise DatasetFormatError(path, f"a small data element at byte {pos} {context} declares {kind >> 16} "
                                               f"bytes; at most 4 fit")
            pos += 8
            continue
        body = pos + 8
        if size > end - body:
            raise DatasetFormatError(path, f"a data element at byte {pos} {context} declares {size} bytes but only "
                                           f"{end - body} follow (the file is truncated or damaged)")
        where = f"at byte {pos} {context}"
        if kind == MI_COMPRESSED:
            inner = _inflate(data[body:body + size], where, path)
            _walk(inner, 0, len(inner), order, depth + 1, path, f"inside the compressed element {where}")
        elif kind == MI_MATRIX:
            _walk(data, body, body + size, order, depth + 1, path, context)
        pos = body + size + (0 if kind == MI_COMPRESSED else -size % 8)


def check_mat_v5(path: str | os.PathLike[str]) -> None:
    """Refuse a file that is not a MATLAB v5 ``.mat`` file whose every element fits where it is.

    Raises
    ------
    DatasetFormatError
        Not a v5 file (v4, or v7.3/HDF5), a damaged header, or an element whose declared size
        does not fit (naming its byte offset).
    OSError
        The file cannot be read.

    Examples
    --------
    >>> import tempfile, numpy as np, scipy.io
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as d:
    ...     scipy.io.savemat(Path(d) / "a.mat", {"x": np.arange(3)}, do_compression=True)
    ...     check_mat_v5(Path(d) / "a.mat")
    """
    data = Path(path).read_bytes()
    if len(data) < _HEADER:
        raise DatasetFormatError(path, f"{len(data)} bytes is too short for a MATLAB v5 file (a 128-byte header "
                                       f"comes first)")
    if 0 in data[:4]:
        raise DatasetFormatError(path, "not a readable MATLAB v5 .mat file: a zero byte in its first four (the "
                                       "mark of a v4 file, or damage); only v5 files are read")
    mark = data[126:128]
    if mark not in (b"IM", b"MI"):
        raise DatasetFormatError(path, "not a readable MATLAB v5 .mat file: no endian mark 'IM'/'MI' at byte 126 (v7.3 "
                                       "files are HDF5: save with -v7)")
    order = "<" if mark == b"IM" else ">"
    version = struct.unpack_from(order + "H", data, 124)[0]
    if version != 0x0100:
        raise DatasetFormatError(path, f"MAT-file version 0x{version:04X}; only version 5 (0x0100) is read")
    _walk(data, _HEADER, len(data), order, 0, path, "(from the start of the file)")
