"""Rotations of images by C_N and D_N, exact where the pixel grid allows and interpolated elsewhere.

On a square grid only multiples of 90° (and the flips) permute pixels. Every other angle
resamples the image, and the resampled "action" ``ρ`` breaks the action law:
``ρ(g)ρ(h) ≠ ρ(gh)``. :class:`ApproximateAction` keeps both kinds of element honest: multiples of
90° are the exact pixel permutations of :meth:`groupcore.Action.on_grid`, the others are
precomputed sparse operators equal to ``scipy.ndimage.rotate(img, angle, reshape=False)``, and
:meth:`ApproximateAction.defect` measures how far the law fails. Nothing that needs the law
(orbits, stabilisers, permutation tables) is offered for an interpolated element.

Element ``k`` of C_N (and of D_N) is the counter-clockwise rotation by ``360°·k/N`` about
``((H-1)/2, (W-1)/2)``; element ``N + k`` of D_N is ``np.fliplr`` followed by rotation ``k``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from numbers import Real
from typing import Any, NamedTuple, cast

import numpy as np
from array_api_compat import is_numpy_namespace
from numpy.typing import ArrayLike, NDArray
from scipy import sparse

from .action import Action, permute_axes
from .defect import image_defect, operator_norms, smooth_images
from .errors import NotAnActionError
from .grid import grid_table, plane_geometry
from .group import Group
from .interpolation import check_order_and_mode, disk_mask, interpolation_matrix, prefilter_matrix, source_coordinates
from .matrices import rotation_matrix
from .namespace import namespace

__all__ = ["ApproximateAction", "interpolated_rotations", "rotate_filters"]


class _Element(NamedTuple):
    angle: float                          # degrees, counter-clockwise
    flip: bool                            # np.fliplr before rotating
    perm: NDArray[np.int64] | None        # exact: out.flat[y] = x.flat[perm[y]]
    interp: sparse.csr_matrix | None      # interpolated: weights on the (prefiltered) coefficient grid


def _interpolated(element: _Element) -> sparse.csr_matrix:
    """The resampling operator of an element that is not a pixel permutation."""
    if element.interp is None:
        raise RuntimeError(f"the element at {element.angle:g}° has neither a pixel permutation nor an operator")
    return element.interp


class ApproximateAction:
    """Rotations of ``(H, W)`` images by C_N or D_N: exact permutations and interpolated operators.

    Built by :func:`interpolated_rotations`. Offers what an :class:`groupcore.Action` offers that
    does not depend on the action law: ``apply`` (and so :func:`groupcore.lift` of a callable),
    ``restrict``, and each element's linear operator. ``table``, ``orbits``, ``stabilizer``,
    ``permutation_matrices`` and ``product`` work only when every element is exact
    (``is_exact``) and raise :class:`groupcore.NotAnActionError` otherwise.

    Examples
    --------
    >>> import groupcore as gc
    >>> C8 = gc.interpolated_rotations(gc.cyclic(8), (9, 9))
    >>> C8.is_exact, C8.exact_elements.tolist()
    (False, [0, 2, 4, 6])
    >>> img = np.zeros((9, 9)); img[4, 4:7] = 1.0
    >>> bool((C8.apply(2, img) == np.rot90(img)).all())
    True
    """

    def __init__(self, group: Group, shape: tuple[int, int], elements: Sequence[_Element], *,
                 prefilter: tuple[NDArray[np.float64], NDArray[np.float64]] | None, order: int, mode: str,
                 mask: str | None, radius: float, name: str | None = None) -> None:
        self._group = group
        self._shape = shape
        self._elements = tuple(elements)
        self._prefilter = prefilter
        self._order, self._mode, self._mask, self._radius = order, mode, mask, radius
        self._name = name
        self._defect: dict[str, Any] | None = None
        self._cast: dict[tuple[Any, ...], Any] = {}

    # ----------------------------------------------------------------- data
    @property
    def group(self) -> Group:
        """The acting group (the table of C_N or D_N)."""
        return self._group

    @property
    def shape(self) -> tuple[int, int]:
        """The image grid ``(H, W)``."""
        return self._shape

    @property
    def size(self) -> int:
        """Number of pixels ``H·W``."""
        return self._shape[0] * self._shape[1]

    @property
    def name(self) -> str:
        """A short label."""
        return self._name or f"rotations({self._group.name}, {self._shape[0]}x{self._shape[1]}, order={self._order})"

    @property
    def order(self) -> int:
        """Spline order of the interpolated elements (0, 1 or 3)."""
        return self._order

    @property
    def mode(self) -> str:
        """Boundary mode of the interpolation (SciPy's meaning, fill value 0)."""
        return self._mode

    @property
    def mask(self) -> str | None:
        """``"disk"`` when interpolated outputs are zeroed outside the disk of ``radius``, else None."""
        return self._mask

    @property
    def radius(self) -> float:
        """Radius of the disk (pixels) used by the mask and by :meth:`defect`."""
        return self._radius

    @property
    def angles(self) -> NDArray[np.float64]:
        """Rotation angle of each element in degrees (counter-clockwise), after the flip if any."""
        return np.array([e.angle for e in self._elements])

    @property
    def flips(self) -> NDArray[np.bool_]:
        """Whether each element flips (``np.fliplr``) before rotating."""
        return np.array([e.flip for e in self._elements])

    @property
    def exact_elements(self) -> NDArray[np.int64]:
        """Elements acting as exact pixel permutations (angles that are multiples of 90°)."""
        return np.array([g for g, e in enumerate(self._elements) if e.perm is not None], dtype=np.int64)

    @property
    def is_exact(self) -> bool:
        """True only when every element is a pixel permutation, so that the action law holds."""
        return all(e.perm is not None for e in self._elements)

    def __repr__(self) -> str:
        if self.is_exact:
            status = "exact, defect 0"
        elif self._defect is None:
            status = "defect not computed yet: call .defect()"
        else:
            status = f"defect max {self._defect['max']:.2e}, mean {self._defect['mean']:.2e}"
        return (f"ApproximateAction({self.name}: {len(self.exact_elements)} of {self._group.order} elements exact, "
                f"mode={self._mode!r}, mask={self._mask!r}; {status})")

    # ----------------------------------------------------------------- acting
    def apply(self, g: int, x: Any, axis: int | None = None) -> Any:
        """Rotate by element ``g``: the value at pixel ``y`` moves to ``g·y`` (as ``Action.apply``).

        Exact elements gather pixels (any array-API array, dtype kept, bit-exact); interpolated
        elements need NumPy input and return floating point (``float32`` stays ``float32``).

        Parameters
        ----------
        g : int
        x : array
            ``(..., H, W)``, or the two image axes starting at ``axis``.
        axis : int, optional

        Raises
        ------
        TypeError
            An interpolated element applied to a non-NumPy array (convert it explicitly).
        ValueError
            The image axes do not have shape ``self.shape``.

        Examples
        --------
        >>> import groupcore as gc
        >>> C8 = gc.interpolated_rotations(gc.cyclic(8), (5, 5), mask=None)
        >>> from scipy import ndimage
        >>> img = np.arange(25.0).reshape(5, 5)
        >>> ref = ndimage.rotate(img, 45, reshape=False, order=1)
        >>> bool(np.allclose(C8.apply(1, img), ref, atol=1e-12))
        True
        """
        self._group._check_element(g)
        element = self._elements[int(g)]
        start = -2 if axis is None else int(axis)
        if element.perm is not None:
            return permute_axes(x, element.perm, start, 2)
        if not is_numpy_namespace(namespace(x)):
            raise TypeError(f"element {g} of {self.name} is an interpolated rotation, computed on the host with "
                            f"SciPy sparse operators; convert the {type(x).__module__} array to NumPy explicitly")
        x = np.asarray(x)
        nd = x.ndim
        first = start + nd if start < 0 else start
        if not 0 <= first <= nd - 2:
            raise ValueError(f"axis {axis} with 2 image axes does not fit an array of {nd} dims")
        if tuple(x.shape[first:first + 2]) != self._shape:
            raise ValueError(f"{self.name} acts on {self._shape[0]}x{self._shape[1]} images but axes "
                             f"{first}..{first + 1} of the array have shape {tuple(x.shape[first:first + 2])}")
        moved = np.moveaxis(x, (first, first + 1), (-2, -1))
        dtype = np.result_type(x.dtype, np.float32)
        flat = np.ascontiguousarray(moved, dtype=dtype).reshape(-1, *self._shape)
        out = self._forward(int(g), flat).reshape(moved.shape)
        return np.moveaxis(out, (-2, -1), (first, first + 1))

    def operator(self, g: int) -> sparse.csr_matrix:
        """The ``(H·W, H·W)`` matrix of element ``g``: ``operator(g) @ x.ravel() == apply(g, x).ravel()``.

        CSR in canonical form (sorted indices, no duplicates, no explicit zeros), float64, a fresh
        copy. Exact elements give permutation matrices. For order 3 the matrix includes the
        B-spline prefilter and its rows are dense (meant for filters and small images; ``apply``
        never builds it).

        Examples
        --------
        >>> import groupcore as gc
        >>> C8 = gc.interpolated_rotations(gc.cyclic(8), (3, 3), mask=None)
        >>> C8.operator(2).toarray().astype(int)[0].tolist()   # 90°: output (0, 0) reads (0, 2)
        [0, 0, 1, 0, 0, 0, 0, 0, 0]
        """
        self._group._check_element(g)
        element = self._elements[int(g)]
        m = self.size
        if element.perm is not None:
            return sparse.csr_matrix((np.ones(m), element.perm.copy(), np.arange(m + 1)), shape=(m, m))
        interp = _interpolated(element)
        if self._prefilter is None:
            return interp.copy()
        ph, pw = self._prefilter
        dense = interp @ np.kron(ph, pw[:, ::-1] if element.flip else pw)
        return sparse.csr_matrix(dense)

    def operators(self) -> list[sparse.csr_matrix]:
        """``[operator(g) for g in group]``.

        Examples
        --------
        >>> import groupcore as gc
        >>> len(gc.interpolated_rotations(gc.dihedral(8), (3, 3)).operators())
        16
        """
        return [self.operator(g) for g in range(self._group.order)]

    def _typed(self, key: tuple[Any, ...], value: Any, dtype: np.dtype) -> Any:
        if dtype == np.float64:
            return value
        full = key + (dtype.str,)
        if full not in self._cast:
            self._cast[full] = value.astype(dtype)
        return self._cast[full]

    def _forward(self, g: int, x: NDArray[Any]) -> NDArray[Any]:
        """Element ``g`` on a C-contiguous ``(batch, H, W)`` floating array."""
        element = self._elements[g]
        b = x.shape[0]
        if element.perm is not None:
            return x.reshape(b, -1)[:, element.perm].reshape(x.shape)
        if self._prefilter is not None:
            ph = self._typed(("ph",), self._prefilter[0], x.dtype)
            pw = self._typed(("pw",), self._prefilter[1], x.dtype)
            x = ph @ x @ (pw[:, ::-1] if element.flip else pw).T
        op = self._typed((g,), element.interp, x.dtype)
        out = op @ np.ascontiguousarray(x.reshape(b, -1).T)
        return np.ascontiguousarray(out.T).reshape(b, *self._shape)

    def _adjoint(self, g: int, y: NDArray[np.float64]) -> NDArray[np.float64]:
        """The transpose of element ``g`` on a ``(batch, H, W)`` float64 array."""
        element = self._elements[g]
        b = y.shape[0]
        if element.perm is not None:
            out = np.empty_like(y.reshape(b, -1))
            out[:, element.perm] = y.reshape(b, -1)
            return out.reshape(y.shape)
        coef = (_interpolated(element).T @ np.ascontiguousarray(y.reshape(b, -1).T)).T
        if self._prefilter is None:
            return np.ascontiguousarray(coef).reshape(y.shape)
        ph, pw = self._prefilter
        coef = coef.reshape(b, ph.shape[0], pw.shape[0])
        return ph.T @ coef @ (pw[:, ::-1] if element.flip else pw)

    # ----------------------------------------------------------------- the defect
    def defect(self, images: ArrayLike | None = None, *, power_iterations: int = 20) -> dict[str, Any]:
        """How far the action law fails, per pair ``(g, h)``, measured inside the disk.

        ``pairs[g, h] = ‖D(ρ(g)ρ(h)x − ρ(gh)x)‖ / ‖Dx‖`` over the stack of test images ``x``
        (Frobenius norms, ``D`` the disk of ``radius``), and ``operator_norm[g, h]`` the largest
        singular value of ``D(ρ(g)ρ(h) − ρ(gh))D``, estimated by power iteration (a lower bound:
        the worst case over all images, including ones far rougher than the test set). Exact
        actions return exactly 0.0 everywhere without computing anything.

        Parameters
        ----------
        images : array_like, optional
            ``(n, H, W)`` or ``(H, W)``. Default: ``smooth_images(shape)`` (4 seeded images, noise
            blurred with sigma 2 px); with the default ``power_iterations`` that result is cached and
            shown by ``repr``.
        power_iterations : int
            Steps of the power iteration for ``operator_norm`` (>= 1).

        Returns
        -------
        dict
            ``pairs`` and ``operator_norm`` (read-only ``(|G|, |G|)`` arrays), ``max``, ``mean`` (over all
            pairs), ``argmax`` (the worst pair), ``operator_norm_max``, ``images``, ``radius``.

        Examples
        --------
        >>> import groupcore as gc
        >>> gc.interpolated_rotations(gc.cyclic(4), (6, 6)).defect()["max"]
        0.0
        >>> d = gc.interpolated_rotations(gc.cyclic(8), (9, 9)).defect(power_iterations=3)
        >>> bool(d["max"] > 0), d["pairs"].shape
        (True, (8, 8))
        """
        if isinstance(power_iterations, bool) or not isinstance(power_iterations, (int, np.integer)) \
                or power_iterations < 1:
            raise ValueError(f"power_iterations must be an integer >= 1; got {power_iterations!r}")
        cached = images is None and power_iterations == 20
        if cached and self._defect is not None:
            return dict(self._defect)
        x = smooth_images(self._shape) if images is None else np.asarray(images, dtype=np.float64)
        if x.ndim == 2:
            x = x[None]
        if x.ndim != 3 or tuple(x.shape[1:]) != self._shape:
            raise ValueError(f"images must have shape (n, {self._shape[0]}, {self._shape[1]}); got {x.shape}")
        n = self._group.order
        pairs = np.zeros((n, n))
        norms = np.zeros((n, n))
        if not self.is_exact:
            disk = disk_mask(self._shape, self._radius)
            pairs = image_defect(self._forward, self._group.table, np.ascontiguousarray(x), disk)
            norms = operator_norms(self._forward, self._adjoint, self._group.table, disk, int(power_iterations))
        pairs.flags.writeable = norms.flags.writeable = False
        worst = np.unravel_index(int(np.argmax(pairs)), pairs.shape)
        result = {"pairs": pairs, "max": float(pairs.max()), "mean": float(pairs.mean()),
                  "argmax": (int(worst[0]), int(worst[1])), "operator_norm": norms,
                  "operator_norm_max": float(norms.max()), "images": int(x.shape[0]), "radius": self._radius}
        if cached:
            self._defect = dict(result)
        return result

    # ----------------------------------------------------------------- structure
    def restrict(self, subgroup: ArrayLike) -> Action | ApproximateAction:
        """The rotations of a subgroup: an exact :class:`Action` when all its elements permute pixels.

        Examples
        --------
        >>> import groupcore as gc
        >>> C8 = gc.interpolated_rotations(gc.cyclic(8), (4, 4))
        >>> C8.restrict([0, 2, 4, 6]).is_exact, type(C8.restrict([0, 2, 4, 6])).__name__
        (True, 'Action')
        """
        H, emb = self._group.subgroup(subgroup)
        elements = [self._elements[int(g)] for g in emb]
        name = f"{self.name}|{H.name}"
        if all(e.perm is not None for e in elements):
            return _exact_action(H, elements, self._shape, name)
        return ApproximateAction(H, self._shape, elements, prefilter=self._prefilter, order=self._order,
                                 mode=self._mode, mask=self._mask, radius=self._radius, name=name)

    def _action(self, what: str) -> Action:
        for g, e in enumerate(self._elements):
            if e.perm is None:
                flip = " after a flip" if e.flip else ""
                raise NotAnActionError(
                    f"{what} needs the action law, but {self.name} is not a group action: element {g} "
                    f"(rotation by {e.angle:g}°{flip}) is interpolated, so ρ(g)ρ(h) = ρ(gh) holds only up to "
                    f"the defect (see .defect()); restrict to the exact elements {self.exact_elements.tolist()} "
                    f"for an Action")
        return _exact_action(self._group, self._elements, self._shape, self.name)

    @property
    def table(self) -> NDArray[np.integer]:
        """The action table ``A[g, x] = g·x``, for exact rotation groups only.

        Raises
        ------
        NotAnActionError
            Some element is interpolated.

        Examples
        --------
        >>> import groupcore as gc
        >>> gc.interpolated_rotations(gc.cyclic(4), (2, 2)).table[1].tolist()
        [2, 0, 3, 1]
        """
        return self._action("an action table").table

    def orbits(self) -> list[NDArray[np.int64]]:
        """Pixel orbits (exact rotation groups only; see :meth:`groupcore.Action.orbits`).

        Examples
        --------
        >>> import groupcore as gc
        >>> len(gc.interpolated_rotations(gc.cyclic(4), (3, 3)).orbits())
        3
        """
        return self._action("orbits").orbits()

    def stabilizer(self, x: int) -> NDArray[np.int64]:
        """Elements fixing pixel ``x`` (exact rotation groups only).

        Examples
        --------
        >>> import groupcore as gc
        >>> gc.interpolated_rotations(gc.cyclic(4), (3, 3)).stabilizer(4).tolist()
        [0, 1, 2, 3]
        """
        return self._action("a stabilizer").stabilizer(x)

    def permutation_matrices(self) -> NDArray[np.int8]:
        """The permutation representation (exact rotation groups only).

        Examples
        --------
        >>> import groupcore as gc
        >>> gc.interpolated_rotations(gc.cyclic(2), (1, 2)).permutation_matrices()[1].tolist()
        [[0, 1], [1, 0]]
        """
        return self._action("a permutation representation").permutation_matrices()

    def product(self, other: Action) -> Action:
        """The diagonal action on pixel pairs (exact rotation groups only).

        Examples
        --------
        >>> import groupcore as gc
        >>> act = gc.interpolated_rotations(gc.cyclic(2), (1, 2))
        >>> act.product(act).size
        4
        """
        return self._action("a product action").product(other)


def _exact_action(group: Group, elements: Sequence[_Element], shape: tuple[int, int], name: str) -> Action:
    perms = cast("list[NDArray[np.int64]]", [e.perm for e in elements])      # every element is exact here
    gather = np.stack(perms)          # gather[g] = A[g⁻¹]
    return Action(group, gather[group.inverse], shape=shape, name=name)


def _check_shape(shape: Sequence[int], angles: NDArray[np.float64], name: str) -> tuple[int, int]:
    dims = tuple(shape) if isinstance(shape, (tuple, list)) else ()
    if len(dims) != 2 or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 1
                                 for s in dims):
        raise ValueError(f"shape must be (H, W) with integers H, W >= 1; got {shape!r}")
    h, w = int(dims[0]), int(dims[1])
    if h != w and np.any(angles % 180.0 != 0):
        turn = float(np.min(angles[angles % 180.0 != 0]))
        raise ValueError(f"{name} rotates by {turn:g}° and needs a square grid; got shape ({h}, {w})")
    return h, w


