"""Tune the tabular recipe honestly: inner validation splits of development tables only.

For every development table (never a held-out one), the training part of the
benchmark's first outer fold is split again, 80% / 20% (stratified for classification,
seed 1); each candidate recipe is fitted on the 80% and scored on the 20%. The test
folds of the benchmark are never seen. Candidates are whole recipes (changes to
``skdnn._tabular.RECIPE``), compared by their mean inner score over the tables of each
task, and by total fit seconds; one is picked for all tables, never per table.

    python benchmarks/tune_tabular.py [CANDIDATE ...] [--tables T ...] [--json out.json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
import warnings

import numpy as np
from bench_tabular import folds
from sklearn.model_selection import train_test_split
from tabular_data import DEVELOPMENT, load
from threadpoolctl import threadpool_limits

import skdnn
from skdnn import _tabular

BASE = {
    "hidden_layer_sizes": (128, 128),
    "n_ensemble": 4,
    "max_iter": 24,
    "periodic": {"n_frequencies": 8, "frequency_scale": 0.1, "d_embedding": 8},
}

#: Candidate recipes: changes to RECIPE["common"] (and the classifier's part).
CANDIDATES = {
    "base": {},
    "epochs40": {"max_iter": 40},
    "k8": {"n_ensemble": 8},
    "k1": {"n_ensemble": 1},
    "packed": {"ensemble": "packed"},
    "pwl": {"feature_embedding": "piecewise_linear",
            "piecewise_linear": {"n_bins": 16, "d_embedding": 8}},
    "noemb": {"feature_embedding": None},
    "wide256": {"hidden_layer_sizes": (256, 256)},
    "lr4e-3": {"learning_rate_init": 4e-3},
    "coslog4": {"lr_schedule": "coslog4"},
    "nosmooth": {"label_smoothing": 0.0},
    # Second round, after the first showed small tables undertrained (1-2 steps/epoch):
    "minb8": {"min_batches_per_epoch": 8},
    "minb8_packed": {"min_batches_per_epoch": 8, "ensemble": "packed"},
    "minb8_lr4e-3": {"min_batches_per_epoch": 8, "learning_rate_init": 4e-3},
    "minb8_ep40": {"min_batches_per_epoch": 8, "max_iter": 40},
    # Third round: the best two changes of the second on the packed ensemble.
    "minb8_packed_ep40": {"min_batches_per_epoch": 8, "ensemble": "packed", "max_iter": 40},
    "minb8_packed_lr4e-3": {"min_batches_per_epoch": 8, "ensemble": "packed",
                            "learning_rate_init": 4e-3},
}  # fmt: skip


@contextlib.contextmanager
def recipe_changed(changes: dict):
    """RECIPE with ``changes`` (and BASE) applied, restored afterwards."""
    saved = {k: dict(v) for k, v in _tabular.RECIPE.items()}
    try:
        for key, value in {**BASE, **changes}.items():
            part = "classification" if key == "label_smoothing" else "common"
            _tabular.RECIPE[part][key] = value
        yield
    finally:
        for k, v in saved.items():
            _tabular.RECIPE[k].clear()
            _tabular.RECIPE[k].update(v)


def _estimator(task: str):
    """A tabular estimator whose parameters are the (changed) recipe's."""
    common = _tabular.RECIPE["common"]
    cls = skdnn.TabularClassifier if task == "classification" else skdnn.TabularRegressor
    params = {k: common[k] for k in ("hidden_layer_sizes", "n_ensemble", "max_iter",
                                     "learning_rate_init", "feature_embedding")}  # fmt: skip
    return cls(random_state=0, **params)


def inner_split(name: str):
    """The inner 80/20 split of the first outer fold's training rows."""
    X, y, task = load(name)
    train, _ = next(folds(task).split(X, y))
    Xt, yt = X.iloc[train], y.iloc[train]
    strat = yt if task == "classification" else None
    return (*train_test_split(Xt, yt, test_size=0.2, random_state=1, stratify=strat), task)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("candidates", nargs="*")
    parser.add_argument("--tables", nargs="*", default=DEVELOPMENT)
    parser.add_argument("--json")
    args = parser.parse_args()
    assert not set(args.tables) - set(DEVELOPMENT), "tune on development tables only"
    names = args.candidates or list(CANDIDATES)
    splits = {t: inner_split(t) for t in args.tables}
    results = {c: {} for c in names}
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for table, (Xa, Xb, ya, yb, task) in splits.items():
            line = []
            for c in names:  # interleaved: every candidate under the same load
                with recipe_changed(CANDIDATES[c]):
                    est = _estimator(task)
                    start = time.perf_counter()
                    est.fit(Xa, ya)
                    sec = time.perf_counter() - start
                results[c][table] = {"task": task, "score": float(est.score(Xb, yb)),
                                     "fit_seconds": sec}  # fmt: skip
                line.append(f"{c} {est.score(Xb, yb):.4f} ({sec:.1f}s)")
            print(f"{table:16s} " + "  ".join(line), flush=True)
    print(f"{'candidate':12s} {'clf acc':>8s} {'reg R^2':>8s} {'fit s':>7s}")
    for c in names:
        rows = results[c].values()
        acc = np.mean([r["score"] for r in rows if r["task"] == "classification"] or [np.nan])
        r2 = np.mean([r["score"] for r in rows if r["task"] == "regression"] or [np.nan])
        sec = sum(r["fit_seconds"] for r in rows)
        print(f"{c:12s} {acc:8.4f} {r2:8.4f} {sec:7.0f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"base": repr(BASE), "candidates": {c: repr(CANDIDATES[c]) for c in names},
                       "results": results}, f, indent=1)  # fmt: skip


if __name__ == "__main__":
    main()
