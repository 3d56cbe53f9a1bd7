"""How many BLAS threads a fit or a predict uses: skdnn's thread policy.

On the NumPy backend the time of a fit is mostly matrix products in the BLAS NumPy was
built with (OpenBLAS in the wheels), which by default splits every product over all
cores. That pays for big products on an idle machine. It costs dearly for small ones,
and for any product once another process is busy: each product then waits for a
thread that the operating system gave to someone else, and a fit can run several times
(up to a hundred times, on two cores) slower than on one thread. No thread count is
right for every shape and every moment, so skdnn chooses, per fit and per predict:

* ``n_threads`` given (an int): that many threads (``-1``: all allowed; ``-2``: all but
  one, as ``n_jobs``), never more than the limit in force.
* Otherwise, from the sizes of the products, by their mean size in floating-point
  operations: below :data:`SMALL_GEMM` one thread (splitting costs more than it
  saves, even on an idle machine); from :data:`LARGE_GEMM` on every allowed thread
  (the wait for a busy core is then small next to the product).
* In between, by measuring (:class:`Pacer`): the first minibatches (or predict
  chunks) run on one thread, then on all allowed threads, each timed; all threads are
  kept only if they are at least ``1 / MARGIN`` times faster. A choice of several
  threads is checked again when the time per batch grows by :data:`DRIFT` over
  :data:`WINDOW` batches (another process started), and every choice after
  :data:`RECHECK_SECONDS` or more of work with it (:data:`RECHECK_FACTOR` times the
  cost of the last check, so that checking stays a few percent of the work). A choice
  is remembered per network shape for the next fits and predicts of this process, with
  the work left until its next check.

The limit in force is the lowest ``num_threads`` of the BLAS libraries loaded (what
``threadpoolctl.threadpool_info()`` reports): a user's ``threadpool_limits(1)`` or
joblib's limit inside ``GridSearchCV(n_jobs=k)`` workers is never exceeded. The thread
counts are set for skdnn's own calls only (the training loop, the chunked forward pass
of predict) and restored when they return, failures included; the process-wide setting
is never changed. Backends other than NumPy follow their own settings (torch:
``torch.set_num_threads``); skdnn's Numba kernels are single-threaded.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

#: Mean floating-point operations per product below which one thread is used.
SMALL_GEMM = 2e7
#: Mean floating-point operations per product from which every allowed thread is used.
LARGE_GEMM = 1e9
#: All threads are kept when their median batch time is below this share of one thread's.
MARGIN = 0.9
#: Batches timed per thread count when measuring (training; predict times one chunk).
PROBE_BATCHES = 3
#: An all-thread batch this many times slower than one thread's median ends the probe.
ABORT = 1.5
#: Batches per drift check (on several threads), and the slow-down that triggers one.
WINDOW = 16
DRIFT = 1.5
#: Least seconds of work between two checks, and least multiple of the last check's cost.
RECHECK_SECONDS = 5.0
RECHECK_FACTOR = 25
#: Choices remembered (per network shape, batch size, dtype and limit).
CACHE_SIZE = 64

#: The clock the measurements read (tests substitute a fake one).
clock = time.perf_counter


# ----------------------------------------------------------------- the BLAS libraries


class _Libraries:
    """The BLAS libraries of this process, and skdnn's temporary changes to them.

    The controllers are found once (threadpoolctl's scan of the loaded libraries takes
    milliseconds); reading or setting a thread count then costs microseconds. While any
    skdnn call holds a scope, :attr:`outside` keeps the counts as they were before the
    first one began (the limit in force for every skdnn call, also one on another
    Python thread); when the last scope ends they are restored.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._libs: list | None = None
        self._depth = 0
        self.outside: list[int] = []

    def libs(self) -> list:
        if self._libs is None:
            from threadpoolctl import ThreadpoolController

            controllers = ThreadpoolController().lib_controllers
            self._libs = [lib for lib in controllers if lib.user_api == "blas"]
        return self._libs

    def counts(self) -> list[int]:
        return [lib.get_num_threads() for lib in self.libs()]

    def ceiling(self) -> int:
        """The most threads skdnn may use: the lowest count outside skdnn's scopes."""
        with self._lock:
            counts = self.outside if self._depth else self.counts()
        return max(1, min(counts, default=1))

    def enter(self) -> list[int]:
        """Begin a scope; returns the counts to restore when it ends."""
        with self._lock:
            current = self.counts()
            if self._depth == 0:
                self.outside = current
            self._depth += 1
            return current

    def set(self, n: int) -> None:
        for lib in self.libs():
            if lib.get_num_threads() != n:
                lib.set_num_threads(n)

    def exit(self, before: list[int]) -> None:
        """End a scope: the outermost restores the counts from outside skdnn, an inner
        one those it found (a predict called inside a fit)."""
        with self._lock:
            self._depth -= 1
            restore = self.outside if self._depth == 0 else before
            for lib, n in zip(self.libs(), restore):
                if lib.get_num_threads() != n:
                    lib.set_num_threads(n)


