"""Tune the tabular recipe honestly: inner validation splits of development tables only.

For every development table (never a held-out one), the training rows of each of the
benchmark's first N outer folds (``--outer-folds``, 1 in rounds 1 to 3, 5 since) are
split again, 80% / 20% (stratified for classification, seed 1); each candidate recipe
is fitted on the 80% and scored on the 20%. The test folds of the benchmark are never
seen. Candidates are whole recipes (changes to ``skdnn._tabular.RECIPE``), compared by
their mean inner score over the tables of each task, and by total fit seconds; one is
picked for all tables, never per table. ``ref_mlp``, ``ref_dnn`` and ``ref_hgb`` fit the
benchmark's peers on the same splits, for reference.

    python benchmarks/tune_tabular.py [CANDIDATE ...] [--tables T ...]
        [--outer-folds N] [--n-jobs J] [--json out.json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
import warnings

import numpy as np
from bench_tabular import estimators, folds
from joblib import Parallel, delayed
from sklearn.model_selection import train_test_split
from tabular_data import DEVELOPMENT, as_category, load
from threadpoolctl import threadpool_limits

import skdnn
from skdnn import _tabular

#: What every candidate starts from: the recipe shipped after round 3 (the starting
#: point of rounds 4 and 5). Rounds 1 to 3 ran against the recipe of their time
#: (BatchEnsemble, lr 2e-3, no minimum of minibatches: see the user guide), so their
#: records, not a rerun today, are what counts for them.
BASE = {
    "hidden_layer_sizes": (128, 128),
    "n_ensemble": 4,
    "ensemble": "packed",
    "max_iter": 24,
    "min_steps": None,
    "min_batches_per_epoch": 8,
    "learning_rate_init": 4e-3,
    "dropout": 0.0,
    "periodic": {"n_frequencies": 8, "frequency_scale": 0.1, "d_embedding": 8},
}

#: The fourth round's base: a budget of 1000 steps, learning rate 2e-3.
S1 = {"min_steps": 1000, "max_epochs": 256, "learning_rate_init": 2e-3}

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
    # Fourth round (5 inner splits per table, one in each outer fold's training rows):
    # a budget of minibatch steps rather than epochs, so small tables train longer.
    "steps1k": {"min_steps": 1000, "max_epochs": 256},
    "steps2k": {"min_steps": 2000, "max_epochs": 256},
    "steps1k_lr2e-3": {"min_steps": 1000, "max_epochs": 256, "learning_rate_init": 2e-3},
    # (ref_mlp, ref_hgb, ref_dnn: the benchmark's peers on the same splits.)
    "s1_k8": {**S1, "n_ensemble": 8},
    "s1_noemb": {**S1, "feature_embedding": None},
    "s1_wd2e-2": {**S1, "weight_decay": 2e-2},
    "s1_wd1e-1": {**S1, "weight_decay": 1e-1},
    "s1_drop15": {**S1, "dropout": 0.15},
    # Fifth round: dropout with the other changes, and a smaller step budget.
    "s1_drop15_k8": {**S1, "dropout": 0.15, "n_ensemble": 8},
    "s1_drop15_noemb": {**S1, "dropout": 0.15, "feature_embedding": None},
    "s1_drop25": {**S1, "dropout": 0.25},
    "s600_drop15": {**S1, "min_steps": 600, "dropout": 0.15},
    # Sixth round: the rows held out for the best epoch, on the round-5 default.
    "d15_val10": {**S1, "dropout": 0.15, "validation_fraction": 0.1},
    "d15_noholdout": {**S1, "dropout": 0.15, "early_stopping": False},
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
                                     "min_steps", "learning_rate_init", "dropout",
                                     "validation_fraction", "feature_embedding")}  # fmt: skip
    return cls(random_state=0, **params)


def inner_split(name: str, fold: int = 0):
    """The inner 80/20 split of outer fold ``fold``'s training rows (its test rows unseen)."""
    X, y, task = load(name)
    train = [tr for tr, _ in folds(task).split(X, y)][fold]
    Xt, yt = X.iloc[train], y.iloc[train]
    strat = yt if task == "classification" else None
    return (*train_test_split(Xt, yt, test_size=0.2, random_state=1, stratify=strat), task)


def run_split(table: str, fold: int, names: list) -> dict:
    """Every candidate fitted on one inner split, interleaved (the same machine load)."""
    Xa, Xb, ya, yb, task = inner_split(table, fold)
    out = {}
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for c in names:
            if c.startswith("ref_"):  # a peer of the benchmark, for reference
                est, _ = estimators(Xa, task)[c[4:]]
                Xfit, Xscore = (as_category(Xa), as_category(Xb)) if c == "ref_hgb" else (Xa, Xb)
                start = time.perf_counter()
                est.fit(Xfit, ya)
                sec = time.perf_counter() - start
            else:
                with recipe_changed(CANDIDATES[c]):
                    est = _estimator(task)
                    start = time.perf_counter()
                    est.fit(Xa, ya)
                    sec = time.perf_counter() - start
                Xscore = Xb
            out[c] = {"task": task, "score": float(est.score(Xscore, yb)), "fit_seconds": sec}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("candidates", nargs="*")
    parser.add_argument("--tables", nargs="*", default=DEVELOPMENT)
    parser.add_argument("--outer-folds", type=int, default=1,
                        help="inner splits per table, one in each of the first N outer "
                             "folds' training rows (1 to 5)")
    parser.add_argument("--n-jobs", type=int, default=1, help="splits fitted in parallel")
    parser.add_argument("--json")
    args = parser.parse_args()
    assert not set(args.tables) - set(DEVELOPMENT), "tune on development tables only"
    names = args.candidates or list(CANDIDATES)
    jobs = [(t, f) for t in args.tables for f in range(args.outer_folds)]
    results = {c: {} for c in names}
    runs = Parallel(n_jobs=args.n_jobs, return_as="generator")(
        delayed(run_split)(t, f, names) for t, f in jobs
    )
    for (table, fold), out in zip(jobs, runs):
        for c in names:
            results[c][f"{table}/{fold}"] = {"table": table, **out[c]}
        line = "  ".join(f"{c} {out[c]['score']:.4f} ({out[c]['fit_seconds']:.1f}s)"
                         for c in names)  # fmt: skip
        print(f"{table:16s} {fold} {line}", flush=True)
    print(f"{'candidate':20s} {'clf acc':>8s} {'reg R^2':>8s} {'fit s':>7s}")
    for c in names:
        rows = results[c].values()
        acc = np.mean([r["score"] for r in rows if r["task"] == "classification"] or [np.nan])
        r2 = np.mean([r["score"] for r in rows if r["task"] == "regression"] or [np.nan])
        sec = sum(r["fit_seconds"] for r in rows)
        print(f"{c:20s} {acc:8.4f} {r2:8.4f} {sec:7.0f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"base": repr(BASE), "outer_folds": args.outer_folds,
                       "candidates": {c: repr(CANDIDATES.get(c, c)) for c in names},
                       "results": results}, f, indent=1)  # fmt: skip


if __name__ == "__main__":
    main()
