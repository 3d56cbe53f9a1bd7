"""Accuracy (and R^2) against total fit time per estimator, from bench_tabular.py's JSON.

    python benchmarks/plot_tabular.py dev.json [held_out.json] --out docs/user_guide/tabular.png

One panel per task and JSON: each estimator's mean score over the tables against its
total fit seconds (log scale). RealMLP-TD, when its stored results cover only some of
the tables, is drawn on those tables only, beside skdnn's tabular estimator on the same
tables (marked "on RealMLP's tables").
"""

from __future__ import annotations

import argparse
import json

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

COLORS = {"tabular": "C0", "dnn": "C4", "mlp": "C2", "hgb": "C1", "realmlp": "C3"}
LABELS = {
    "tabular": "skdnn Tabular*",
    "dnn": "skdnn DNN* (pipeline)",
    "mlp": "sklearn MLP* (pipeline)",
    "hgb": "HistGradientBoosting*",
    "realmlp": "RealMLP-TD",
}


def _points(tables: dict, task: str) -> dict:
    rows = [r for r in tables.values() if r["task"] == task]
    out = {}
    for key in LABELS:
        have = [r for r in rows if key in r["score"]]
        if not have:
            continue
        label = LABELS[key] if len(have) == len(rows) else f"{LABELS[key]} ({len(have)} tables)"
        out[label] = (
            key,
            float(np.sum([r["fit_seconds"][key] for r in have])),
            float(np.mean([r["score"][key] for r in have])),
        )
        if len(have) < len(rows) and key == "realmlp":
            out[f"{LABELS['tabular']} (same {len(have)})"] = (
                "tabular",
                float(np.sum([r["fit_seconds"]["tabular"] for r in have])),
                float(np.mean([r["score"]["tabular"] for r in have])),
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", nargs="+")
    parser.add_argument("--out", default="docs/user_guide/tabular.png")
    args = parser.parse_args()
    runs = [json.load(open(p)) for p in args.json]
    tasks = ("classification", "regression")
    fig, axes = plt.subplots(len(runs), 2, figsize=(10, 3.6 * len(runs)), squeeze=False)
    for i, (path, run) in enumerate(zip(args.json, runs)):
        for j, task in enumerate(tasks):
            ax = axes[i][j]
            for label, (key, sec, score) in _points(run["tables"], task).items():
                hollow = "same" in label
                ax.scatter(sec, score, s=60, color=COLORS[key],
                           facecolors="none" if hollow else COLORS[key])  # fmt: skip
                ax.annotate(label, (sec, score), fontsize=7, xytext=(4, 3),
                            textcoords="offset points")  # fmt: skip
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())  # no crowded labels
            ax.set_xlabel("total fit seconds (log)")
            ax.set_ylabel("mean accuracy" if task == "classification" else "mean R^2")
            ax.set_title(f"{path.rsplit('/', 1)[-1]}: {task}", fontsize=9)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
