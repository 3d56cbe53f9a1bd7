"""A first baseline on the tabular benchmark's tables: gradient boosting on the raw
frames against scikit-learn's MLP behind the usual preprocessing, 5-fold CV.

* ``hgb``: ``HistGradientBoostingClassifier``/``Regressor(categorical_features=
  "from_dtype")`` on the frame as loaded, string/boolean columns made ``category``
  (:func:`tabular_data.as_category`: gradient boosting reads only that dtype).
* ``mlp``: ``MLPClassifier``/``MLPRegressor`` (defaults, ``random_state=0``) behind
  median imputation + ``StandardScaler`` for the numeric columns and
  ``OneHotEncoder(handle_unknown="ignore")`` for the others (missing values a category
  of their own); regression targets as they are (unscaled).

Same folds for both (stratified for classification, shuffled, seed 0); accuracy or
R^2 on each test fold; one thread. Prints a line per table, then the means per task.

    python benchmarks/tabular_baseline.py [--held-out] [TABLE ...] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from tabular_data import DEVELOPMENT, HELD_OUT, as_category, load
from threadpoolctl import threadpool_limits


def _mlp(X, task):
    categorical = [c for c in X.columns if str(as_category(X[[c]])[c].dtype) == "category"]
    numeric = [c for c in X.columns if c not in categorical]
    prep = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
        ]
    )
    model = MLPClassifier if task == "classification" else MLPRegressor
    return make_pipeline(prep, model(random_state=0))


def _hgb(task):
    model = (
        HistGradientBoostingClassifier
        if task == "classification"
        else HistGradientBoostingRegressor
    )
    return model(categorical_features="from_dtype", random_state=0)


def run_table(name):
    """Mean test score and fit seconds of each estimator over 5 folds."""
    X, y, task = load(name)
    X_hgb = as_category(X)
    folds = (StratifiedKFold if task == "classification" else KFold)(
        5, shuffle=True, random_state=0
    )
    scores = {"hgb": [], "mlp": []}
    seconds = {"hgb": 0.0, "mlp": 0.0}
    for train, test in folds.split(X, y):
        for key, est, frame in (("hgb", _hgb(task), X_hgb), ("mlp", _mlp(X, task), X)):
            start = time.perf_counter()
            est.fit(frame.iloc[train], y.iloc[train])
            seconds[key] += time.perf_counter() - start
            scores[key].append(est.score(frame.iloc[test], y.iloc[test]))
    return task, {key: float(np.mean(s)) for key, s in scores.items()}, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tables", nargs="*")
    parser.add_argument("--held-out", action="store_true", help="the held-out tables")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    tables = args.tables or (HELD_OUT if args.held_out else DEVELOPMENT)
    results = {}
    print(f"{'table':16s} {'task':4s} {'hgb':>7s} {'mlp':>7s} {'hgb s':>7s} {'mlp s':>7s}")
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name in tables:
            task, score, sec = run_table(name)
            results[name] = {"task": task, "score": score, "fit_seconds": sec}
            print(
                f"{name:16s} {task[:3]:4s} {score['hgb']:7.4f} {score['mlp']:7.4f} "
                f"{sec['hgb']:7.1f} {sec['mlp']:7.1f}",
                flush=True,
            )
    for task, metric in (("classification", "accuracy"), ("regression", "R^2")):
        rows = [r for r in results.values() if r["task"] == task]
        if rows:
            means = {k: np.mean([r["score"][k] for r in rows]) for k in ("hgb", "mlp")}
            secs = {k: np.sum([r["fit_seconds"][k] for r in rows]) for k in ("hgb", "mlp")}
            print(
                f"mean {metric} over {len(rows)} {task} tables: hgb {means['hgb']:.4f}, "
                f"mlp {means['mlp']:.4f}; total fit s: hgb {secs['hgb']:.0f}, mlp {secs['mlp']:.0f}"
            )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
