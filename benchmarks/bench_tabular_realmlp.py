"""RealMLP-TD (pytabkit) on the tabular benchmark's tables, computed once and stored.

RealMLP-TD is the tabular benchmark's strongest MLP peer, and slow on a CPU; its
defaults do not change while the tabular estimators are tuned, so its scores are
computed once per table and fold by this script and read back from the JSON it
writes (``benchmarks/results/realmlp_td.json``).

* Estimators: ``RealMLP_TD_Classifier``/``RealMLP_TD_Regressor`` with their
  defaults (early stopping on their own 20% validation split of the training fold),
  plus ``random_state=0``, ``device="cpu"`` and ``n_threads=1`` (the other
  estimators of the benchmark also run on one thread).
* Input: the frame as loaded, string columns made ``category``
  (:func:`tabular_data.as_category`; pytabkit reads category, string, object and
  boolean columns as categorical), boolean columns as categories ``"False"``/
  ``"True"`` (a category of booleans makes scikit-learn's input check cast the
  whole frame to float). pytabkit refuses missing values in numeric columns (SLID,
  RetSchool): there they are replaced by the training fold's median, with a 0/1
  missing-indicator column per such column. Missing categories are left to
  pytabkit (a category of their own). Regression targets as float.
* Folds: exactly those of ``tabular_baseline.py`` (``StratifiedKFold`` for
  classification, ``KFold`` for regression; 5 folds, shuffled, seed 0, over the
  rows :func:`tabular_data.load` returns). Test accuracy or R^2 per fold, and the
  seconds ``fit`` took.

The JSON is rewritten after each table, so a stopped run keeps what finished;
``--resume`` skips the tables already in it.

    python benchmarks/bench_tabular_realmlp.py [--tables T ...] [--resume] [--json PATH]

It needs ``pip install pytabkit`` (and PyTorch), apart from skdnn's environment.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedKFold
from tabular_data import DEVELOPMENT, HELD_OUT, as_category, load

DEFAULT_JSON = Path(__file__).parent / "results" / "realmlp_td.json"


def _impute_numeric(X_train, X_test):
    """Median-impute numeric columns with missing values in the training fold, and
    add a 0/1 indicator column per imputed column (pytabkit refuses numeric NaN)."""
    numeric = X_train.select_dtypes("number").columns
    missing = [c for c in numeric if X_train[c].isna().any() or X_test[c].isna().any()]
    if not missing:
        return X_train, X_test, []
    X_train, X_test = X_train.copy(), X_test.copy()
    for col in missing:
        median = X_train[col].median()
        for frame in (X_train, X_test):
            frame[f"{col}_missing"] = frame[col].isna().astype(np.float64)
            frame[col] = frame[col].fillna(median)
    return X_train, X_test, missing


def _estimator(task):
    from pytabkit import RealMLP_TD_Classifier, RealMLP_TD_Regressor

    model = RealMLP_TD_Classifier if task == "classification" else RealMLP_TD_Regressor
    return model(random_state=0, device="cpu", n_threads=1)


def run_table(name):
    """Per-fold test scores and fit seconds of RealMLP-TD on one table."""
    X, y, task = load(name)
    # Boolean columns as categories of strings: scikit-learn's input check (run by
    # pytabkit) would cast a frame with a category of booleans to float.
    X = as_category(X.astype({c: str for c in X.columns if X[c].dtype == bool}))
    if task == "regression":
        y = y.astype(np.float64)
    folds = (StratifiedKFold if task == "classification" else KFold)(
        5, shuffle=True, random_state=0
    )
    scores, seconds, imputed = [], [], []
    for train, test in folds.split(X, y):
        X_train, X_test, imputed = _impute_numeric(X.iloc[train], X.iloc[test])
        est = _estimator(task)
        start = time.perf_counter()
        est.fit(X_train, y.iloc[train])
        seconds.append(time.perf_counter() - start)
        scores.append(float(est.score(X_test, y.iloc[test])))
        print(f"  {name} fold {len(scores)}: {scores[-1]:.4f} in {seconds[-1]:.1f} s", flush=True)
    return {
        "task": task,
        "metric": "accuracy" if task == "classification" else "r2",
        "n_rows": len(X),
        "scores": scores,
        "mean_score": float(np.mean(scores)),
        "fit_seconds": seconds,
        "total_fit_seconds": float(np.sum(seconds)),
        "numeric_columns_imputed": imputed,
        "split": "held_out" if name in HELD_OUT else "development",
    }


def _environment():
    from importlib.metadata import version

    load_avg = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "pytabkit": version("pytabkit"),
        "torch": version("torch"),
        "sklearn": version("scikit-learn"),
        "pandas": version("pandas"),
        "numpy": version("numpy"),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "load_average_at_table_end": load_avg,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="*", help="default: development, then held out")
    parser.add_argument("--resume", action="store_true", help="skip tables already in the JSON")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args()
    results = {}
    if args.json.exists():
        results = json.loads(args.json.read_text())
    tables = args.tables or DEVELOPMENT + HELD_OUT
    for name in tables:
        if args.resume and name in results:
            print(f"{name}: in {args.json}, skipped")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            row = run_table(name)
        row.update(_environment())
        results[name] = row
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1) + "\n")
        print(
            f"{name:16s} {row['task'][:3]} {row['metric']:8s} {row['mean_score']:.4f} "
            f"fit {row['total_fit_seconds']:.0f} s",
            flush=True,
        )
    frame = pd.DataFrame(results).T
    for task in ("classification", "regression"):
        rows = frame[frame["task"] == task]
        if len(rows):
            mean = rows["mean_score"].astype(float).mean()
            total = rows["total_fit_seconds"].astype(float).sum()
            print(f"{task}: mean score {mean:.4f} over {len(rows)} tables, total fit {total:.0f} s")


if __name__ == "__main__":
    main()
