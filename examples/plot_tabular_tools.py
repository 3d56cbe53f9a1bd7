"""
The tabular tools on a real table: embeddings, ensembles, schedules
===================================================================

skdnn's estimators take the tools of the most accurate tabular MLPs as parameters:
numeric feature embeddings (``feature_embedding``), an efficient ensemble trained in one
pass (``n_ensemble``, ``ensemble``), a learning-rate schedule (``lr_schedule``) and
decoupled weight decay (``weight_decay``), with RealMLP's robust scaling and smooth
clipping (:class:`skdnn.preprocessing.RobustScaleSmoothClip`) in front. Here each is
switched on, one at a time and then together, on scikit-learn's diabetes table (442
patients, 10 numeric features, a disease-progression score), with the same 5 folds for
every variant. The table is small and noisy: the point is how each tool is set and what
it costs, not a ranking (the tabular benchmark, ``benchmarks/bench_tabular.py``, ranks
them on many tables).
"""

# %%
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdnn import DNNRegressor
from skdnn.plot import save_figures
from skdnn.preprocessing import RobustScaleSmoothClip

warnings.filterwarnings("ignore", category=ConvergenceWarning)
X, y = load_diabetes(return_X_y=True)

# %%
# One base network, and each tool on top of it. The targets are standardised inside
# (``TransformedTargetRegressor``), the features robust-scaled and smoothly clipped.
base = dict(hidden_layer_sizes=(64, 64), max_iter=60, learning_rate_init=3e-3, random_state=0)
variants = {
    "plain": {},
    "periodic embedding": dict(feature_embedding="periodic"),
    "piecewise-linear embedding": dict(feature_embedding="piecewise_linear"),
    "BatchEnsemble, 8 members": dict(n_ensemble=8, ensemble="batch"),
    "packed ensemble, 8 members": dict(n_ensemble=8, ensemble="packed"),
    "cosine schedule + weight decay": dict(lr_schedule="cosine", weight_decay=1e-2),
    "all of them (periodic)": dict(
        feature_embedding="periodic",
        n_ensemble=8,
        lr_schedule="cosine",
        weight_decay=1e-2,
    ),
}
folds = KFold(5, shuffle=True, random_state=0)
results = {}
for name, extra in variants.items():
    model = TransformedTargetRegressor(
        make_pipeline(RobustScaleSmoothClip(), DNNRegressor(**base, **extra)),
        transformer=StandardScaler(),
    )
    tic = time.perf_counter()
    cv = cross_validate(model, X, y, cv=folds, scoring="r2")
    results[name] = (cv["test_score"], time.perf_counter() - tic)
    scores = cv["test_score"]
    print(f"{name:32s} R^2 {scores.mean():.3f} +- {scores.std():.3f}   {results[name][1]:.1f} s")

# %%
# Mean R^2 over the folds (the bars show their spread) and the time of the 5 fits.
names = list(results)
means = [results[n][0].mean() for n in names]
stds = [results[n][0].std() for n in names]
secs = [results[n][1] for n in names]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
pos = np.arange(len(names))
ax1.barh(pos, means, xerr=stds, color="tab:blue", alpha=0.8)
ax1.set_yticks(pos, names)
ax1.set_xlabel("R^2, 5-fold CV")
ax1.set_xlim(0, max(m + s for m, s in zip(means, stds)) + 0.02)
ax1.invert_yaxis()
ax2.barh(pos, secs, color="tab:orange", alpha=0.8)
ax2.set_xlabel("seconds for the 5 fits")
fig.suptitle("diabetes: each tool on the same network and folds")
fig.tight_layout()
save_figures("plot_tabular_tools")

# %%
# Reading it: on 442 rows and 10 features, the embeddings add many parameters per
# feature and overfit within these 60 epochs without early stopping, while averaging
# members and annealing the learning rate smooth the fit. On larger tables with
# non-linear features the embeddings earn their keep (the user guide's "Feature
# embeddings" shows one); :class:`skdnn.TabularRegressor` combines the tools with a
# held-out split that keeps the best epoch.
