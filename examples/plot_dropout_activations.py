"""
Dropout and smooth activations on the digits
=============================================

Train :class:`skdnn.DNNClassifier` on the handwritten digits with early stopping, with
and without ``dropout=0.2``, and with the ReLU and GELU activations. For each, print
the learning curves every few epochs (training loss, validation loss, validation
accuracy: ``loss_curve_``, ``validation_loss_curve_``, ``validation_scores_``), then a
summary: the final training loss, the best validation accuracy and the test accuracy.

Dropout zeroes each hidden unit with probability ``p`` while training (and scales the
others by ``1 / (1 - p)``); it is never applied at prediction or in the validation
pass, so the training loss (measured on dropped-out networks) runs above the loss of
the network that predicts. ``"gelu"`` is the tanh approximation of
``z * Phi(z)``; ``activation`` also takes a tuple, one per hidden layer.

The picture draws each model's curves with :func:`skdnn.plot.plot_training_curves`:
without dropout the training loss falls below the validation loss, with dropout it
stays above it; the star marks the epoch of the best validation accuracy, whose
weights each model keeps.
"""

# %%
import time

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skdnn import DNNClassifier
from skdnn.plot import plot_training_curves, save_figures

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# %%
# Four models, the same seed and early stopping for all of them. (A tuple such as
# ``("gelu", "relu")`` would set one activation per hidden layer.)
models = {}
for activation in ("relu", "gelu"):
    for dropout in (0.0, 0.2):
        clf = DNNClassifier(
            hidden_layer_sizes=(64, 32),
            activation=activation,
            dropout=dropout,
            early_stopping=True,
            n_iter_no_change=10,
            max_iter=100,
            random_state=0,
        )
        tic = time.perf_counter()
        clf.fit(X_train, y_train)
        models[activation, dropout] = clf, time.perf_counter() - tic

# %%
# The learning curves. Dropout's training loss is measured on dropped-out networks, so
# it runs above the validation loss of the network that predicts.
for (activation, dropout), (clf, _) in models.items():
    print(f"\n{activation}, dropout={dropout}")
    print(f"{'epoch':>6}{'train loss':>12}{'val loss':>10}{'val acc':>9}")
    curves = zip(clf.loss_curve_, clf.validation_loss_curve_, clf.validation_scores_)
    for epoch, (train, val, acc) in enumerate(curves, start=1):
        if epoch % 10 == 0 or epoch == clf.n_iter_:
            print(f"{epoch:>6}{train:>12.4f}{val:>10.4f}{acc:>9.3f}")

# %%
# Summary.
print(
    f"\n{'activation':<14}{'dropout':>8}{'train loss':>12}{'best val':>10}{'test acc':>10}{'s':>6}"
)
for (activation, dropout), (clf, seconds) in models.items():
    print(
        f"{activation:<14}{dropout:>8.1f}{clf.loss_:>12.4f}{clf.best_validation_score_:>10.3f}"
        f"{clf.score(X_test, y_test):>10.3f}{seconds:>6.1f}"
    )

# %%
# The curves of the four models, on the same loss scale; the validation accuracy is
# on each panel's right-hand axis.
fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex=True, sharey=True)
for ax, ((activation, dropout), (clf, _)) in zip(axes.ravel(), models.items()):
    display = plot_training_curves(clf, ax, name=f"{activation}, dropout={dropout}")
    display.score_ax_.set_ylim(0.8, 1.0)
    ax.set_yscale("log")
    ax.label_outer()
    ax.get_legend().remove()
    ax.legend(
        [display.lines_["loss"], display.lines_["validation_loss"], display.best_marker_],
        ["training loss", "validation loss", display.best_marker_.get_label()],
        loc="lower left",
        fontsize="small",
    )
fig.legend(
    [display.lines_["validation_score"], display.stop_line_],
    ["validation accuracy (right axis)", "last epoch"],
    loc="upper center",
    ncol=2,
)
fig.tight_layout(rect=(0, 0, 1, 0.96))
save_figures("plot_dropout_activations")
