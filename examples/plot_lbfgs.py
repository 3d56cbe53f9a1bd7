"""
L-BFGS beside MLPClassifier's
=============================

``solver="lbfgs"`` minimizes the full-batch loss with scipy's L-BFGS-B, as
:class:`sklearn.neural_network.MLPClassifier` does: no minibatches, no learning rate,
``max_iter`` counts L-BFGS iterations and ``max_fun`` bounds the loss evaluations. On a
small data set it often converges in fewer passes over the data than Adam.
"""

# %%
# The data: two interleaving half moons, scaled.
import time

import numpy as np
from sklearn.datasets import make_moons
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skdnn import DNNClassifier

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
