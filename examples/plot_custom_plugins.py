"""
Writing plugins: a custom activation and a custom loss
======================================================

Every part of :class:`skdnn.DNNClassifier` is a plugin chosen by name. An object that
follows a kind's protocol can be passed directly; registering it gives it a name.
Here a leaky ReLU activation and a binary focal loss, written in a few lines each,
train a classifier on the breast cancer data, first passed as objects, then by the
names they were registered under; the plots show what each plugin computes and that
both ways give the same model.
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdnn import DNNClassifier, activations, losses
from skdnn.plot import save_figures


class LeakyReLU:
    """``f(z) = z`` for ``z > 0`` else ``slope * z``; the derivative is read from the output."""

    def __init__(self, slope=0.01):
        self.slope = slope

    def forward(self, Z, xp):
        return xp.where(Z > 0, Z, self.slope * Z)

    def derivative(self, A, dA, xp):
        return xp.where(A > 0, dA, self.slope * dA)


class FocalLoss:
    """Binary focal loss (Lin et al., 2017) on the logistic link, gamma = 2.

    ``l = -(1 - p_t)**gamma * log(p_t)`` with ``p_t`` the probability of the true class;
    returns the weighted mean and its gradient with respect to the logits.
    """

    gamma = 2.0

    def value_and_gradient(self, raw, Y, sample_weight, out_activation, xp):
        p = losses.apply_link(raw, "logistic", xp)
        p_t = xp.where(Y > 0, p, 1 - p)
        p_t = xp.clip(p_t, 1e-12, 1.0)
        g = self.gamma
        per = -((1 - p_t) ** g) * xp.log(p_t)
        # d l / d p_t, then d p_t / d z = +/- p (1 - p)
        dl_dpt = g * (1 - p_t) ** (g - 1) * xp.log(p_t) - (1 - p_t) ** g / p_t
        sign = xp.where(Y > 0, 1.0, -1.0)
        grad = dl_dpt * sign * p * (1 - p)
        w = xp.ones(raw.shape[0], dtype=raw.dtype) if sample_weight is None else sample_weight
        scale = xp.reshape(w / xp.sum(w), (-1, 1))
        return xp.sum(xp.sum(per, axis=1) * scale[:, 0]), grad * scale


# %%
# Pass the objects directly...
X, y = load_breast_cancer(return_X_y=True)
clf = make_pipeline(
    StandardScaler(),
    DNNClassifier(
        hidden_layer_sizes=(32,),
        activation=LeakyReLU(),
        loss=FocalLoss(),
        max_iter=300,
        random_state=0,
    ),
)
scores = {"objects": cross_val_score(clf, X, y, cv=3)}
print("objects:       ", scores["objects"].mean().round(4))

# %%
# ...or register them and use their names, like the built-ins.
activations.registry.register("my_leaky_relu")(LeakyReLU)
losses.registry.register("focal")(FocalLoss)
print("registered:    ", activations.registry.names(), losses.registry.names())
clf.set_params(dnnclassifier__activation="my_leaky_relu", dnnclassifier__loss="focal")
scores["by name"] = cross_val_score(clf, X, y, cv=3)
print("by name:       ", scores["by name"].mean().round(4))

# %%
# For reference, the built-in ReLU and cross-entropy on the same network (which
# would like more than 300 epochs to settle completely).
clf.set_params(dnnclassifier__activation="relu", dnnclassifier__loss="cross_entropy")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    scores["built-ins\n(relu, cross_entropy)"] = cross_val_score(clf, X, y, cv=3)
print("built-ins:     ", scores["built-ins\n(relu, cross_entropy)"].mean().round(4))

# %%
# What the plugins compute, read back from the objects themselves. Top left: the
# activation and its derivative (``derivative`` is handed the output ``A`` and an
# upstream gradient of ones). Top right and bottom left: the focal loss and its
# gradient with respect to the logit, for one row whose true class has probability
# ``p_t``, next to the built-in cross-entropy: the factor ``(1 - p_t)**2`` all but
# silences the rows the model already gets right, so training concentrates on the
# hard ones. Bottom right: the cross-validated accuracy of each fold; objects and
# names give the same folds' scores, since they are the same plugins.
z = np.linspace(-3, 3, 301)
leaky = LeakyReLU(slope=0.1)  # a steeper slope than the default, to be visible
A = leaky.forward(z, np)
p_t = np.linspace(0.01, 0.99, 99)
logits = np.log(p_t / (1 - p_t))[:, None]  # the logit of the true class, y = 1
curves = {}
for name, loss in (("focal (gamma=2)", FocalLoss()), ("cross-entropy", losses.CrossEntropy())):
    rows = [
        loss.value_and_gradient(logit[None].copy(), np.ones((1, 1)), None, "logistic", np)
        for logit in logits
    ]
    curves[name] = (
        np.array([float(value) for value, _ in rows]),
        np.array([abs(float(grad[0, 0])) for _, grad in rows]),
    )

fig, axes = plt.subplots(2, 2, figsize=(11, 7.5))
ax = axes[0, 0]
ax.plot(z, A, label="forward: f(z)")
ax.plot(z, leaky.derivative(A, np.ones_like(A), np), "--", label="derivative, from f(z)")
ax.axhline(0, color="0.8", linewidth=0.8)
ax.set_xlabel("z")
ax.set_title("LeakyReLU(slope=0.1)")
ax.legend()
for name, (value, grad) in curves.items():
    axes[0, 1].plot(p_t, value, label=name)
    axes[1, 0].plot(p_t, grad, label=name)
axes[0, 1].set_yscale("log")
axes[0, 1].set_ylabel("loss of the row")
axes[0, 1].set_title("FocalLoss against cross-entropy")
axes[1, 0].set_yscale("log")
axes[1, 0].set_ylabel("|gradient w.r.t. the logit|")
axes[1, 0].set_title("how hard each row pushes")
for ax in (axes[0, 1], axes[1, 0]):
    ax.set_xlabel("probability of the true class, $p_t$")
    ax.legend()
ax = axes[1, 1]
for i, folds in enumerate(scores.values()):
    ax.bar(i, folds.mean(), color="tab:blue" if i < 2 else "0.6")
    ax.plot(np.full(len(folds), i), folds, "o", color="k", markersize=4)
    ax.text(i, 0.905, f"{folds.mean():.4f}", ha="center", color="white")
ax.set_xticks(range(len(scores)), list(scores))
ax.set_ylim(0.9, 1.0)
ax.set_ylabel("3-fold accuracy (dots: folds)")
ax.set_title("LeakyReLU + FocalLoss on breast cancer")
fig.tight_layout()
save_figures("plot_custom_plugins")
