"""
Xavier initialisation keeps signals alive in deep networks
==========================================================

Each layer of a network multiplies its input by a weight matrix. With ``fan_in``
inputs of variance ``v`` and weights of variance ``s**2``, a unit's pre-activation has
variance ``fan_in * s**2 * v``: unless ``fan_in * s**2`` is close to 1, the signal
shrinks or grows by that factor at every layer, geometrically with depth, and the
gradients flowing back do the same with ``fan_out``. Xavier (Glorot) initialisation,
``init="xavier"`` in skdnn, draws ``N(0, 2 / (fan_in + fan_out))`` to keep both near 1
(Glorot & Bengio, 2010).

``init="gaussian"`` draws ``N(0, 0.01**2)`` whatever the layer's width: fine for one
small layer, but in a deep ``tanh`` network of width 64 every layer multiplies the
signal by about ``0.01 * sqrt(64) = 0.08``. A Gaussian that is too wide fails the
other way: every ``tanh`` saturates at -1 or 1, so the units act as switches, and the
gradients grow on their way back to the input.
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skdnn import DNNClassifier, initializers
from skdnn.plot import save_figures

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
Y = np.eye(10)[y]  # one-hot targets
widths = [X.shape[1]] + [64] * 9 + [10]  # 64 inputs, 9 tanh layers of 64, 10 classes

# %%
# The three initial weight distributions, as initializer plugin objects: the registry
# turns a name into one, and :class:`skdnn.initializers.Gaussian` takes its standard
# deviation as a parameter.
inits = {
    "gaussian (std 0.01)": initializers.registry.resolve("gaussian"),
    "Gaussian(std=0.5)": initializers.Gaussian(std=0.5),
    "xavier": initializers.registry.resolve("xavier"),
}
colors = {"gaussian (std 0.01)": "tab:red", "Gaussian(std=0.5)": "tab:orange", "xavier": "tab:blue"}


# %%
# One forward and one backward pass in NumPy
# ------------------------------------------
# The network skdnn builds for ``hidden_layer_sizes=(64,) * 9, activation="tanh"``:
# each hidden layer computes ``A = tanh(A_prev @ W + b)``, the output layer's softmax
# meets the cross-entropy, whose gradient with respect to the logits is
# ``(P - Y) / n``. Back through each layer: ``dW = A_prev.T @ dZ``,
# ``dA_prev = dZ @ W.T``, ``dZ_prev = dA_prev * (1 - A_prev**2)``. We draw the weights
# with each initializer (biases start at 0), run the whole data set through, and
# record per layer the standard deviation of the activations ``A`` and of the weight
# gradient ``dW`` (what the optimizer is handed).
def forward(X, coefs, intercepts):
    activations = [X]
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        Z = activations[-1] @ W + b
        if i < len(coefs) - 1:
            activations.append(np.tanh(Z))
        else:  # softmax, shifted for stability
            P = np.exp(Z - Z.max(axis=1, keepdims=True))
            activations.append(P / P.sum(axis=1, keepdims=True))
    return activations


def weight_gradients(activations, coefs, Y):
    dZ = (activations[-1] - Y) / len(Y)
    grads = []
    for i in range(len(coefs) - 1, -1, -1):
        grads.append(activations[i].T @ dZ)
        if i > 0:
            dZ = (dZ @ coefs[i].T) * (1 - activations[i] ** 2)
    return grads[::-1]


spreads = {}
rng = np.random.RandomState(0)
for name, init in inits.items():
    coefs = [init(fan_in, fan_out, rng, np.float64) for fan_in, fan_out in zip(widths, widths[1:])]
    intercepts = [np.zeros(fan_out) for fan_out in widths[1:]]
    activations = forward(X, coefs, intercepts)
    grads = weight_gradients(activations, coefs, Y)
    spreads[name] = [A.std() for A in activations[1:-1]], [G.std() for G in grads]
    print(
        f"{name:20s} activation std, layer 1 / 9: {spreads[name][0][0]:.1e} / "
        f"{spreads[name][0][-1]:.1e}; weight-gradient std, layer 1 / 10: "
        f"{spreads[name][1][0]:.1e} / {spreads[name][1][-1]:.1e}"
    )

# %%
# Training with each
# ------------------
# The same network trained by :class:`skdnn.DNNClassifier` (Adam, its defaults) for
# 40 epochs from each initializer and the same seed. ``loss_curve_`` is the training
# loss per epoch.
models = {}
warnings.simplefilter("ignore", ConvergenceWarning)  # 40 epochs on purpose
for name, init in inits.items():
    models[name] = DNNClassifier(
        hidden_layer_sizes=(64,) * 9,
        activation="tanh",
        init=init,
        max_iter=40,
        n_iter_no_change=40,
        random_state=0,
    ).fit(X, y)
    print(
        f"{name:20s} training loss after 40 epochs {models[name].loss_curve_[-1]:.4f}, "
        f"training accuracy {models[name].score(X, y):.3f}"
    )

# The forward pass above is the one skdnn computes: on the trained Xavier model's
# ``coefs_`` and ``intercepts_`` it gives ``predict_proba``.
xavier_model = models["xavier"]
ours = forward(X, xavier_model.coefs_, xavier_model.intercepts_)[-1]
assert np.allclose(ours, xavier_model.predict_proba(X), atol=1e-8)

# %%
# With ``std=0.01`` (red) the activations shrink about twelvefold per layer and
# reach the output as almost nothing, so every weight gradient is about ``1e-12``,
# ten orders of magnitude below Xavier's. Even Adam, which rescales each gradient by
# its running size, cannot lift gradients that sit far below its ``epsilon=1e-8``: the
# loss stays at ``log(10)``, a uniform guess, and the accuracy at chance. The wide
# Gaussian (orange) saturates every layer (spread near 1, the most ``tanh`` can
# give), its gradients grow toward the input, and it starts from twice the uniform
# guess's loss and learns slowly: after 40 epochs its loss is still some thirty times
# Xavier's. Xavier (blue) keeps both spreads within a factor of three across the depth
# and trains at once.
fig, (ax_act, ax_grad, ax_loss) = plt.subplots(1, 3, figsize=(14, 4.2))
hidden = np.arange(1, len(widths) - 1)
layers = np.arange(1, len(widths))
for name, (act_std, grad_std) in spreads.items():
    ax_act.plot(hidden, act_std, "o-", color=colors[name], label=name)
    ax_grad.plot(layers, grad_std, "o-", color=colors[name], label=name)
    ax_loss.plot(models[name].loss_curve_, color=colors[name], label=name)
ax_act.set_yscale("log")
ax_act.set_xlabel("hidden layer")
ax_act.set_ylabel("std of the activations")
ax_act.set_title("forward: activation spread at the start")
ax_act.legend(fontsize=8)
ax_grad.set_yscale("log")
ax_grad.set_xlabel("layer (10 is the output layer)")
ax_grad.set_ylabel("std of the weight gradient")
ax_grad.set_title("backward: gradient spread at the start")
ax_loss.axhline(np.log(10), color="0.5", linestyle=":", label="log(10): uniform guess")
ax_loss.set_yscale("log")
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("training loss (cross-entropy)")
ax_loss.set_title("DNNClassifier, 9 tanh layers of 64")
ax_loss.legend(fontsize=8)
for ax in (ax_act, ax_grad):
    ax.set_xticks(layers if ax is ax_grad else hidden)
fig.tight_layout()
save_figures("plot_xavier_init")