def _check_radius(radius: float | None, shape: tuple[int, int]) -> float:
    largest = min(shape) / 2
    if radius is None:
        return (min(shape) - 1) / 2
    if isinstance(radius, bool) or not isinstance(radius, Real) or not radius >= 0:
        raise ValueError(f"the mask radius must be a number >= 0; got {radius!r}")
    if radius > largest:
        raise ValueError(f"mask radius {radius:g} is larger than the image: a {shape[0]}x{shape[1]} grid holds a "
                         f"disk of radius at most {largest:g}")
    return float(radius)


def interpolated_rotations(G: Group, shape: Sequence[int], order: int = 1, mode: str = "constant",
                           mask: str | None = "disk", radius: float | None = None) -> ApproximateAction:
    """Rotations of ``(H, W)`` images by ``cyclic(N)`` or ``dihedral(N)``, any ``N >= 1``.

    Elements whose angle is a multiple of 90° are the exact pixel permutations of
    :meth:`groupcore.Action.on_grid` (bit for bit). The others are sparse operators equal to
    ``scipy.ndimage.rotate(img, angle, reshape=False, order=order, mode=mode, cval=0)`` (of
    ``np.fliplr(img)`` for the flips of D_N), built once with NumPy.

    Parameters
    ----------
    G : Group
        A group acting on images (see :func:`groupcore.grid.plane_geometry`): ``cyclic(N)`` or
        ``dihedral(N)``, or any group carrying 2×2 signed permutation matrices.
    shape : (int, int)
        Image grid; square unless N <= 2.
    order : {0, 1, 3}
        Nearest, bilinear, or cubic B-spline with SciPy's prefilter.
    mode : str
        Boundary mode, one of :data:`groupcore.interpolation.BOUNDARY_MODES` (fill value 0).
    mask : {"disk", None}
        ``"disk"`` zeroes the outputs of interpolated elements outside the disk of ``radius``
        (the corners a rotation fills from outside the image). Exact elements are never masked.
    radius : float, optional
        Disk radius in pixels, at most ``min(H, W)/2``; default ``(min(H, W) - 1)/2`` (the disk
        through the outermost pixel centres). Also the disk on which :meth:`~ApproximateAction.defect`
        is measured.

    Raises
    ------
    TypeError, ValueError
        A group that is not C_N / D_N, a bad shape (non-square for N > 2), order not in 0/1/3,
        an unknown mode or mask, a radius larger than the image.

    Examples
    --------
    >>> import groupcore as gc
    >>> C16 = gc.interpolated_rotations(gc.cyclic(16), (28, 28), order=1)
    >>> C16.operator(1).shape, C16.exact_elements.tolist()
    ((784, 784), [0, 4, 8, 12])
    """
    angles, flips = plane_geometry(G)
    h, w = _check_shape(shape, angles, G.name)
    mode = check_order_and_mode(order, mode)
    order = int(order)
    if mask not in ("disk", None):
        raise ValueError(f"mask must be 'disk' or None; got {mask!r}")
    radius = _check_radius(radius, (h, w))
    keep = disk_mask((h, w), radius).ravel() if mask == "disk" else None
    ph, pad = prefilter_matrix(h, order, mode)
    pw, _ = prefilter_matrix(w, order, mode)
    built: dict[tuple[float, bool], sparse.csr_matrix] = {}
    elements = []
    for angle, flip in zip(angles.tolist(), flips.tolist()):
        quarter = angle / 90.0
        if np.isclose(quarter, round(quarter)):
            inverse = np.linalg.inv(rotation_matrix(round(quarter), flip)).round().astype(np.int64)
            perm = grid_table(inverse[None], (h, w))[0]          # gather: out[y] = x[g⁻¹·y]
            elements.append(_Element(angle, flip, perm, None))
            continue
        fold = flip and order <= 1          # order 3 flips inside the prefilter instead
        if (angle, fold) not in built:
            built[angle, fold] = interpolation_matrix(source_coordinates((h, w), angle), (h + 2 * pad, w + 2 * pad),
                                                      order, mode, pad, rows=keep, flip_columns=fold)
        elements.append(_Element(angle, flip, None, built[angle, fold]))
    return ApproximateAction(G, (h, w), elements, prefilter=(ph, pw) if order > 1 else None, order=order,
                             mode=mode, mask=mask, radius=radius)


