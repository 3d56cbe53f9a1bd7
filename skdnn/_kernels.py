"""Fused in-place kernels for the hot loop, where the array namespace has none.

NumPy evaluates ``p -= lr * m / (sqrt(v) + eps)`` as one pass over memory per operator;
an Adam step written that way makes about twelve passes over every parameter, and on
a wide network that costs as much as a third of the matrix products. The kernels here
make one pass. They are compiled with Numba for NumPy arrays, and also exist as CuPy
elementwise kernels (one launch instead of several); :func:`lookup`
returns None for any other namespace (or when Numba cannot be imported), and callers
then fall back to plain array operations, so results agree to rounding either way.

Every kernel but ``bias_relu`` and ``bias_relu_dropout`` (2-D C-contiguous arrays) takes
1-D contiguous views (``a.reshape(-1)`` of a C-contiguous array) and scalars of the
arrays' dtype (a float64 scalar would turn float32 work into float64).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["lookup"]

try:  # Numba is a dependency, but a platform without a wheel still works (slower).
    import numba
except Exception:  # pragma: no cover - exercised by forcing the fallback in tests
    numba = None

_KERNELS: dict[str, Any] = {}
ENABLED = numba is not None

if numba is not None:
    # error_model="numpy": no ZeroDivisionError checks, so the loops vectorize (SIMD).
    _jit = numba.njit(cache=True, error_model="numpy", boundscheck=False, nogil=True)
    # The optimizer kernels also sum p^2; letting that sum be reassociated is what lets
    # the loop vectorize. NaN and infinity still propagate (no "nnan"/"ninf" flags).
    _jit_sum = numba.njit(
        cache=True,
        error_model="numpy",
        boundscheck=False,
        nogil=True,
        fastmath={"reassoc", "nsz"},
    )

    @_jit_sum
    def _adam(p, g, m, v, c1, c2, lr, eps, reg):  # pragma: no cover - compiled
        # With the L2 term folded in, g <- g + reg p (p before the update):
        # m += (1 - b1) (g - m);  v += (1 - b2) (g^2 - v);  p -= lr_t m / (sqrt(v) + eps).
        # Returns sum(p^2) before the update, for the penalty in the loss.
        sumsq = 0.0
        for i in range(p.shape[0]):
            pi = p[i]
            sumsq += pi * pi
            gi = g[i] + reg * pi
            mi = m[i] + c1 * (gi - m[i])
            vi = v[i] + c2 * (gi * gi - v[i])
            m[i] = mi
            v[i] = vi
            p[i] = pi - lr * mi / (np.sqrt(vi) + eps)
        return sumsq

    @_jit_sum
    def _sgd(p, g, vel, lr, mu, nesterov, reg):  # pragma: no cover - compiled
        # g <- g + reg p;  vel = mu vel - lr g;  p += vel  (Nesterov: p += mu vel - lr g).
        # Returns sum(p^2) before the update.
        sumsq = 0.0
        for i in range(p.shape[0]):
            pi = p[i]
            sumsq += pi * pi
            gi = g[i] + reg * pi
            vi = mu * vel[i] - lr * gi
            vel[i] = vi
            if nesterov:
                p[i] = pi + (mu * vi - lr * gi)
            else:
                p[i] = pi + vi
        return sumsq

    @_jit
    def _axpy(y, a, x):  # pragma: no cover - compiled
        # y += a x
        for i in range(y.shape[0]):
            y[i] += a * x[i]

    @_jit
    def _bias_relu(Z, b):  # pragma: no cover - compiled
        # Z = max(Z + b, 0) row by row: the bias add and the activation in one pass.
        n, k = Z.shape
        zero = Z.dtype.type(0)
        for i in range(n):
            for j in range(k):
                z = Z[i, j] + b[j]
                Z[i, j] = z if z > zero else zero

    @_jit
    def _relu_backward(dA, A):  # pragma: no cover - compiled
        # dZ = dA where A > 0 else 0 (the ReLU derivative written from the output)
        zero = dA.dtype.type(0)
        for i in range(dA.shape[0]):
            if not A[i] > zero:
                dA[i] = zero

    @_jit
    def _bias_relu_dropout(Z, b, U, p, scale, D):  # pragma: no cover - compiled
        # Inverted dropout fused into the bias add and the ReLU, in one pass:
        # Z = max(Z + b, 0);  U <- M = scale where U >= p else 0;  D = Z * M.
        n, k = Z.shape
        zero = Z.dtype.type(0)
        for i in range(n):
            for j in range(k):
                z = Z[i, j] + b[j]
                a = z if z > zero else zero
                m = scale if U[i, j] >= p else zero
                Z[i, j] = a
                U[i, j] = m
                D[i, j] = a * m

    @_jit
    def _relu_mask_backward(dA, A, M):  # pragma: no cover - compiled
        # dZ = dA * M where A > 0 else 0: the mask's and the ReLU's backward in one pass.
        zero = dA.dtype.type(0)
        for i in range(dA.shape[0]):
            dA[i] = dA[i] * M[i] if A[i] > zero else zero

    @_jit
    def _weights(w, n):  # pragma: no cover - compiled
        # (weighted, total weight) of n rows; an empty w means every row weighs 1.
        weighted = w.shape[0] == n
        total = 0.0
        for i in range(n):
            total += w[i] if weighted else 1.0
        return weighted, total

    @_jit
    def _ce_softmax(raw, Y, w, bound):  # pragma: no cover - compiled
        # Softmax cross-entropy fused with its gradient, row by row, in place:
        # l_i = sum_k y_ik (log S_i - s_ik) with s = z - max(z) and S_i = sum_k exp(s_ik);
        # raw <- (p - y) * w_i / sum(w). exp() sees s bounded below by -bound (no
        # subnormals); the loss uses the exact s. Returns the weighted mean loss.
        n, k = raw.shape
        weighted, total = _weights(w, n)
        loss = 0.0
        for i in range(n):
            top = raw[i, 0]
            for j in range(1, k):
                top = max(top, raw[i, j])
            dot = 0.0
            ysum = 0.0
            s = 0.0
            for j in range(k):
                shifted = raw[i, j] - top
                dot += Y[i, j] * shifted
                ysum += Y[i, j]
                e = np.exp(max(shifted, -bound))
                raw[i, j] = e
                s += e
            wi = w[i] if weighted else 1.0
            loss += wi * (ysum * np.log(s) - dot)
            scale = wi / total
            for j in range(k):
                raw[i, j] = (raw[i, j] / s - Y[i, j]) * scale
        return loss / total

    @_jit
    def _ce_logistic(raw, Y, w, bound):  # pragma: no cover - compiled
        # Logistic cross-entropy fused with its gradient, in place:
        # l_i = sum_k softplus(z_ik) - y_ik z_ik, softplus(z) = max(z, 0) + log1p(e),
        # e = exp(-|z|) with |z| bounded for exp(); raw <- (p - y) * w_i / sum(w), where
        # p = 1 / (1 + e) for z >= 0 and e / (1 + e) below. Returns the weighted mean.
        n, k = raw.shape
        weighted, total = _weights(w, n)
        loss = 0.0
        for i in range(n):
            wi = w[i] if weighted else 1.0
            scale = wi / total
            row = 0.0
            for j in range(k):
                z = raw[i, j]
                e = np.exp(-min(abs(z), bound))
                row += max(z, 0.0) + np.log1p(e) - Y[i, j] * z
                p = 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)
                raw[i, j] = (p - Y[i, j]) * scale
            loss += wi * row
        return loss / total

    # The compiled cross-entropies take an empty weight vector for "no sample weights";
    # callers pass None, as to the plain operations.
    _NO_WEIGHTS = {t: np.empty(0, dtype=t) for t in (np.float32, np.float64)}

    def _weights_or_empty(kernel):
        def call(raw, Y, w, bound):
            return kernel(raw, Y, _NO_WEIGHTS[raw.dtype.type] if w is None else w, bound)

        return call

    _KERNELS = {
        "ce_softmax": _weights_or_empty(_ce_softmax),
        "ce_logistic": _weights_or_empty(_ce_logistic),
        "adam": _adam,
        "sgd": _sgd,
        "axpy": _axpy,
        "bias_relu": _bias_relu,
        "relu_backward": _relu_backward,
        "bias_relu_dropout": _bias_relu_dropout,
        "relu_mask_backward": _relu_mask_backward,
    }


#: The CUDA elementwise kernels, as ``cupy.ElementwiseKernel`` takes them: name ->
#: (input parameters, output parameters, loop body). ``T`` is the parameters' dtype.
#: Outputs are updated in place. Tests compile these with CuPy's own code generator
#: and ``nvcc``, and run the bodies on the CPU (the stand-in in tests/emulated/cupy).
CUDA_KERNELS: dict[str, tuple[str, str, str]] = {
    "skdnn_adam": (
        "T g, T c1, T c2, T lr, T eps, T reg",
        "T p, T m, T v",
        """
        T pi = p;
        T gi = g + reg * pi;
        m = m + c1 * (gi - m);
        v = v + c2 * (gi * gi - v);
        p = pi - lr * m / (sqrt(v) + eps);
        """,
    ),
    "skdnn_sgd": (
        "T g, T lr, T mu, bool nesterov, T reg",
        "T p, T vel",
        """
        T pi = p;
        T gi = g + reg * pi;
        T vi = mu * vel - lr * gi;
        vel = vi;
        p = nesterov ? pi + (mu * vi - lr * gi) : pi + vi;
        """,
    ),
    "skdnn_bias_relu": ("T b", "T z", "T v = z + b; z = v > 0 ? v : (T)0;"),
    "skdnn_relu_backward": ("T a", "T d", "d = a > 0 ? d : (T)0;"),
    "skdnn_bias_relu_dropout": (
        "T b, T p, T scale",
        "T z, T m, T d",
        "T v = z + b; z = v > 0 ? v : (T)0; m = m >= p ? scale : (T)0; d = z * m;",
    ),
    "skdnn_relu_mask_backward": ("T a, T m", "T d", "d = a > 0 ? d * m : (T)0;"),
    "skdnn_ce_logistic": (
        "T y, T scale, T bound",
        "T z, T l",
        """
        T a = fabs(z) < bound ? fabs(z) : bound;
        T e = exp(-a);
        l = (z > 0 ? z : (T)0) + log1p(e) - y * z;
        T p = z >= 0 ? (T)1 / ((T)1 + e) : e / ((T)1 + e);
        z = (p - y) * scale;
        """,
    ),
    "skdnn_softmax_exp": (
        "T z, T top, T bound",
        "T e",
        "T s = z - top; e = exp(s > -bound ? s : -bound);",
    ),
    "skdnn_softmax_grad": (
        "T e, T y, T total, T top, T scale",
        "T z, T l",
        "l = y * (log(total) - (z - top)); z = (e / total - y) * scale;",
    ),
}

_CUPY_KERNELS: dict[int, tuple[Any, dict[str, Any]]] = {}


def _cupy_kernels(cupy: Any) -> dict[str, Any]:
    """The kernels for CuPy arrays, built from :data:`CUDA_KERNELS` once per module.

    Same arguments and results as the Numba ones (``axpy`` excepted: CuPy's ``+=`` is one
    launch already). Reductions (the optimizers' sum of squares, the softmax's row max
    and sum, the loss) are separate CuPy reductions; results stay on the device, so
    nothing synchronises.

    Parameters
    ----------
    cupy : module
        The ``cupy`` module.

    Returns
    -------
    dict
        Kernel name -> callable.
    """
    entry = _CUPY_KERNELS.get(id(cupy))
    if entry is not None and entry[0] is cupy:
        return entry[1]
    k = {name: cupy.ElementwiseKernel(*spec, name) for name, spec in CUDA_KERNELS.items()}
    built = {
        **_cupy_optimizer_steps(cupy, k),
        **_cupy_cross_entropy(cupy, k),
        "bias_relu": lambda Z, b: k["skdnn_bias_relu"](b, Z),
        "relu_backward": lambda dA, A: k["skdnn_relu_backward"](A, dA),
        "bias_relu_dropout": lambda Z, b, U, p, scale, D: k["skdnn_bias_relu_dropout"](
            b, p, scale, Z, U, D
        ),
        "relu_mask_backward": lambda dA, A, M: k["skdnn_relu_mask_backward"](A, M, dA),
    }
    _CUPY_KERNELS[id(cupy)] = (cupy, built)
    return built


def _cupy_optimizer_steps(cupy: Any, k: dict) -> dict[str, Any]:
    """Adam and SGD steps around their elementwise kernels in ``k``."""

    # The sum of squares feeds the L2 term of the loss only: no reduction without it.
    def adam_step(p, g, m, v, c1, c2, lr, eps, reg):
        sumsq = cupy.vdot(p, p) if reg else 0.0
        k["skdnn_adam"](g, c1, c2, lr, eps, reg, p, m, v)
        return sumsq

    def sgd_step(p, g, vel, lr, mu, nesterov, reg):
        sumsq = cupy.vdot(p, p) if reg else 0.0
        k["skdnn_sgd"](g, lr, mu, nesterov, reg, p, vel)
        return sumsq

    return {"adam": adam_step, "sgd": sgd_step}


def _cupy_cross_entropy(cupy: Any, k: dict) -> dict[str, Any]:
    """The fused cross-entropy losses (value and gradient) around the kernels in ``k``."""

    def row_scale(raw, w):
        # w_i / sum(w) as a column, or 1 / n: d mean / d row_i.
        n = raw.shape[0]
        if w is None:
            return raw.dtype.type(1.0 / n)
        return (w / cupy.sum(w)).reshape(n, 1)

    def ce_logistic(raw, Y, w, bound):
        scale = row_scale(raw, w)
        loss_terms = cupy.empty_like(raw)
        k["skdnn_ce_logistic"](Y, scale, bound, raw, loss_terms)
        return cupy.sum(loss_terms * scale)

    def ce_softmax(raw, Y, w, bound):
        scale = row_scale(raw, w)
        top = cupy.max(raw, axis=1, keepdims=True)
        e = k["skdnn_softmax_exp"](raw, top, bound)
        total = cupy.sum(e, axis=1, keepdims=True)
        loss_terms = cupy.empty_like(raw)
        k["skdnn_softmax_grad"](e, Y, total, top, scale, raw, loss_terms)
        return cupy.sum(loss_terms * scale)

    return {"ce_logistic": ce_logistic, "ce_softmax": ce_softmax}


def sumsq(x: Any, xp: Any) -> Any:
    """``sum(x ** 2)`` over all elements, as a 0-d array of ``xp`` (no host sync).

    ``vecdot`` where the namespace has it (NumPy 2, the array API); CuPy has ``vdot``
    only.

    Parameters
    ----------
    x : array
    xp : module
        The array namespace of ``x``.

    Returns
    -------
    array of shape ()
    """
    flat = xp.reshape(x, (-1,))
    vecdot = getattr(xp, "vecdot", None)
    return vecdot(flat, flat) if vecdot is not None else xp.vdot(flat, flat)


def lookup(xp: Any, name: str) -> Any:
    """The fused kernel ``name`` for arrays of namespace ``xp``, or None.

    Parameters
    ----------
    xp : module
        The array namespace of the arrays the kernel would receive.
    name : {"adam", "sgd", "axpy", "bias_relu", "relu_backward", "bias_relu_dropout", \
            "relu_mask_backward", "ce_softmax", "ce_logistic"}
        Kernel name.

    Returns
    -------
    callable or None
        None when no fused kernel exists for ``xp`` (callers fall back to array
        operations).
    """
    namespace = getattr(xp, "__name__", "")
    if namespace == "cupy":
        return _cupy_kernels(xp).get(name)
    if not ENABLED or namespace != "numpy":
        return None
    return _KERNELS.get(name)
