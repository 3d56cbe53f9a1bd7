"""
The chain rule is all backpropagation needs
===========================================

skdnn's backward pass is the chain rule written out layer by layer (see the user
guide page *Backpropagation*): the loss hands back ``p - y`` at the output, and each
dense layer turns the gradient it receives into the gradients of its weights and
biases and the gradient it passes down. Nothing else goes in. If that is right, the
gradients must equal what central finite differences of the loss give,

.. math:: \\frac{\\partial L}{\\partial \\theta} \\approx
          \\frac{L(\\theta + h) - L(\\theta - h)}{2h},

for every weight and bias of every layer, up to the error of the difference quotient
itself (about ``1e-8`` relative here).

The gradients are skdnn's own, taken through its public optimizer protocol: an
optimizer object (``solver=``) is handed every gradient the network computes. This
one records them and changes nothing. The loss is computed independently, from
``predict_proba`` (or ``predict``) with scikit-learn's ``log_loss``, plus the L2
term ``alpha / (2 n) * sum ||W||^2``.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import log_loss

from skdnn import DNNClassifier, DNNRegressor
from skdnn.plot import save_figures

rng = np.random.RandomState(0)
n, n_features, alpha = 60, 5, 0.3
X = rng.standard_normal((n, n_features))
y_class = rng.randint(0, 3, n)
y_reg = X @ rng.standard_normal(n_features) + 0.1 * rng.standard_normal(n)


class RecordGradients:
    """An optimizer that records the gradients it is given and takes no step."""

    def init(self, params, xp):
        return {}

    def step(self, params, grads, state, xp, l2=None):
        # Weights first, then biases, each in layer order (the network's ``params``).
        self.flat = np.concatenate([np.ravel(g) for g in grads])


def backprop_gradients(est, X, y, **fit_params):
    """skdnn's gradients after a few Adam epochs: one full batch, then no update."""
    for _ in range(5):
        est.partial_fit(X, y, **fit_params)
    recorder = RecordGradients()
    est.set_params(solver=recorder, batch_size=len(X), shuffle=False)
    est.partial_fit(X, y)
    return split(est, recorder.flat)


def split(est, flat):
    """``flat`` cut into one array per weight matrix and per bias vector."""
    arrays, start = [], 0
    for p in est.coefs_ + est.intercepts_:
        arrays.append(flat[start : start + p.size].reshape(p.shape))
        start += p.size
    return arrays


def finite_differences(est, loss, h=1e-6):
    """Central differences of ``loss(est)`` in every weight and bias."""
    grads = []
    for p in est.coefs_ + est.intercepts_:
        g = np.empty_like(p)
        for idx in np.ndindex(p.shape):
            saved = p[idx]
            p[idx] = saved + h
            up = loss(est)
            p[idx] = saved - h
            down = loss(est)
            p[idx] = saved
            g[idx] = (up - down) / (2 * h)
        grads.append(g)
    return grads


def l2(est):
    return alpha / (2 * n) * sum(np.sum(W**2) for W in est.coefs_)


def classifier_loss(est):
    return log_loss(y_class, est.predict_proba(X), labels=[0, 1, 2]) + l2(est)


def regressor_loss(est):
    return 0.5 * np.mean((est.predict(X) - y_reg) ** 2) + l2(est)


def relative_errors(grads, reference):
    return [
        np.linalg.norm(g - r) / max(np.linalg.norm(g), np.linalg.norm(r))
        for g, r in zip(grads, reference)
    ]


# %%
# The gradients are taken after five Adam epochs, not at the initial weights: skdnn
# starts every bias at zero, so a row whose previous layer is all zero puts a ReLU
# unit exactly at ``z = 0``, where ReLU has no derivative (backpropagation takes 0,
# the central difference the mean of the two slopes, 1/2). Anywhere else the
# gradient exists and the two must agree.
#
# Three hidden layers and three losses-with-links: softmax cross-entropy with tanh,
# ReLU and logistic hidden units, and the squared error of a regressor.
layers = (4, 4, 3)
cases = {
    "classifier, tanh": (DNNClassifier, "tanh", y_class, classifier_loss),
    "classifier, relu": (DNNClassifier, "relu", y_class, classifier_loss),
    "classifier, logistic": (DNNClassifier, "logistic", y_class, classifier_loss),
    "regressor, tanh": (DNNRegressor, "tanh", y_reg, regressor_loss),
}
errors = {}
for name, (Estimator, activation, y, loss) in cases.items():
    est = Estimator(hidden_layer_sizes=layers, activation=activation, alpha=alpha, random_state=0)
    fit_params = {"classes": [0, 1, 2]} if Estimator is DNNClassifier else {}
    grads = backprop_gradients(est, X, y, **fit_params)
    # The loss skdnn recorded for that batch is the independent loss at the same weights.
    assert np.isclose(est.loss_curve_[-1], loss(est), rtol=1e-10)
    errors[name] = relative_errors(grads, finite_differences(est, loss))
    print(f"{name:22s} largest relative error {max(errors[name]):.1e}")

# %%
# What a mistake looks like: the same check against gradients computed without the
# L2 term (``alpha=0``) differs by far more than the difference quotient's error.
est = DNNClassifier(hidden_layer_sizes=layers, activation="tanh", alpha=0.0, random_state=0)
grads = backprop_gradients(est, X, y_class, classes=[0, 1, 2])
wrong = relative_errors(grads, finite_differences(est, classifier_loss))
print(f"{'without the L2 term':22s} largest relative error {max(wrong):.1e}")

# %%
# Relative error of every weight matrix ``W_i`` and bias ``b_i``.
n_layers = len(layers) + 1
names = [f"W{i}" for i in range(1, n_layers + 1)] + [f"b{i}" for i in range(1, n_layers + 1)]
order = [k for i in range(n_layers) for k in (i, n_layers + i)]  # W1, b1, W2, b2, ...
x = np.arange(len(order))
width = 0.8 / (len(errors) + 1)
fig, ax = plt.subplots(figsize=(10, 4.5))
for j, (name, errs) in enumerate(errors.items()):
    ax.bar(x + j * width, [errs[k] for k in order], width, label=name)
ax.bar(
    x + len(errors) * width,
    [wrong[k] for k in order],
    width,
    color="0.6",
    hatch="//",
    label="without the L2 term (a bug)",
)
ax.axhline(1e-6, color="tab:red", linestyle="--", linewidth=1)
ax.text(len(order) - 0.5, 1.4e-6, "1e-6", color="tab:red", ha="right")
ax.set_xticks(x + width * len(errors) / 2, [names[k] for k in order])
ax.set_yscale("log")
ax.set_ylabel("relative error against\ncentral finite differences")
ax.set_title("skdnn's backpropagated gradients, layer by layer")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
fig.tight_layout()
save_figures("plot_gradient_check")
