"""
L-BFGS beside MLPClassifier's
=============================

``solver="lbfgs"`` minimizes the full-batch loss with scipy's L-BFGS-B, as
:class:`sklearn.neural_network.MLPClassifier` does: no minibatches, no learning rate,
``max_iter`` counts L-BFGS iterations and ``max_fun`` bounds the loss evaluations. On a
small data set it often converges in fewer passes over the data than Adam.

The picture shows both fitted models' class-1 probability over the plane, with their
decision boundaries, and, beside them, how many epochs Adam needs to come down to the
loss L-BFGS reached (:func:`skdnn.plot.plot_training_curves`; an L-BFGS fit records no
per-epoch curve, as in ``MLPClassifier``).
"""

# %%
# The data: two interleaving half moons, scaled.
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skdnn import DNNClassifier
from skdnn.plot import plot_training_curves, save_figures

X, y = make_moons(n_samples=400, noise=0.25, random_state=0)
X = StandardScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

# %%
# The same parameters for both; ``init="xavier_uniform"`` is MLPClassifier's initializer.
params = dict(hidden_layer_sizes=(16,), solver="lbfgs", alpha=0.1, max_iter=300)
models = {
    "skdnn DNNClassifier": DNNClassifier(init="xavier_uniform", random_state=0, **params),
    "sklearn MLPClassifier": MLPClassifier(random_state=0, **params),
}
for name, model in models.items():
    tic = time.perf_counter()
    model.fit(X_train, y_train)
    print(
        f"{name:22s} iterations {model.n_iter_:4d}  loss {model.loss_:.4f}  "
        f"test accuracy {model.score(X_test, y_test):.3f}  {time.perf_counter() - tic:.2f} s"
    )

# %%
# How often the two models agree on a grid over the plane, and where their class-1
# probabilities differ most.
xx, yy = np.meshgrid(np.linspace(-2.5, 2.5, 100), np.linspace(-2.5, 2.5, 100))
grid = np.c_[xx.ravel(), yy.ravel()]
ours, ref = (model.predict_proba(grid)[:, 1] for model in models.values())
print(f"same predicted class on {np.mean((ours > 0.5) == (ref > 0.5)):.1%} of the grid")
print(f"largest probability difference {np.max(np.abs(ours - ref)):.3f}")

# %%
# The same network trained by Adam, one full pass over the data per epoch, for
# comparison with the L-BFGS iterations (each a full pass, or a few).
# Adam stops at ``max_iter`` here: the ConvergenceWarning it raises is the point.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    adam = DNNClassifier(hidden_layer_sizes=(16,), alpha=0.1, max_iter=500, random_state=0).fit(
        X_train, y_train
    )
lbfgs = models["skdnn DNNClassifier"]
below = np.flatnonzero(np.asarray(adam.loss_curve_) <= lbfgs.loss_)
print(
    f"Adam: {adam.n_iter_} epochs, loss {adam.loss_:.4f}; "
    + (
        f"at the L-BFGS loss after {below[0] + 1} epochs"
        if below.size
        else "never at the L-BFGS loss"
    )
)

# %%
# Left and middle: the probability of class 1 (colour) and the boundary where it is
# 1/2 (black), with the test points (circles: class 0, triangles: class 1). Right:
# Adam's training loss per epoch against the loss L-BFGS reached, and the number of
# L-BFGS iterations.
fig, axes = plt.subplots(1, 3, figsize=(14, 4.3))
for ax, (name, proba) in zip(axes, [("skdnn DNNClassifier", ours), ("sklearn MLPClassifier", ref)]):
    mesh = ax.contourf(xx, yy, proba.reshape(xx.shape), levels=20, cmap="RdBu_r", vmin=0, vmax=1)
    ax.contour(xx, yy, proba.reshape(xx.shape), levels=[0.5], colors="k")
    for label, marker, color in ((0, "o", "white"), (1, "^", "gold")):
        rows = y_test == label
        ax.scatter(*X_test[rows].T, marker=marker, c=color, edgecolors="k", s=28)
    ax.set_title(f"{name}, lbfgs: test accuracy {models[name].score(X_test, y_test):.3f}")
    ax.set_xlabel("feature 0")
axes[0].set_ylabel("feature 1")
fig.colorbar(mesh, ax=axes[1], label="P(class 1)")
display = plot_training_curves(adam, axes[2], name="skdnn: Adam epochs against L-BFGS")
axes[2].axhline(
    lbfgs.loss_, color="tab:green", linestyle="--", label=f"L-BFGS loss {lbfgs.loss_:.3f}"
)
axes[2].axvline(
    lbfgs.n_iter_, color="tab:green", linestyle=":", label=f"L-BFGS iterations ({lbfgs.n_iter_})"
)
axes[2].set_yscale("log")
axes[2].legend(fontsize="small")
fig.tight_layout()
save_figures("plot_lbfgs")
