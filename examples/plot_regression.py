"""
Regression: DNNRegressor next to MLPRegressor on the diabetes data
==================================================================

Train :class:`skdnn.DNNRegressor` and scikit-learn's ``MLPRegressor`` with the same
settings (scaled features, early stopping on a held-out tenth) and compare their
predictions, validation curves, test R² and training time. Then fit counts with
``loss="poisson"``, whose exponential output keeps every prediction positive.
"""

# %%
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_poisson_deviance
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdnn import DNNRegressor
from skdnn.plot import save_figures

X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
params = dict(
    hidden_layer_sizes=(50,),
    learning_rate_init=0.01,
    max_iter=300,
    early_stopping=True,
    random_state=0,
)

# %%
# The same parameters work for both estimators. A one-epoch fit of each first, so
# that the times below leave out skdnn's one-time kernel compilation (or loading).
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for Estimator in (DNNRegressor, MLPRegressor):
        Estimator(max_iter=1).fit(X_train, y_train)
models = {}
for Estimator in (DNNRegressor, MLPRegressor):
    model = make_pipeline(StandardScaler(), Estimator(**params))
    tic = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - tic
    models[Estimator.__name__] = model, seconds
    print(
        f"{Estimator.__name__:>13}: test R2 {model.score(X_test, y_test):.3f}, "
        f"{model[-1].n_iter_} epochs in {seconds:.2f} s"
    )

# %%
# Counts: the Poisson loss (half the Poisson deviance) through the exponential link.
rng = np.random.RandomState(0)
X_counts = rng.uniform(-1, 1, (2000, 4))
counts = rng.poisson(np.exp(1.0 + X_counts[:, 0] - 0.5 * X_counts[:, 1] ** 2))
poisson = DNNRegressor(
    loss="poisson",
    hidden_layer_sizes=(16,),
    learning_rate_init=0.01,
    max_iter=300,
    early_stopping=True,
    random_state=0,
)
poisson.fit(X_counts, counts)
predicted = poisson.predict(X_counts)
print(
    f"poisson: min prediction {predicted.min():.3f} (always positive), mean deviance "
    f"{mean_poisson_deviance(counts, predicted):.3f} against "
    f"{mean_poisson_deviance(counts, np.full(len(counts), counts.mean())):.3f} for the mean"
)

# %%
# Left: test predictions against the truth (the diagonal is a perfect fit); both
# networks explain about a third of the variance of this small, noisy data set.
# Middle: the validation R² after every epoch, which early stopping watches; each
# run keeps the weights of its best epoch (star). The two runs do not start from the
# same weights (skdnn's default ``init="xavier"`` draws Glorot normal weights,
# ``MLPRegressor`` Glorot uniform ones), so their curves differ in detail. Right:
# the Poisson network's predicted rate against the true rate
# ``exp(1 + x0 - x1**2 / 2)`` the counts were drawn from: every prediction is
# above 0.
fig, (ax_pred, ax_val, ax_rate) = plt.subplots(1, 3, figsize=(14, 4.3))
colors = {"DNNRegressor": "tab:blue", "MLPRegressor": "tab:orange"}
for name, (model, seconds) in models.items():
    net = model[-1]
    ax_pred.scatter(
        y_test,
        model.predict(X_test),
        s=12,
        alpha=0.6,
        color=colors[name],
        label=f"{name}: R² {model.score(X_test, y_test):.3f}, {seconds:.2f} s",
    )
    epochs = np.arange(1, len(net.validation_scores_) + 1)
    ax_val.plot(epochs, net.validation_scores_, color=colors[name], label=name)
    best = int(np.argmax(net.validation_scores_))
    ax_val.plot(epochs[best], net.validation_scores_[best], "*", color=colors[name], ms=12)
limits = [y.min(), y.max()]
ax_pred.plot(limits, limits, color="0.5", linestyle=":")
ax_pred.set_xlabel("true disease progression")
ax_pred.set_ylabel("predicted")
ax_pred.set_title("diabetes: test set")
ax_pred.legend(fontsize=8)
ax_val.set_xlabel("epoch")
ax_val.set_ylabel("validation R²")
ax_val.set_ylim(bottom=-0.5)
ax_val.set_title("early stopping on a held-out tenth")
ax_val.legend(fontsize=8)

true_rate = np.exp(1.0 + X_counts[:, 0] - 0.5 * X_counts[:, 1] ** 2)
ax_rate.scatter(true_rate, predicted, s=6, alpha=0.4, color="tab:green")
ax_rate.plot([0, true_rate.max()], [0, true_rate.max()], "k:", label="prediction = truth")
ax_rate.axhline(0, color="tab:red", linewidth=1, label="0: no prediction below")
ax_rate.set_xlim(0, None)
ax_rate.set_ylim(-0.5, None)
ax_rate.set_xlabel("true rate")
ax_rate.set_ylabel("predicted rate")
ax_rate.legend(fontsize=8)
ax_rate.set_title('counts, loss="poisson": always positive')
fig.tight_layout()
save_figures("plot_regression")
