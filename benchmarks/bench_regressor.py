"""DNNRegressor beside MLPRegressor, and DNNClassifier beside MLPClassifier, on the same
shapes in one run.

Each workload times an epoch (Adam, batch 256, a warm-started ``fit``; see
``bench_cpu.py``, whose timing helpers this script uses) of the four peers, interleaved,
and prints ``MLPRegressor / DNNRegressor`` next to ``MLPClassifier / DNNClassifier``. The
target: the regressor at least as far ahead of its scikit-learn peer as the classifier
is of its own. Regression targets are ``X @ teacher`` with as many columns as the
classifier has classes, so both networks have the same shapes.

Usage: ``python benchmarks/bench_regressor.py [--quick] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
from bench_cpu import (
    N_FEATURES,
    PEERS,
    SMALL_PER_CALL,
    WIDE,
    Net,
    _fit_epochs,
    _sklearn_params,
    make_data,
    print_table,
    ratio_check,
    time_peers,
    timing_rows,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from skdnn import DNNRegressor


def make_skdnn_reg(net: Net):
    """``net.epochs_per_call`` epochs of :class:`skdnn.DNNRegressor` (warm-started fit)."""
    est = DNNRegressor(**_sklearn_params(net), dtype=np.dtype(net.dtype).name)
    return _fit_epochs(est)


def make_mlp_reg(net: Net):
    """``net.epochs_per_call`` epochs of scikit-learn's MLPRegressor (warm-started fit)."""
    return _fit_epochs(MLPRegressor(**_sklearn_params(net)))


def _on_targets(make, Y: np.ndarray):
    """A peer factory whose epochs train on the regression targets ``Y``, whatever the
    labels they are handed (so all four peers share one interleaved timing loop)."""

    def factory(net: Net):
        epoch = make(net)
        return lambda X, _labels: epoch(X, Y)

    return factory


def regression_targets(X: np.ndarray, n_outputs: int, seed: int = 1) -> np.ndarray:
    """Standardised ``X @ teacher``: ``n_outputs`` columns of X's dtype."""
    teacher = np.random.default_rng(seed).standard_normal((X.shape[1], n_outputs))
    Y = X @ teacher.astype(X.dtype)
    return ((Y - Y.mean(0)) / Y.std(0)).astype(X.dtype)


def workload(net: Net, n: int, epochs: int, per_call: int = 1) -> dict:
    """Seconds per epoch of the four peers on one shape, and the two ratios."""
    X, y = make_data(n, net)
    Y = regression_targets(X, net.n_classes)
    PEERS["skdnn_reg"] = _on_targets(make_skdnn_reg, Y)
    PEERS["mlp_reg"] = _on_targets(make_mlp_reg, Y)
    timings = time_peers(["skdnn", "mlp", "skdnn_reg", "mlp_reg"], net, X, y, epochs, per_call)
    clf_ratio = ratio_check(timings, "mlp", "skdnn", ">=", 1)
    reg_ratio = ratio_check(timings, "mlp_reg", "skdnn_reg", ">=", clf_ratio["ratio"] or 0)
    reg_ratio["target"] = f">= {clf_ratio['ratio']:.2f} (mlp/skdnn)"
    return {"n": n, "timings": timings, "rows": timing_rows(timings) + [clf_ratio, reg_ratio]}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, about a minute")
    parser.add_argument("--json", metavar="PATH", help="write every number to this file")
    args = parser.parse_args(argv)
    sizes = (20_000, 15_000, 5_000, 3) if args.quick else (100_000, 60_000, 30_000, 5)
    n_small, n_wide, n_f64, epochs = sizes
    shapes = {
        "small float32": (Net(32, (64, 64), 2), n_small, SMALL_PER_CALL),
        "wide float32": (Net(N_FEATURES, WIDE, 10), n_wide, 1),
        "small float64": (Net(32, (64, 64), 2, dtype=np.float64), n_small, SMALL_PER_CALL),
        "wide float64": (Net(N_FEATURES, WIDE, 10, dtype=np.float64), n_f64, 1),
    }
    results = {}
    for name, (net, n, per_call) in shapes.items():
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            results[name] = workload(net, n, epochs, per_call)
        wall = time.perf_counter() - start
        print_table(f"{name}, N={n} ({wall:.0f} s)", results[name]["rows"])
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=str)


if __name__ == "__main__":
    main()