LIBRARIES = _Libraries()


# ------------------------------------------------------------------------- the policy


@dataclass
class Choice:
    """A measured choice: the thread count, its seconds per unit, and the seconds of
    work left until it is checked again (counted down by every fit that holds it)."""

    threads: int
    seconds: float
    budget: float


_choices: dict[tuple, Choice] = {}


def forget() -> None:
    """Drop every remembered choice (the next fits measure again)."""
    _choices.clear()


def _remember(key: tuple, choice: Choice) -> None:
    if key not in _choices and len(_choices) >= CACHE_SIZE:
        _choices.pop(next(iter(_choices)))
    _choices[key] = choice


class Pacer:
    """The thread count of one fit or predict: set on entry, restored on exit, and
    (when ``fixed`` is None) chosen by timing the work units that :meth:`units` yields.

    Parameters
    ----------
    key : tuple
        What a remembered choice is filed under (shapes, batch size, dtype, limit).
    ceiling : int
        All allowed threads.
    fixed : int or None
        A thread count decided in advance; None measures.
    probe : int, default=PROBE_BATCHES
        Units timed per thread count when measuring.
    """

    def __init__(self, key: tuple, ceiling: int, fixed: int | None, probe: int = PROBE_BATCHES):
        self.key, self.ceiling, self.fixed, self.probe = key, ceiling, fixed, probe
        self.threads = fixed if fixed is not None else 1
        self._before: list[int] = []
        self._phase = "hold"
        self._one: list[float] = []
        self._all: list[float] = []
        self._window: list[float] = []
        self._choice = Choice(self.threads, 0.0, 0.0)
        #: (thread count, seconds per unit) of every decision made, for inspection.
        self.decisions: list[tuple[int, float]] = []

    def __enter__(self) -> Pacer:
        self._before = LIBRARIES.enter()
        known = None if self.fixed is not None else _choices.get(self.key)
        if known is not None:
            self._choice, self.threads = known, known.threads
        if self.fixed is None and known is None:
            self._start_probe()
        else:
            LIBRARIES.set(self.threads)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        LIBRARIES.exit(self._before)

    def units(self, units: Iterable) -> Iterator:
        """Yield ``units`` (minibatches, chunks), timing the work done on each."""
        if self.fixed is not None:
            yield from units
            return
        last = clock()
        for unit in units:
            yield unit
            now = clock()
            self._record(now - last)
            last = now

    # -------------------------------------------------------------- measuring

    def _switch(self, n: int) -> None:
        self.threads = n
        LIBRARIES.set(n)

    def _start_probe(self) -> None:
        self._phase, self._one, self._all, self._window = "one", [], [], []
        self._switch(1)

    def _record(self, seconds: float) -> None:
        if self._phase == "one":
            self._one.append(seconds)
            if len(self._one) >= self.probe:
                self._phase = "all"
                self._switch(self.ceiling)
        elif self._phase == "all":
            self._all.append(seconds)
            if seconds > ABORT * statistics.median(self._one) or len(self._all) >= self.probe:
                self._decide()
        else:
            choice = self._choice
            choice.budget -= seconds
            # Drift matters on several threads: a process that starts beside them makes
            # every product wait. One thread barely gains when the load ends (and its
            # times are noisy on a loaded machine), so it waits for the budget instead.
            if self.threads > 1:
                self._window.append(seconds)
                if len(self._window) >= WINDOW:
                    mean = sum(self._window) / len(self._window)
                    self._window = []
                    if mean > DRIFT * choice.seconds:
                        self._start_probe()
                        return
            if choice.budget <= 0:
                self._start_probe()

    def _decide(self) -> None:
        one = statistics.median(self._one)
        # A probe ended early (ABORT) has too few all-thread batches to trust: they lost.
        complete = len(self._all) >= self.probe
        every = statistics.median(self._all) if complete else float("inf")
        threads, seconds = (self.ceiling, every) if every < MARGIN * one else (1, one)
        cost = sum(self._one) + sum(self._all)
        self._choice = Choice(threads, seconds, max(RECHECK_SECONDS, RECHECK_FACTOR * cost))
        self._phase = "hold"
        self.decisions.append((threads, seconds))
        _remember(self.key, self._choice)
        self._switch(threads)


