"""Read ``.npz`` archives safely: every array's header is checked against the archive first.

``np.load`` allocates the array its header declares before it reads any data, so a file of a
few bytes can ask for gigabytes; and it reports a file that is not an archive at all as "pickled
data", suggesting the unsafe pickle option. :class:`NpzReader` reads only the headers when it opens an
archive, checks that each array's declared size is exactly what the archive stores (and, for a
compressed member, no more than deflate can expand its bytes to), and reads an array only when
asked, into a buffer of that checked size. Object (pickled) arrays are refused; nothing is
unpickled or evaluated.

Examples
--------
>>> import io
>>> buf = io.BytesIO(); np.savez(buf, x=np.arange(3)); _ = buf.seek(0)
>>> with NpzReader(buf) as npz:
...     npz.headers["x"].shape, npz.read("x").tolist()
((3,), [0, 1, 2])
"""

from __future__ import annotations

import io
import math
import os
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np
from numpy.lib import format as npy_format
from numpy.typing import NDArray

__all__ = ["NpzReader", "NpzFormatError", "ArrayHeader", "MAX_DEFLATE_RATIO"]

#: Deflate expands at most 1032:1 (258-byte matches coded in 2 bits); a member claiming more lies.
MAX_DEFLATE_RATIO = 1032
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_NPY_MAGIC = b"\x93NUMPY"
_HEADER_READERS = {(1, 0): npy_format.read_array_header_1_0, (2, 0): npy_format.read_array_header_2_0}


class NpzFormatError(ValueError):
    """A file is not a readable ``.npz`` archive of plain arrays; names the file and the problem.

    Examples
    --------
    >>> str(NpzFormatError("m.npz", "empty file"))
    'm.npz: empty file'
    """

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where, self.problem = where, problem


@dataclass(frozen=True)
class ArrayHeader:
    """What an archive member declares: shape, dtype, memory order, and its size in bytes.

    Examples
    --------
    >>> ArrayHeader("x", (2, 3), np.dtype("float32"), False).nbytes
    24
    """

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    fortran_order: bool

    @property
    def nbytes(self) -> int:
        """The size of the array's data (an exact Python int: no overflow)."""
        return math.prod(self.shape) * self.dtype.itemsize


def _describe_start(head: bytes) -> str:
    if head.startswith(_NPY_MAGIC):
        return "a single .npy array, not an .npz archive of named arrays"
    if not head:
        return "not a readable .npz archive: the file is empty"
    if all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        return f"not a readable .npz archive: it is text, starting {head[:24].decode('ascii')!r}"
    return f"not a readable .npz archive: it starts with the bytes {head[:8].hex(' ')}, not a zip archive's 50 4b 03 04"


def _read_into(stream: Any, buffer: memoryview) -> int:
    """Fill ``buffer`` from ``stream``; the number of bytes read (less at the end of the stream)."""
    done = 0
    while done < len(buffer):
        n = stream.readinto(buffer[done:])
        if not n:
            break
        done += n
    return done