@functools.lru_cache(maxsize=64)
def _cached_rotations(G: Group, geometry: bytes | None, shape: tuple[int, int],
                      options: tuple[tuple[str, Any], ...]) -> ApproximateAction:
    """Cached rotations, keyed by the group's table and matrices (C2 and D1 share a table)."""
    return interpolated_rotations(G, shape, **dict(options))


def rotate_filters(action: Group | Action | ApproximateAction, filters: Any, **options: Any) -> Any:
    """Every element applied to a stack of ``k×k`` filters: ``out[g] = ρ(g)·filters``.

    Parameters
    ----------
    action : Group, Action or ApproximateAction
        A group builds (and caches) ``interpolated_rotations(G, filters.shape[-2:], **options)``;
        an action is used as it is (then no options).
    filters : array
        ``(..., k, k)``.

    Returns
    -------
    array
        ``(|G|, ..., k, k)``.

    Examples
    --------
    >>> import groupcore as gc
    >>> w = np.zeros((3, 3)); w[1, 2] = 1.0
    >>> r = rotate_filters(gc.cyclic(8), w, order=1, mask=None)
    >>> r.shape, bool((r[2] == np.rot90(w)).all())
    ((8, 3, 3), True)
    """
    if not hasattr(filters, "shape"):
        filters = np.asarray(filters)
    if len(filters.shape) < 2:
        raise ValueError(f"filters must have shape (..., k, k); got {tuple(filters.shape)}")
    if isinstance(action, Group):
        geometry = None if action.matrices is None else action.matrices.tobytes()
        action = _cached_rotations(action, geometry, tuple(int(s) for s in filters.shape[-2:]),
                                   tuple(sorted(options.items())))
    elif options:
        raise TypeError(f"options {sorted(options)} apply only when rotate_filters builds the rotations from a Group")
    outs = [action.apply(g, filters) for g in range(action.group.order)]
    return namespace(*outs).stack(outs, axis=0)
