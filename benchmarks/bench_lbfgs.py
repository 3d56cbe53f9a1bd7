"""Time ``solver="lbfgs"`` per function evaluation: skdnn next to MLPClassifier, one run.

Both estimators fit the same data with the same parameters for the same number of L-BFGS
iterations (``max_iter``, ``tol=0``); each fit is timed and divided by the number of
objective evaluations it made (counted by wrapping ``skdnn._lbfgs.FullBatchObjective``
and ``MLPClassifier._loss_grad_lbfgs``). Fits alternate (skdnn, mlp, skdnn, ...) so a
load spike hits both; a time is the median over the repeats. The ratio is
``mlp / skdnn`` seconds per evaluation: above 1 means skdnn is faster (target: >= 1).

Example
-------
``python benchmarks/bench_lbfgs.py`` (about a minute on 2 cores), ``--quick`` for less.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skdnn import DNNClassifier, _lbfgs

#: name -> (n_samples, n_features, hidden_layer_sizes, n_classes, max_iter)
WORKLOADS = {
    "small": (2000, 64, (64,), 10, 40),
    "wide": (4000, 784, (512, 256), 10, 8),
}


def _counted(cls, name, counter):
    """Wrap ``cls.name`` so that each call adds one to ``counter["n"]``."""
    original = getattr(cls, name)

    def counting(self, *args, **kwargs):
        counter["n"] += 1
        return original(self, *args, **kwargs)

    setattr(cls, name, counting)


def _data(n, d, k, dtype):
    rng = np.random.RandomState(0)
    X = rng.standard_normal((n, d)).astype(dtype)
    y = (X[:, :k] @ rng.standard_normal((k, k))).argmax(axis=1)
    return X, y


def _time_fit(make, X, y, counter):
    """Seconds per objective evaluation of one fit."""
    counter["n"] = 0
    est = make()
    tic = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    return (time.perf_counter() - tic) / counter["n"], counter["n"]


def run(workload, dtype, repeats):
    """Print one row: seconds per evaluation of each and their ratio."""
    n, d, hidden, k, max_iter = WORKLOADS[workload]
    X, y = _data(n, d, k, dtype)
    params = dict(
        hidden_layer_sizes=hidden, solver="lbfgs", max_iter=max_iter, tol=0.0, random_state=0
    )
    makers = {
        "skdnn": lambda: DNNClassifier(init="xavier_uniform", **params),
        "mlp": lambda: MLPClassifier(**params),
    }
    times = {name: [] for name in makers}
    evals = {}
    for name, make in makers.items():  # warm-up, untimed
        _time_fit(make, X, y, COUNTERS[name])
    for _ in range(repeats):
        for name, make in makers.items():
            seconds, evals[name] = _time_fit(make, X, y, COUNTERS[name])
            times[name].append(seconds)
    ours, ref = (statistics.median(times[name]) for name in ("skdnn", "mlp"))
    print(
        f"{workload:6s} {np.dtype(dtype).name:8s} {evals['skdnn']:5d} {evals['mlp']:5d} "
        f"{ours * 1e3:10.2f} {ref * 1e3:10.2f} {ref / ours:7.2f}"
    )


COUNTERS = {"skdnn": {"n": 0}, "mlp": {"n": 0}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one timed fit per row")
    args = parser.parse_args()
    _counted(_lbfgs.FullBatchObjective, "__call__", COUNTERS["skdnn"])
    _counted(MLPClassifier, "_loss_grad_lbfgs", COUNTERS["mlp"])
    print("workload dtype  evals(skdnn, mlp)  ms/eval skdnn  ms/eval mlp  mlp/skdnn")
    for workload in WORKLOADS:
        for dtype in (np.float32, np.float64):
            run(workload, dtype, 1 if args.quick else 5)


if __name__ == "__main__":
    main()
