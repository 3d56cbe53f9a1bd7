"""The tabular benchmark: skdnn's tabular estimators against their peers, same folds.

On every table (:mod:`tabular_data`), 5-fold CV (stratified for classification,
shuffled, seed 0, the folds of ``tabular_baseline.py``), in one process, fold by fold
so that peers run interleaved under the same machine load, one thread each:

* ``tabular``: ``TabularClassifier``/``TabularRegressor`` (defaults, ``random_state=0``)
  on the raw frame;
* ``dnn`` and ``mlp``: ``DNNClassifier``/``DNNRegressor`` and ``MLPClassifier``/
  ``MLPRegressor`` (defaults, ``random_state=0``) behind median imputation +
  ``StandardScaler`` and ``OneHotEncoder`` (regression targets as they are);
* ``hgb``: ``HistGradientBoosting*(categorical_features="from_dtype")`` on the frame,
  string/boolean columns made ``category``;
* ``realmlp``: pytabkit's RealMLP-TD, from ``benchmarks/results/realmlp_td.json``
  (computed on these folds) when present, else live when pytabkit is importable, else
  left out.

Prints accuracy (or R^2) and fit seconds per table, the means, and the targets with
MET/MISSED; writes a JSON.

    python benchmarks/bench_tabular.py                # development tables
    python benchmarks/bench_tabular.py --held-out     # the held-out tables
    python benchmarks/bench_tabular.py --quick        # smoke run: one small table, 2 folds
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import time
import warnings
from pathlib import Path

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

import skdnn

HERE = Path(__file__).parent
REALMLP_JSON = HERE / "results" / "realmlp_td.json"
KEYS = ["tabular", "dnn", "mlp", "hgb", "realmlp"]


def folds(task: str, n_splits: int = 5):
    """The benchmark's folds (those of tabular_baseline.py)."""
    cls = StratifiedKFold if task == "classification" else KFold
    return cls(n_splits, shuffle=True, random_state=0)


def _prep(X):
    categorical = [c for c in X.columns if str(as_category(X[[c]])[c].dtype) == "category"]
    numeric = [c for c in X.columns if c not in categorical]
    return ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
        ]
    )


def estimators(X, task: str) -> dict:
    """Fresh estimators of every peer, with the frame each one reads."""
    clf = task == "classification"
    hgb = HistGradientBoostingClassifier if clf else HistGradientBoostingRegressor
    X_hgb = as_category(X)
    return {
        "tabular": ((skdnn.TabularClassifier if clf else skdnn.TabularRegressor)(
            random_state=0), X),
        "dnn": (make_pipeline(_prep(X), (skdnn.DNNClassifier if clf else skdnn.DNNRegressor)(
            random_state=0)), X),
        "mlp": (make_pipeline(_prep(X), (MLPClassifier if clf else MLPRegressor)(
            random_state=0)), X),
        "hgb": (hgb(categorical_features="from_dtype", random_state=0), X_hgb),
    }


def _realmlp_stored(name: str):
    """RealMLP-TD's per-fold scores and fit seconds for ``name`` from the JSON, or None."""
    if not REALMLP_JSON.exists():
        return None
    stored = json.loads(REALMLP_JSON.read_text())
    stored = stored.get("tables", stored)
    entry = stored.get(name)
    if entry is None:
        return None
    scores = entry.get("scores") or entry.get("fold_scores")
    seconds = entry.get("fit_seconds")
    if scores is None and "score" in entry:
        scores = [entry["score"]]
    if isinstance(seconds, list):
        seconds = float(np.sum(seconds))
    return {"scores": list(map(float, scores)), "fit_seconds": float(seconds)}


def _realmlp_live(task: str):
    if importlib.util.find_spec("pytabkit") is None:
        return None
    from pytabkit import RealMLP_TD_Classifier, RealMLP_TD_Regressor

    cls = RealMLP_TD_Classifier if task == "classification" else RealMLP_TD_Regressor
    return cls(random_state=0, n_threads=1, device="cpu", verbosity=0)


def run_table(name: str, n_splits: int = 5, keys=KEYS) -> dict:
    """Per estimator: mean test score and total fit seconds over the folds."""
    X, y, task = load(name)
    scores = {k: [] for k in keys}
    seconds = dict.fromkeys(keys, 0.0)
    stored = _realmlp_stored(name) if "realmlp" in keys and n_splits == 5 else None
    for train, test in folds(task, n_splits).split(X, y):
        peers = estimators(X, task)
        live = None if stored is not None or "realmlp" not in keys else _realmlp_live(task)
        if live is not None:
            peers["realmlp"] = (live, as_category(X))
        for key, (est, frame) in peers.items():
            if key not in keys:
                continue
            start = time.perf_counter()
            est.fit(frame.iloc[train], y.iloc[train])
            seconds[key] += time.perf_counter() - start
            scores[key].append(float(est.score(frame.iloc[test], y.iloc[test])))
    if stored is not None:
        scores["realmlp"], seconds["realmlp"] = stored["scores"], stored["fit_seconds"]
    score = {k: float(np.mean(v)) for k, v in scores.items() if v}
    return {"task": task, "score": score, "fit_seconds": {k: seconds[k] for k in score}}