class _Untouched:
    """No thread policy: the backend follows its own setting."""

    threads = None
    decisions: list = []

    def __enter__(self) -> _Untouched:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        return None

    def units(self, units: Iterable) -> Iterable:
        return units


UNTOUCHED = _Untouched()


def resolve(n_threads: int, ceiling: int) -> int:
    """The thread count ``n_threads`` asks for, within ``ceiling``.

    Parameters
    ----------
    n_threads : int
        A positive count, or negative as scikit-learn's ``n_jobs`` (-1: all allowed,
        -2: all but one, ...).
    ceiling : int
        The limit in force.

    Returns
    -------
    threads : int
        Between 1 and ``ceiling``.

    Examples
    --------
    >>> resolve(1, 4), resolve(8, 4), resolve(-1, 1)
    (1, 4, 1)
    """
    if n_threads < 0:
        n_threads = (os.cpu_count() or 1) + 1 + n_threads
    return max(1, min(n_threads, ceiling))


def gemm_size(rows: int, widths: Sequence[int], backward: bool) -> float:
    """Mean floating-point operations per matrix product of a pass over ``rows`` rows.

    Parameters
    ----------
    rows : int
        Rows per batch (or per predict chunk).
    widths : sequence of int
        Layer widths, input first: ``(n_features, *hidden, n_outputs)``.
    backward : bool
        Training: each layer adds the weight gradient, and each layer but the first
        the input gradient, products of the same size as its forward one.

    Returns
    -------
    flops : float

    Examples
    --------
    >>> gemm_size(200, (64, 256, 10), backward=False)
    3788800.0
    """
    sizes = [2.0 * rows * a * b for a, b in zip(widths[:-1], widths[1:])]
    if not backward:
        return sum(sizes) / len(sizes)
    total = 2 * sum(sizes) + sum(sizes[1:])
    return total / (3 * len(sizes) - 1)


def pacer(
    n_threads: int | None, backend: Any, coefs: Sequence[Any], rows: int, task: str
) -> Pacer | _Untouched:
    """The thread policy of one fit (``task="fit"``) or predict (``"predict"``).

    Parameters
    ----------
    n_threads : int or None
        The estimator's parameter.
    backend : backend plugin
        Only the NumPy backend is paced; others follow their own settings.
    coefs : sequence of arrays
        The weight matrices (their shapes and dtype are what counts).
    rows : int
        Rows per minibatch (fit) or per chunk (predict).
    task : {"fit", "predict"}

    Returns
    -------
    pacer : Pacer or UNTOUCHED
        A context manager whose ``units`` wraps the loop over minibatches or chunks.
    """
    from .backends import NumpyBackend

    if not isinstance(backend, NumpyBackend) or not LIBRARIES.libs():
        return UNTOUCHED
    ceiling = LIBRARIES.ceiling()
    # An ensemble's weights carry a leading member axis: its products have k times the rows.
    members = coefs[0].shape[0] if coefs[0].ndim == 3 else 1
    widths = (coefs[0].shape[-2], *(W.shape[-1] for W in coefs))
    rows *= members
    key = (task, widths, rows, str(coefs[0].dtype), ceiling)
    if n_threads is not None:
        return Pacer(key, ceiling, resolve(n_threads, ceiling))
    size = gemm_size(rows, widths, backward=task == "fit")
    if ceiling == 1 or size < SMALL_GEMM:
        return Pacer(key, ceiling, 1)
    if size >= LARGE_GEMM:
        return Pacer(key, ceiling, ceiling)
    return Pacer(key, ceiling, None, probe=PROBE_BATCHES if task == "fit" else 1)