class NpzReader:
    """An open ``.npz`` archive (a path or a binary stream) whose headers have been checked.

    Parameters
    ----------
    source : path or binary file object
    where : str, optional
        How errors name the file (default: the path, or ``"<stream>"``).

    Attributes
    ----------
    headers : dict of str to ArrayHeader
        Every array of the archive, by name (without ``.npy``), in archive order.

    Raises
    ------
    NpzFormatError
        The file is not a zip archive, a member is not an ``.npy`` array of a plain dtype, a
        declared size differs from the stored one, members overlap, or a header is corrupt.
    OSError
        The file cannot be opened (missing, a folder, no permission).

    Examples
    --------
    >>> import io
    >>> try:
    ...     NpzReader(io.BytesIO(b"hello"))
    ... except NpzFormatError as err:
    ...     print(err)
    <stream>: not a readable .npz archive: it is text, starting 'hello'
    """

    def __init__(self, source: str | os.PathLike[str] | BinaryIO, where: str | None = None) -> None:
        self._file: BinaryIO
        if isinstance(source, (str, os.PathLike)):
            self.where = os.fspath(source) if where is None else where
            self._file, self._owns_file = open(source, "rb"), True   # noqa: SIM115 (closed in close())
        else:
            self.where = "<stream>" if where is None else where
            self._file, self._owns_file = source, False
        try:
            self._zip = self._open_zip()
            self.headers = self._read_headers()
        except BaseException:
            self.close()
            raise

    # ----------------------------------------------------------------- opening
    def _fail(self, problem: str) -> NpzFormatError:
        return NpzFormatError(self.where, problem)

    def _open_zip(self) -> zipfile.ZipFile:
        start = self._file.tell()
        head = self._file.read(64)
        self._file.seek(0, io.SEEK_END)
        self.file_size = self._file.tell() - start
        self._file.seek(start)
        if not head.startswith(_ZIP_MAGIC):
            raise self._fail(_describe_start(head))
        try:
            return zipfile.ZipFile(self._file)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as err:
            raise self._fail(f"not a readable .npz archive: a damaged zip file ({err})") from None

    def _read_headers(self) -> dict[str, ArrayHeader]:
        headers: dict[str, ArrayHeader] = {}
        stored = 0
        for info in self._zip.infolist():
            name = info.filename
            if not name.endswith(".npy") or info.is_dir():
                raise self._fail(f"member {name!r} is not an .npy array")
            key = name[:-4]
            if key in headers:
                raise self._fail(f"member {name!r} appears twice")
            self._check_sizes(info)
            stored += info.compress_size
            headers[key] = self._header(info, key)
        if stored > self.file_size:
            raise self._fail(f"its members claim {stored} stored bytes but the file has {self.file_size}: "
                             f"members overlap (a zip bomb) or the directory is damaged")
        return headers

    def _check_sizes(self, info: zipfile.ZipInfo) -> None:
        name = info.filename
        if info.flag_bits & 0x1:
            raise self._fail(f"member {name!r} is encrypted")
        if info.compress_type == zipfile.ZIP_STORED:
            if info.file_size != info.compress_size:
                raise self._fail(f"member {name!r} is stored uncompressed but claims {info.file_size} bytes "
                                 f"in {info.compress_size}")
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            if info.file_size > MAX_DEFLATE_RATIO * info.compress_size + 64:
                raise self._fail(f"member {name!r} claims {info.file_size} bytes from {info.compress_size} "
                                 f"compressed bytes, more than deflate can produce")
        else:
            raise self._fail(f"member {name!r} uses zip compression method {info.compress_type}; .npz files "
                             f"are stored or deflated")

    def _header(self, info: zipfile.ZipInfo, key: str) -> ArrayHeader:
        try:
            with self._zip.open(info) as member:
                version = npy_format.read_magic(member)
                if version not in _HEADER_READERS:
                    raise self._fail(f"array {key!r} is an .npy file of version {version[0]}.{version[1]}; "
                                     f"only 1.0 and 2.0 are read")
                shape, fortran, dtype = _HEADER_READERS[version](member)
                offset = member.tell()
        except NpzFormatError:
            raise
        except (ValueError, EOFError, OSError, SyntaxError, RecursionError, zipfile.BadZipFile, zlib.error) as err:
            raise self._fail(f"array {key!r} has a damaged header ({err})") from None
        header = ArrayHeader(key, tuple(int(s) for s in shape), np.dtype(dtype), bool(fortran))
        if header.dtype.hasobject:
            raise self._fail(f"holds an object (pickled) array, refused for safety: {key!r} (save plain numeric "
                             f"or string arrays)")
        if header.dtype.names is not None or header.dtype.subdtype is not None or header.dtype.itemsize == 0:
            raise self._fail(f"array {key!r} has dtype {header.dtype}, not a plain numeric or string dtype")
        if offset + header.nbytes != info.file_size:
            raise self._fail(f"array {key!r} declares shape {header.shape} of {header.dtype} ({header.nbytes} "
                             f"bytes) but the archive holds {info.file_size - offset} bytes of data for it")
        return header

    # ----------------------------------------------------------------- reading
    def read(self, name: str) -> NDArray[Any]:
        """The array ``name``, read into a buffer of its checked size (CRC verified).

        Examples
        --------
        >>> import io
        >>> buf = io.BytesIO(); np.savez_compressed(buf, a=np.eye(2)); _ = buf.seek(0)
        >>> NpzReader(buf).read("a").tolist()
        [[1.0, 0.0], [0.0, 1.0]]
        """
        header = self.headers[name]
        data = bytearray(header.nbytes)
        try:
            with self._zip.open(f"{name}.npy") as member:
                _HEADER_READERS[npy_format.read_magic(member)](member)
                got = _read_into(member, memoryview(data))
                if got != header.nbytes or member.read(1):
                    raise self._fail(f"array {name!r} holds {got} bytes of data, not the {header.nbytes} "
                                     f"its header declares")
        except NpzFormatError:
            raise
        except (ValueError, EOFError, OSError, zipfile.BadZipFile, zlib.error) as err:
            raise self._fail(f"array {name!r} cannot be read ({err})") from None
        flat = np.frombuffer(data, dtype=header.dtype)
        return flat.reshape(header.shape, order="F" if header.fortran_order else "C")

    def close(self) -> None:
        """Close the archive (and the file, when it was opened from a path)."""
        zf = getattr(self, "_zip", None)
        if zf is not None:
            zf.close()
        if self._owns_file:
            self._file.close()

    def __enter__(self) -> NpzReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
