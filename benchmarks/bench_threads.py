"""Time skdnn's thread policy, on a quiet machine and beside a busy process.

Each workload runs twice: **quiet** (nothing started by the benchmark), then **busy**
(a Python loop at normal priority in a subprocess, which the benchmark starts before
the warm-up and kills by its pid after the last timed call; the loop also ends by
itself after :data:`BUSY_SECONDS`). Peers, interleaved (one call of each in turn, then
again; each call after a pause, see :func:`time_interleaved`), medians reported:

* ``default``: ``n_threads=None``, skdnn's policy (its remembered choices carry over
  from call to call, as they do in any process);
* ``1 thread``: ``n_threads=1``; ``all threads``: ``n_threads=-1``;
* ``mlp``: scikit-learn's ``MLPClassifier`` with the same network (NumPy's default
  threads).

Workloads: ``quickstart`` (the README's digits fit), ``small`` and ``wide`` (the
networks of ``bench_cpu.py``, fresh fits of a few epochs), and ``grid``, a
``GridSearchCV`` over 8 candidates of quickstart size with ``n_jobs=2`` against
``n_jobs=1``.

Targets: everywhere, ``default`` within 1.15x of the faster of ``1 thread`` and
``all threads`` (for ``grid``, of the ``n_jobs=1`` searches); busy, the quickstart fit
at least 3x faster than ``mlp`` and at most 1.5x its own quiet time; ``grid``
``n_jobs=2`` faster than ``n_jobs=1``.

Examples
--------
``python benchmarks/bench_threads.py --quick`` (about 5 minutes on 2 cores),
``python benchmarks/bench_threads.py --workload quickstart --json threads.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

import numpy as np
import sklearn
from bench_cpu import (
    N_FEATURES,
    WIDE,
    Net,
    blas_threads,
    check,
    make_data,
    print_table,
    ratio_check,
)
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier

import skdnn
from skdnn import DNNClassifier

#: The busy loop ends by itself after this many seconds, should the benchmark die.
BUSY_SECONDS = 1800
BUSY_LOOP = f"import time\nend = time.time() + {BUSY_SECONDS}\nwhile time.time() < end:\n    pass\n"
#: The README's quickstart estimator.
QUICKSTART = dict(
    hidden_layer_sizes=(256, 128),
    loss="cross_entropy",
    init="xavier",
    early_stopping=True,
    random_state=0,
)
THREADS = {"default": None, "1 thread": 1, "all threads": -1}
#: Seconds to wait before each timed call, as in bench_cpu.py: idle BLAS threads of the
#: previous call stop spinning meanwhile.
PAUSE = 0.3
#: A peer whose first timed call is this many times slower than the fastest peer's is
#: timed only once (beside a busy process some take a minute per call).
SLOW = 5.0


@dataclass(frozen=True)
class Config:
    """Sizes and repeats of one run.

    Attributes
    ----------
    small_n, wide_n : int
        Rows of the ``small`` and ``wide`` workloads.
    small_epochs, wide_epochs : int
        Epochs of each fit (fresh fits, ``tol=0``).
    repeats : int
        Timed calls per peer and condition.
    grid_cv : int
        Folds of the grid search.
    """

    small_n: int = 20_000
    wide_n: int = 15_000
    small_epochs: int = 5
    wide_epochs: int = 1
    repeats: int = 5
    grid_cv: int = 3


FULL = Config()
QUICK = replace(FULL, small_n=5_000, wide_n=3_000, repeats=3, grid_cv=2)


# --------------------------------------------------------------------------- the load


class BusyProcess:
    """A Python loop at normal priority in a subprocess, for the ``with`` block."""

    def __enter__(self) -> BusyProcess:
        self.process = subprocess.Popen([sys.executable, "-c", BUSY_LOOP])
        time.sleep(0.5)  # let it start spinning
        return self

    def __exit__(self, *exc_info) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()


class Quiet:
    """Nothing started: the machine as it is."""

    def __enter__(self) -> Quiet:
        return self

    def __exit__(self, *exc_info) -> None:
        return None


CONDITIONS = {"quiet": Quiet, "busy": BusyProcess}


# ---------------------------------------------------------------------------- timing


def time_interleaved(makers: dict, repeats: int) -> dict:
    """Time fresh fits round-robin: one call of each peer in turn, ``repeats`` rounds.

    Unlike ``bench_cpu.time_rounds`` there is no warm-up call per peer (each call fits a
    fresh estimator; :func:`warm_up` compiles skdnn's kernels once), and a peer whose
    first call is :data:`SLOW` times slower than the fastest first call is not timed
    again: its median is of that one call.

    Parameters
    ----------
    makers : dict
        Name to a function that builds the zero-argument call to time.
    repeats : int
        Rounds.

    Returns
    -------
    timings : dict
        Name to ``{"seconds": median, "min": fastest, "all": [every call]}``, or to
        ``{"error": message}``.
    """
    calls, timings, times = {}, {}, {}
    for name, make in makers.items():
        try:
            calls[name] = make()
        except Exception as exc:
            timings[name] = {"error": f"{type(exc).__name__}: {exc}"}
    times = {name: [] for name in calls}
    for round_ in range(repeats):
        for name, call in calls.items():
            if (
                round_
                and times[name]
                and times[name][0] > SLOW * min(ts[0] for ts in times.values() if ts)
            ):
                continue
            time.sleep(PAUSE)
            start = time.perf_counter()
            try:
                call()
            except Exception as exc:
                timings[name] = {"error": f"{type(exc).__name__}: {exc}"}
                continue
            times[name].append(time.perf_counter() - start)
    for name, ts in times.items():
        if ts and name not in timings:
            timings[name] = {"seconds": statistics.median(ts), "min": min(ts), "all": ts}
    return {name: timings[name] for name in makers}


def timing_rows(timings: dict) -> list[dict]:
    """One row per peer: its median, and how many calls it is of (or its error)."""
    return [
        {
            "name": name,
            "seconds": t.get("seconds"),
            "status": t.get("error", f"{len(t.get('all', []))} calls"),
        }
        for name, t in timings.items()
    ]


def warm_up() -> None:
    """One small fit: Numba loads (or compiles) skdnn's kernels before any timing."""
    X, y = quickstart_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for dtype in ("float64", "float32"):
            DNNClassifier((8,), max_iter=2, dtype=dtype).fit(X[:200], y[:200])


# ----------------------------------------------------------------------------- peers


def _fit(make: Callable[[], object], X, y) -> Callable[[], Callable[[], object]]:
    """A maker for :func:`time_interleaved`: each timed call fits a fresh estimator."""

    def call():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            make().fit(X, y)

    return lambda: call


def quickstart_data():
    """The README's training split of digits (scaled to [0, 1])."""
    X, y = load_digits(return_X_y=True)
    X_train, _, y_train, _ = train_test_split(X / 16, y, random_state=0)
    return X_train, y_train


def quickstart_makers(cfg: Config) -> dict:
    X, y = quickstart_data()
    makers = {
        name: _fit(lambda n=n: DNNClassifier(**QUICKSTART, n_threads=n), X, y)
        for name, n in THREADS.items()
    }
    mlp = dict(hidden_layer_sizes=(256, 128), early_stopping=True, random_state=0)
    makers["mlp"] = _fit(lambda: MLPClassifier(**mlp), X, y)
    return makers


def _net_makers(net: Net, n: int, epochs: int) -> dict:
    """Fresh fits of ``epochs`` epochs on ``bench_cpu``'s data for ``net``."""
    X, y = make_data(n, net)
    params = dict(
        hidden_layer_sizes=net.hidden,
        batch_size=net.batch_size,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=10**9,
        random_state=0,
    )
    dtype = np.dtype(net.dtype).name
    makers = {
        name: _fit(lambda n=n: DNNClassifier(**params, dtype=dtype, n_threads=n), X, y)
        for name, n in THREADS.items()
    }
    makers["mlp"] = _fit(lambda: MLPClassifier(**params), X, y)
    return makers


def small_makers(cfg: Config) -> dict:
    return _net_makers(Net(32, (64, 64), 2), cfg.small_n, cfg.small_epochs)


def wide_makers(cfg: Config) -> dict:
    return _net_makers(Net(N_FEATURES, WIDE, 10), cfg.wide_n, cfg.wide_epochs)


GRID = {
    "hidden_layer_sizes": [(64,), (128,)],
    "alpha": [1e-4, 1e-3],
    "learning_rate_init": [1e-3, 3e-3],
}


def grid_makers(cfg: Config) -> dict:
    """``GridSearchCV`` over 8 candidates of quickstart size, sequential and 2 jobs."""
    X, y = quickstart_data()

    def search(n_jobs, n_threads=None):
        est = DNNClassifier(**QUICKSTART, n_threads=n_threads)
        return lambda: GridSearchCV(est, GRID, cv=cfg.grid_cv, n_jobs=n_jobs)

    # Start joblib's worker processes (they import skdnn once), untimed.
    tiny = DNNClassifier((8,), max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        GridSearchCV(tiny, {"alpha": [1e-4, 1e-3]}, cv=2, n_jobs=2).fit(X[:200], y[:200])
    return {
        "n_jobs=1 default": _fit(search(1), X, y),
        "n_jobs=1 1 thread": _fit(search(1, 1), X, y),
        "n_jobs=1 all threads": _fit(search(1, -1), X, y),
        "n_jobs=2": _fit(search(2), X, y),
    }


# --------------------------------------------------------------------------- checking


def policy_check(t: dict, default: str, one: str, every: str) -> dict:
    """``default`` over the faster of ``one`` and ``every``: at most 1.15."""
    times = [t[k].get("seconds") for k in (default, one, every)]
    ratio = None if None in times else times[0] / min(times[1:])
    return check(f"{default}/best(1, all)", ratio, "<=", 1.15)


def checks(name: str, condition: str, t: dict, quiet: dict | None) -> list[dict]:
    """The target rows of one workload in one condition."""
    if name == "grid":
        return [
            policy_check(t, "n_jobs=1 default", "n_jobs=1 1 thread", "n_jobs=1 all threads"),
            ratio_check(t, "n_jobs=1 default", "n_jobs=2", ">", 1),
        ]
    rows = [policy_check(t, "default", "1 thread", "all threads")]
    if name == "quickstart" and condition == "busy":
        rows.append(ratio_check(t, "mlp", "default", ">=", 3))
        now, before = t["default"].get("seconds"), (quiet or {}).get("default", {})
        ratio = None if now is None or "seconds" not in before else now / before["seconds"]
        rows.append(check("default busy/quiet", ratio, "<=", 1.5))
    return rows


WORKLOADS = {
    "quickstart": quickstart_makers,
    "small": small_makers,
    "wide": wide_makers,
    "grid": grid_makers,
}


def run_workload(name: str, cfg: Config) -> dict:
    """Both conditions of one workload, each timed round-robin over its peers."""
    result = {}
    for condition, load in CONDITIONS.items():
        start = time.perf_counter()
        with load():
            t = time_interleaved(WORKLOADS[name](cfg), cfg.repeats)
        rows = timing_rows(t) + checks(name, condition, t, result.get("quiet"))
        result[condition] = t
        result[f"{condition}_rows"] = rows
        print_table(f"{name}, {condition} ({time.perf_counter() - start:.0f} s)", rows)
    return result


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line options (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, 3 repeats")
    parser.add_argument(
        "--workload",
        action="append",
        choices=list(WORKLOADS),
        help="run only this workload (repeatable); default: all",
    )
    parser.add_argument("--json", metavar="PATH", help="write every number to this file")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    """Entry point: run the workloads, print their tables, optionally write JSON."""
    args = parse_args(argv)
    cfg = QUICK if args.quick else FULL
    env = {
        "quick": args.quick,
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "skdnn": skdnn.__version__,
        "blas": blas_threads(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
    }
    print(
        f"skdnn {skdnn.__version__}, {env['cpu_count']} cores, BLAS threads "
        f"{[b['num_threads'] for b in env['blas']]}, "
        f"OPENBLAS_CORETYPE={env['OPENBLAS_CORETYPE'] or '(unset)'}, "
        f"{'quick' if args.quick else 'full'} mode, {cfg.repeats} repeats"
    )
    warm_up()
    start = time.perf_counter()
    results = {"env": env, "config": asdict(cfg), "workloads": {}}
    for name in args.workload or list(WORKLOADS):
        results["workloads"][name] = run_workload(name, cfg)
    results["wall_seconds"] = time.perf_counter() - start
    print(f"\ntotal {results['wall_seconds']:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
