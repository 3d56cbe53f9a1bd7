"""A CPU stand-in for CuPy, so skdnn's ``backend="cupy"`` code runs without a GPU.

Importable as ``cupy`` when this folder's parent is on ``sys.path`` (``conftest.py``
puts it there for ``SKDNN_TEST_BACKEND=emulated_cupy``, and in ``PYTHONPATH`` so that
worker processes see it too). Device arrays wrap NumPy arrays and the kernels run on
the CPU; what it holds to is what CuPy would refuse:

* only the names skdnn may call, each one present in real CuPy and taking only the
  keyword arguments CuPy's function takes (read off CuPy 14.2;
  ``tests/test_cuda_kernels.py`` checks the lists against an installed CuPy);
* device arrays are not NumPy arrays: a host ``numpy.ndarray`` in a device operation
  raises ``TypeError``, and so does ``numpy.asarray`` of a device array (with CuPy's
  message); host data enters through ``asarray`` (a copy) and leaves through
  ``asnumpy`` or ``.get()``; NumPy functions called on a device array dispatch only to
  names CuPy has;
* ``ElementwiseKernel`` follows CuPy's rules for its arguments (one dtype per type
  letter, decided by the array arguments, outputs first; scalars cast to it; an array
  of another dtype raises ``TypeError``; outputs must have the broadcast shape) and runs
  the loop body itself, compiled as C++ by the system's ``g++``.

What it cannot check: that the bodies compile as CUDA (``test_cuda_kernels.py`` does
that with CuPy's code generator and ``nvcc``), speed, and device memory.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
import types

import numpy as np

__version__ = "0+emulated"
EMULATED = True

# -------------------------------------------------------------------------- arrays

#: Traffic between host and device since import (tests reset it): ``to_host`` counts
#: arrays copied out (``get``, ``asnumpy``, ``tolist``), ``syncs`` scalars read on the
#: host (``float()``, ``bool()``, ``int()``, ``item``; each waits for the device), and
#: ``to_device`` host arrays copied in.
transfers = {"to_host": 0, "syncs": 0, "to_device": 0}


_NO_IMPLICIT = (
    "Implicit conversion to a NumPy array is not allowed. Please use `.get()` to "
    "construct a NumPy array explicitly."
)  # CuPy's own message


class ndarray:  # noqa: N801 - CuPy's name
    """A device array: holds a NumPy array, refuses to become or mix with host arrays.

    ``numpy.asarray(x)`` raises ``TypeError`` (as CuPy); NumPy functions and ufuncs
    called on it dispatch to this module's version (as CuPy's ``__array_function__``
    does), or fail when CuPy has none. Attributes and methods are the NumPy array's,
    with array results kept on the device.
    """

    __slots__ = ("_a",)
    __hash__ = None

    def __init__(self, a):
        self._a = a

    def __array__(self, dtype=None, copy=None):
        raise TypeError(_NO_IMPLICIT)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.get("out")
        _check_device(inputs + (out or ()), ufunc.__name__)
        if out:
            kwargs["out"] = tuple(_down(o) for o in out)
        result = getattr(ufunc, method)(*(_down(x) for x in inputs), **kwargs)
        if out:
            return out[0] if len(out) == 1 else out
        return _up_all(result)

    def __array_function__(self, func, types_, args, kwargs):
        ours = globals().get(func.__name__)
        if not callable(ours) or func.__name__ not in _DISPATCHED:
            return NotImplemented  # NumPy raises TypeError, as for CuPy
        return ours(*args, **kwargs)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name == "item":
            transfers["syncs"] += 1
        elif name == "tolist":
            transfers["to_host"] += 1
        attr = getattr(self._a, name)
        if not callable(attr):
            return _up_all(attr) if isinstance(attr, np.ndarray) else attr

        def method(*args, **kwargs):
            _check_device(_leaves((args, kwargs)), name)
            out = kwargs.get("out")
            result = attr(*_down_all(args), **_down_all(kwargs))
            return out if out is not None else _up_all(result)

        return method

    def get(self):
        """Copy to the host, as ``cupy.ndarray.get``."""
        transfers["to_host"] += 1
        return self._a.copy()

    def __repr__(self):
        return repr(self._a)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (_up_all(x) for x in self._a)

    def __bool__(self):
        transfers["syncs"] += 1
        return bool(self._a)

    def __float__(self):
        transfers["syncs"] += 1
        return float(self._a)

    def __int__(self):
        transfers["syncs"] += 1
        return int(self._a)

    def __index__(self):
        transfers["syncs"] += 1
        return self._a.__index__()

    def __getitem__(self, key):
        return _up_all(self._a[_down_all(key)])

    def __setitem__(self, key, value):
        # CuPy copies host values in on assignment.
        if isinstance(value, (np.ndarray, list, tuple)):
            transfers["to_device"] += 1
        self._a[_down_all(key)] = _down(value)


def _binary(name):
    def op(self, other):
        _check_device((other,), name)
        result = getattr(self._a, name)(_down(other))
        return result if result is NotImplemented else _up_all(result)

    return op


def _inplace(name):
    def op(self, other):
        _check_device((other,), name)
        getattr(self._a, name)(_down(other))
        return self

    return op


def _unary(name):
    def op(self):
        return _up_all(getattr(self._a, name)())

    return op


for _op in ("add", "sub", "mul", "truediv", "floordiv", "pow", "matmul", "mod", "and", "or",
            "xor"):  # fmt: skip
    setattr(ndarray, f"__{_op}__", _binary(f"__{_op}__"))
    setattr(ndarray, f"__r{_op}__", _binary(f"__r{_op}__"))
    setattr(ndarray, f"__i{_op}__", _inplace(f"__i{_op}__"))
for _op in ("lt", "le", "gt", "ge", "eq", "ne"):
    setattr(ndarray, f"__{_op}__", _binary(f"__{_op}__"))
for _op in ("neg", "pos", "abs", "invert"):
    setattr(ndarray, f"__{_op}__", _unary(f"__{_op}__"))
del _op


def _down(x):
    return x._a if isinstance(x, ndarray) else x


def _down_all(x):
    if isinstance(x, (list, tuple)):
        return type(x)(_down_all(v) for v in x)
    if isinstance(x, dict):
        return {k: _down_all(v) for k, v in x.items()}
    return _down(x)


def _up_all(x):
    # CuPy answers device arrays, 0-d ones for reductions, never NumPy scalars.
    if isinstance(x, tuple):
        return tuple(_up_all(v) for v in x)
    if isinstance(x, np.ndarray):
        return ndarray(x)
    if isinstance(x, np.generic):
        return ndarray(np.asarray(x))
    return x


def _leaves(x):
    if isinstance(x, (list, tuple)):
        for v in x:
            yield from _leaves(v)
    elif isinstance(x, dict):
        for v in x.values():
            yield from _leaves(v)
    else:
        yield x


def _check_device(objs, what):
    for x in _leaves(tuple(objs)):
        if isinstance(x, np.ndarray):
            raise TypeError(
                f"Unsupported type {type(x)} in cupy.{what}: a host array in a device "
                "operation (CuPy does not convert implicitly)"
            )


# ----------------------------------------------------------------------- functions

_UFUNC_KW = ("out", "dtype", "casting")
_UFUNCS = (
    "abs", "add", "cos", "divide", "equal", "exp", "expm1", "greater", "greater_equal", "isfinite",
    "isnan", "less", "less_equal", "log", "log1p", "logaddexp", "maximum", "minimum",
    "multiply", "negative", "not_equal", "power", "sin", "sqrt", "square", "subtract", "tanh",
    "true_divide",
)  # fmt: skip

#: Function -> the keyword arguments CuPy 14.2's version takes.
FUNCTIONS = {
    "all": ("axis", "out", "keepdims"),
    "any": ("axis", "out", "keepdims"),
    "argmax": ("axis", "dtype", "out", "keepdims"),
    "astype": ("dtype", "copy"),
    "clip": ("a_min", "a_max", "out"),
    "concat": ("axis", "out", "dtype", "casting"),
    "concatenate": ("axis", "out", "dtype", "casting"),
    "dot": ("out",),
    "empty": ("shape", "dtype", "order"),
    "empty_like": ("dtype", "order", "subok", "shape"),
    "full": ("shape", "fill_value", "dtype", "order"),
    "full_like": ("fill_value", "dtype", "order", "subok", "shape"),
    "matmul": ("out", "dtype", "casting", "axes", "axis", "keepdims"),
    "max": ("axis", "out", "keepdims"),
    "mean": ("axis", "dtype", "out", "keepdims"),
    "min": ("axis", "out", "keepdims"),
    "ones": ("shape", "dtype", "order"),
    "ones_like": ("dtype", "order", "subok", "shape"),
    "permute_dims": ("axes",),
    "reshape": ("newshape", "order", "copy"),
    "sum": ("axis", "dtype", "out", "keepdims"),
    "take": ("indices", "axis", "out"),
    "vdot": (),
    "where": ("condition", "x", "y"),
    "zeros": ("shape", "dtype", "order"),
    "zeros_like": ("dtype", "order", "subok", "shape"),
}
#: Functions that take host data (and copy it to the device).
HOST_INPUT = {
    "asarray": ("dtype", "order", "copy", "blocking"),
    "ascontiguousarray": ("dtype",),
    "array": ("dtype", "copy", "order", "subok", "ndmin", "blocking"),
}
#: Names that are not functions.
OTHER = (
    "asnumpy", "bool_", "cuda", "dtype", "ElementwiseKernel", "finfo", "float16",
    "float32", "float64", "iinfo", "int32", "int64", "intp", "ndarray", "newaxis",
    "random", "uint8",
)  # fmt: skip

bool_, dtype, finfo, iinfo, newaxis = np.bool_, np.dtype, np.finfo, np.iinfo, np.newaxis
float16, float32, float64, int32, int64, intp, uint8 = (
    np.float16, np.float32, np.float64, np.int32, np.int64, np.intp, np.uint8
)  # fmt: skip


#: NumPy 2 functions that NumPy 1.26 (the floor) lacks, as NumPy 1.26 spells them.
_NUMPY_1 = {
    "astype": lambda x, dtype, /, *, copy=True: x.astype(dtype, copy=copy),
    "concat": np.concatenate,
    "permute_dims": lambda x, /, axes: np.transpose(x, axes),
}


def _device_function(name, allowed, host_input=False):
    func = getattr(np, name, None) or _NUMPY_1[name]

    def call(*args, **kwargs):
        unknown = set(kwargs) - set(allowed)
        if unknown:
            raise TypeError(f"cupy.{name}() got unexpected keyword argument(s) {sorted(unknown)}")
        if host_input:
            # CuPy copies host data to the device; a device array of the asked dtype is
            # returned as it is (asarray) or made contiguous.
            kwargs.pop("blocking", None)
            data = args[0]
            if not isinstance(data, ndarray):
                transfers["to_device"] += 1
                data = ndarray(np.array(data, dtype=kwargs.get("dtype"), copy=True))
            result = func(_down(data), *_down_all(args[1:]), **_down_all(kwargs))
            return data if result is _down(data) else _up_all(result)
        _check_device(_leaves((args, kwargs)), name)
        out = kwargs.get("out")
        result = func(*_down_all(args), **_down_all(kwargs))
        return out if out is not None else _up_all(result)

    call.__name__ = call.__qualname__ = name
    return call


for _name in _UFUNCS:
    globals()[_name] = _device_function(_name, _UFUNC_KW)
for _name, _kw in FUNCTIONS.items():
    globals()[_name] = _device_function(_name, _kw)
for _name, _kw in HOST_INPUT.items():
    globals()[_name] = _device_function(_name, _kw, host_input=True)
del _name, _kw
#: What NumPy functions called on a device array dispatch to (CuPy's __array_function__).
_DISPATCHED = frozenset((*_UFUNCS, *FUNCTIONS, *HOST_INPUT))


def asnumpy(a, stream=None, order="C", out=None, *, blocking=True):
    """Copy ``a`` to the host (a new NumPy array), as ``cupy.asnumpy``."""
    if isinstance(a, ndarray):
        transfers["to_host"] += 1
    host = np.array(_down(a), order=order)  # a host array is accepted, as by CuPy
    if out is None:
        return host
    out[...] = host
    return out


class _Runtime:
    """``cupy.cuda.runtime``: one device with ``free_bytes`` of free memory."""

    free_bytes = 16 << 30

    def getDeviceCount(self):  # noqa: N802 - CuPy's name
        return 1

    def memGetInfo(self):  # noqa: N802 - CuPy's name
        return self.free_bytes, 2 * self.free_bytes

    def deviceSynchronize(self):  # noqa: N802 - CuPy's name
        return None


cuda = types.SimpleNamespace(runtime=_Runtime())


class _Generator:
    """``cupy.random.Generator``: draws "on the device" (no host traffic counted).

    Only ``random(size, dtype, out)``, the one method skdnn calls; the stream is
    NumPy's PCG64, not CuPy's XORWOW, so the draws differ from a real GPU's.
    """

    def __init__(self, seed):
        self._rng = np.random.default_rng(seed)

    def random(self, size=None, dtype=np.float64, out=None):
        if out is not None and not isinstance(out, ndarray):
            raise TypeError("out must be a cupy.ndarray")
        values = self._rng.random(size, dtype=dtype)
        if out is None:
            return ndarray(values)
        _down(out)[...] = values
        return out


#: ``cupy.random``: ``default_rng`` only.
random = types.SimpleNamespace(default_rng=_Generator)

# ------------------------------------------------------------- elementwise kernels

_CTYPES = {
    np.dtype(np.float32): "float",
    np.dtype(np.float64): "double",
    np.dtype(np.bool_): "bool",
    np.dtype(np.int32): "int",
    np.dtype(np.int64): "long long",
}
_HEADER = """#include <cmath>
using std::exp; using std::expm1; using std::fabs; using std::log; using std::log1p;
using std::sqrt; using std::tanh;
"""
_LIBS: dict[str, ctypes.CDLL] = {}
_LOCK = threading.Lock()


def _parse(params):
    out = []
    for param in filter(None, (p.strip() for p in params.split(","))):
        words = param.split()
        if len(words) != 2:
            raise ValueError(f"Syntax error: {param} (qualifiers such as 'raw' are not emulated)")
        type_, name = words
        if name == "i":
            raise ValueError("Can not use 'i' as a parameter name")
        out.append((type_ if len(type_) == 1 else np.dtype(type_), name))
    return out


def _compile(source):
    key = hashlib.sha256(source.encode()).hexdigest()[:24]
    with _LOCK:
        lib = _LIBS.get(key)
        if lib is not None:
            return lib
        compiler = shutil.which("g++")
        if compiler is None:
            raise RuntimeError("the emulated ElementwiseKernel needs g++ on PATH")
        folder = os.path.join(tempfile.gettempdir(), f"skdnn-emulated-cupy-{os.getuid()}")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{key}.so")
        if not os.path.exists(path):
            tmp = f"{path}.{os.getpid()}.tmp"
            proc = subprocess.run(
                [compiler, "-O1", "-shared", "-fPIC", "-x", "c++", "-", "-o", tmp],
                input=source, capture_output=True, text=True,
            )  # fmt: skip
            if proc.returncode:
                raise RuntimeError(f"kernel does not compile:\n{source}\n{proc.stderr}")
            os.replace(tmp, path)
        lib = _LIBS[key] = ctypes.CDLL(path)
        return lib


class ElementwiseKernel:
    """``cupy.ElementwiseKernel`` run on the CPU: the body is compiled with g++.

    Parameters
    ----------
    in_params, out_params : str
        Comma-separated ``type name`` pairs; a one-letter type is a type variable.
    operation : str
        The loop body (C++; the CUDA math functions used by skdnn map to ``std::``).
    name : str
        Kernel name.
    """

    def __init__(self, in_params, out_params, operation, name="kernel", **kwargs):
        unknown = set(kwargs) - {"reduce_dims", "preamble", "no_return", "return_tuple"}
        if unknown:
            raise TypeError(f"unexpected keyword argument(s) {sorted(unknown)}")
        if kwargs.get("preamble") or kwargs.get("no_return") or kwargs.get("return_tuple"):
            raise NotImplementedError("preamble, no_return and return_tuple are not emulated")
        self.in_params, self.out_params = _parse(in_params), _parse(out_params)
        self.operation, self.name = operation, name

    def _types(self, ins, outs):
        found = {}

        def bind(type_, name, arr):
            if not isinstance(type_, str):
                if arr.dtype != type_:
                    raise TypeError(f"Type is mismatched. {name} {arr.dtype} {type_}")
            elif found.setdefault(type_, arr.dtype) != arr.dtype:
                raise TypeError(f"Type is mismatched. {name} {arr.dtype} {found[type_]} {type_}")

        for (type_, name), a in zip(self.out_params, outs):
            if not isinstance(a, ndarray):
                raise TypeError("Output arguments must be cupy.ndarray")
            bind(type_, name, a)
        for (type_, name), a in zip(self.in_params, ins):
            if isinstance(a, ndarray):
                bind(type_, name, a)
        params = self.in_params + self.out_params
        missing = {t for t, _ in params if isinstance(t, str)} - set(found)
        if missing:
            raise TypeError(f"{self.name}: no array argument decides type(s) {sorted(missing)}")
        return [found[t] if isinstance(t, str) else t for t, _ in params]

    def _source(self, dtypes, scalar):
        params = self.in_params + self.out_params
        letters = sorted({t for t, _ in params if isinstance(t, str)})
        typedefs = "".join(
            f"  typedef {_CTYPES[dtypes[[t for t, _ in params].index(letter)]]} {letter};\n"
            for letter in letters
        )
        refs = []
        for k, ((type_, name), dt) in enumerate(zip(params, dtypes)):
            ctype = type_ if isinstance(type_, str) else _CTYPES[dt]
            const = "const " if k < len(self.in_params) else ""
            index = "0" if scalar[k] else "i"
            refs.append(f"    {const}{ctype} &{name} = (({const}{ctype} *)_args[{k}])[{index}];\n")
        return (
            f'{_HEADER}extern "C" void {self.name}(long long _n, void **_args) {{\n'
            f"{typedefs}  for (long long i = 0; i < _n; ++i) {{\n{''.join(refs)}"
            f"    {{\n{self.operation}\n    ;}}\n  }}\n}}\n"
        )

    def __call__(self, *args, **kwargs):
        """Run the kernel: inputs then outputs, as CuPy; returns the output(s)."""
        if kwargs:
            raise TypeError(f"keyword arguments {sorted(kwargs)} are not emulated")
        nin, nout = len(self.in_params), len(self.out_params)
        if len(args) not in (nin, nin + nout):
            raise TypeError(f"Wrong number of arguments for {self.name!r}")
        _check_device(args, self.name)
        ins, outs = list(args[:nin]), list(args[nin:])
        dtypes = self._types(ins, outs)
        arrays = [a for a in args if isinstance(a, ndarray)]
        if not arrays:
            raise ValueError("Loop size is undecided")
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        for out in outs:
            if out.shape != shape:
                raise ValueError("Out shape is mismatched")
        outs += [ndarray(np.empty(shape, dtypes[nin + k])) for k in range(len(outs), nout)]
        buffers, scalar = [], []
        for value, dt in zip(ins, dtypes):
            if isinstance(value, ndarray):
                buffers.append(np.ascontiguousarray(np.broadcast_to(_down(value), shape)))
                scalar.append(False)
            else:
                buffers.append(np.asarray(value).astype(dt).reshape(1))
                scalar.append(True)
        for out in outs:
            # A contiguous output is written in place; any other through a copy.
            buffers.append(
                _down(out) if out.flags.c_contiguous else np.ascontiguousarray(_down(out))
            )
            scalar.append(False)
        lib = _compile(self._source(dtypes, scalar))
        pointers = (ctypes.c_void_p * len(buffers))(*(b.ctypes.data for b in buffers))
        getattr(lib, self.name)(ctypes.c_longlong(int(np.prod(shape))), pointers)
        for out, buf in zip(outs, buffers[nin:]):
            if not out.flags.c_contiguous:
                out[...] = buf
        return outs[0] if nout == 1 else tuple(outs)
