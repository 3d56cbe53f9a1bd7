"""
Cross-entropy, not squared error, for classification
====================================================

A classifier's last layer turns logits ``z`` into probabilities ``p = softmax(z)``.
:class:`skdnn.DNNClassifier` can measure them against the one-hot targets ``y`` in two
ways: ``loss="cross_entropy"`` (the default, ``-log p_true``) or ``loss="mse"`` (half
the mean squared error ``mean_k (p_k - y_k)**2 / 2``, scikit-learn's old
``squared_loss``).

Their gradients with respect to the logits differ where it matters. Cross-entropy's is
``p - y``: the more wrong the network, the harder it pushes. Squared error's goes
through the softmax Jacobian, ``dz = p * (g - sum_k g_k p_k)`` with ``g = (p - y) / K``
for ``K`` classes, and that product vanishes once the softmax saturates, including when
it saturates on the *wrong* class. A network that starts out confidently wrong then
barely learns under squared error.
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skdnn import DNNClassifier, losses
from skdnn.initializers import Gaussian
from skdnn.plot import save_figures

# %%
# The gradient against the wrong-class probability
# ------------------------------------------------
# Take one row whose true class has probability ``1 - q`` and one wrong class
# probability ``q`` (the other logits are far below, their probabilities are 0). The
# gradient with respect to the true class's logit is
#
# * cross-entropy: ``p_true - 1 = -q``, growing with the error;
# * squared error: ``-2 q**2 (1 - q) / K``, which goes back to 0 as ``q -> 1``.
#
# The lines are these formulas; the dots are what skdnn's own loss plugins
# (``losses.registry.resolve(name).value_and_gradient``) return for such logits.
n_classes = 10
q = np.linspace(0.005, 0.995, 199)
raw = np.full((q.size, n_classes), -60.0)  # exp(-60) is 0 next to 1 - q and q
raw[:, 0] = np.log1p(-q)  # the true class
raw[:, 1] = np.log(q)  # the wrong class
Y = np.zeros_like(raw)
Y[:, 0] = 1.0
analytic = {"cross_entropy": q, "mse": 2 * q**2 * (1 - q) / n_classes}
plugin = {}
for name in analytic:
    _, grad = losses.registry.resolve(name).value_and_gradient(raw.copy(), Y, None, "softmax", np)
    plugin[name] = np.abs(grad[:, 0]) * q.size  # the plugin returns the mean over rows
    assert np.allclose(plugin[name], analytic[name], rtol=1e-6, atol=1e-12)
print(
    "at q = 0.99: |dL/dz_true| cross-entropy "
    f"{plugin['cross_entropy'][q.searchsorted(0.99)]:.3f}, "
    f"squared error {plugin['mse'][q.searchsorted(0.99)]:.5f}"
)

# %%
# Training from a confidently wrong start
# ---------------------------------------
# The same network (64 ReLU units), the same data (standardized digits), the same seed
# and the same initial weights for both losses: a Gaussian with standard deviation 1,
# far too wide, so the first logits are large and most rows start out near-certain of
# some wrong class. Plain SGD with momentum follows the gradient as it is (Adam's
# per-weight rescaling would hide part of its size). After each epoch
# (``partial_fit``) we record the held-out accuracy and the share of training rows
# still confidently wrong (more than 0.99 on a wrong class). For reference, squared
# error from a sensible start (``init="xavier"``) learns well: the trouble is the
# saturated start, not the loss as such.
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
classes = np.unique(y)
n_epochs = 30

runs = {
    "cross-entropy, wide start": dict(loss="cross_entropy", init=Gaussian(std=1.0)),
    "squared error, wide start": dict(loss="mse", init=Gaussian(std=1.0)),
    "squared error, Xavier start": dict(loss="mse", init="xavier"),
}
curves = {}
for label, params in runs.items():
    clf = DNNClassifier(
        hidden_layer_sizes=(64,),
        solver="sgd",
        learning_rate_init=0.1,
        momentum=0.9,
        batch_size=64,
        random_state=0,
        **params,
    )
    accuracy, wrong = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(n_epochs):
            clf.partial_fit(X_train, y_train, classes=classes)
            accuracy.append(clf.score(X_test, y_test))
            proba = clf.predict_proba(X_train)
            confident = proba.max(axis=1) > 0.99
            wrong.append(np.mean(confident & (classes[proba.argmax(axis=1)] != y_train)))
    curves[label] = accuracy, wrong
    print(
        f"{label:28s} held-out accuracy after 1 / {n_epochs} epochs: "
        f"{accuracy[0]:.3f} / {accuracy[-1]:.3f}; confidently wrong at the end: "
        f"{wrong[-1]:.1%}"
    )

# %%
# Left: the gradient each loss sends back from a row that is wrong with
# probability ``q``. Middle and right: squared error from the wide start stalls, with
# half of the training rows stuck on a confident wrong answer, while cross-entropy
# fixes them within about ten epochs.
styles = {
    "cross-entropy, wide start": dict(color="tab:blue"),
    "squared error, wide start": dict(color="tab:red"),
    "squared error, Xavier start": dict(color="tab:red", linestyle="--", alpha=0.6),
}
fig, (ax_grad, ax_acc, ax_wrong) = plt.subplots(1, 3, figsize=(14, 4.2))
for name, color, label in (
    ("cross_entropy", "tab:blue", "cross-entropy: $q$"),
    ("mse", "tab:red", "squared error: $2q^2(1-q)/K$"),
):
    ax_grad.plot(q, analytic[name], color=color, label=label)
    ax_grad.plot(q[::12], plugin[name][::12], "o", color=color, markersize=4)
ax_grad.plot([], [], "o", color="0.4", markersize=4, label="skdnn's loss plugin")
ax_grad.set_yscale("log")
ax_grad.set_xlabel("probability $q$ on the wrong class")
ax_grad.set_ylabel(r"$|\partial L / \partial z_{true}|$")
ax_grad.set_title(f"gradient at the logit, softmax, K = {n_classes}")
ax_grad.legend(fontsize=8)

epochs = np.arange(1, n_epochs + 1)
for label, (accuracy, wrong) in curves.items():
    ax_acc.plot(epochs, accuracy, label=label, **styles[label])
    ax_wrong.plot(epochs, wrong, label=label, **styles[label])
ax_acc.set_xlabel("epoch")
ax_acc.set_ylabel("held-out accuracy")
ax_acc.set_ylim(0, 1)
ax_acc.set_title("learning from the same initial weights")
ax_acc.legend(fontsize=8, loc="lower right")
ax_wrong.set_xlabel("epoch")
ax_wrong.set_ylabel("share of training rows")
ax_wrong.set_ylim(0, 1)
ax_wrong.set_title("confidently wrong rows (p > 0.99, wrong class)")
fig.tight_layout()
save_figures("plot_cross_entropy_vs_mse")