def summary(results: dict) -> dict:
    """Means per task, total fit seconds, and the targets, MET or MISSED."""
    out = {}
    for task, metric in (("classification", "accuracy"), ("regression", "R^2")):
        rows = [r for r in results.values() if r["task"] == task]
        if not rows:
            continue
        common = set.intersection(*(set(r["score"]) for r in rows))
        out[task] = {
            "metric": metric,
            "n_tables": len(rows),
            "mean": {k: float(np.mean([r["score"][k] for r in rows])) for k in common},
            "fit_seconds": {k: float(np.sum([r["fit_seconds"][k] for r in rows])) for k in common},
        }
    targets = []
    for task, s in out.items():
        rows = [r for r in results.values() if r["task"] == task]
        for peer, margin in (("realmlp", 0.0), ("hgb", 0.0), ("mlp", 0.01)):
            if peer == "mlp" and task == "regression":
                continue
            # Against a peer with stored results for some tables only: on those tables.
            both = [r for r in rows if peer in r["score"]]
            if not both:
                continue
            gap = np.mean([r["score"]["tabular"] - r["score"][peer] for r in both]) - margin
            where = "" if len(both) == len(rows) else f" (on its {len(both)} tables)"
            targets.append(
                (f"{task} mean {s['metric']} >= {peer}'s + {margin}{where}", gap >= 0, gap)
            )
    rows = list(results.values())
    total = {k: float(np.sum([r["fit_seconds"].get(k, np.nan) for r in rows])) for k in KEYS}
    with_realmlp = [r for r in rows if "realmlp" in r["fit_seconds"]]
    if with_realmlp:
        ratio = sum(r["fit_seconds"]["tabular"] for r in with_realmlp) / sum(
            r["fit_seconds"]["realmlp"] for r in with_realmlp
        )
        where = "" if len(with_realmlp) == len(rows) else f" (on its {len(with_realmlp)} tables)"
        targets.append((f"total fit time <= realmlp's / 10{where}", ratio <= 0.1, ratio))
        out["ratio_to_realmlp"] = ratio
    out["total_fit_seconds"] = total
    out["ratio_to_hgb"] = total["tabular"] / total["hgb"]
    out["targets"] = [{"target": t, "met": bool(m), "value": float(v)} for t, m, v in targets]
    return out


def print_summary(s: dict) -> None:
    for task in ("classification", "regression"):
        if task not in s:
            continue
        t = s[task]
        means = "  ".join(f"{k} {v:.4f}" for k, v in sorted(t["mean"].items()))
        secs = "  ".join(f"{k} {v:.0f}" for k, v in sorted(t["fit_seconds"].items()))
        print(f"mean {t['metric']} over {t['n_tables']} {task} tables: {means}")
        print(f"  total fit s: {secs}")
    print(f"total fit seconds: {s['total_fit_seconds']}; tabular / hgb = {s['ratio_to_hgb']:.2f}")
    for t in s["targets"]:
        print(f"{'MET   ' if t['met'] else 'MISSED'} {t['target']}: {t['value']:+.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tables", nargs="*")
    parser.add_argument("--held-out", action="store_true", help="the held-out tables")
    parser.add_argument("--quick", action="store_true", help="one small table, 2 folds")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument(
        "--resummarize",
        help="a saved run's JSON: refresh its RealMLP-TD columns from the stored results "
        "and print its summary again (nothing is fitted); written back to --json",
    )
    args = parser.parse_args()
    if args.resummarize:
        results = json.loads(Path(args.resummarize).read_text())["tables"]
        for name, r in results.items():
            stored = _realmlp_stored(name)
            if stored is not None:
                r["score"]["realmlp"] = float(np.mean(stored["scores"]))
                r["fit_seconds"]["realmlp"] = stored["fit_seconds"]
        s = summary(results)
        print_summary(s)
        if args.json:
            Path(args.json).write_text(json.dumps({"tables": results, "summary": s}, indent=1))
        return
    tables = args.tables or (HELD_OUT if args.held_out else DEVELOPMENT)
    n_splits = 5
    if args.quick:
        tables, n_splits = args.tables or ["pima"], 2
    results = {}
    print(f"{'table':16s} {'task':4s} " + " ".join(f"{k:>8s}" for k in KEYS) + "   fit s")
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name in tables:
            r = run_table(name, n_splits)
            results[name] = r
            cells = " ".join(f"{r['score'].get(k, np.nan):8.4f}" for k in KEYS)
            secs = " ".join(f"{r['fit_seconds'].get(k, np.nan):6.1f}" for k in KEYS)
            print(f"{name:16s} {r['task'][:3]:4s} {cells}   {secs}", flush=True)
    s = summary(results)
    print_summary(s)
    if args.json:
        Path(args.json).write_text(json.dumps({"tables": results, "summary": s}, indent=1))


if __name__ == "__main__":
    main()
