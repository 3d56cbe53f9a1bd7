"""
Writing plugins: a custom activation and a custom loss
======================================================

Every part of :class:`skdnn.DNNClassifier` is a plugin chosen by name. An object that
follows a kind's protocol can be passed directly; registering it gives it a name.
"""

# %%
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdnn import DNNClassifier, activations, losses


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
print("objects:       ", cross_val_score(clf, X, y, cv=3).mean().round(4))

# %%
# ...or register them and use their names, like the built-ins.
activations.registry.register("my_leaky_relu")(LeakyReLU)
losses.registry.register("focal")(FocalLoss)
print("registered:    ", activations.registry.names(), losses.registry.names())
clf.set_params(dnnclassifier__activation="my_leaky_relu", dnnclassifier__loss="focal")
print("by name:       ", cross_val_score(clf, X, y, cv=3).mean().round(4))
