"""
Training stops when the loss stops changing
===========================================

:class:`skdnn.DNNClassifier` follows ``MLPClassifier``'s stopping rule. After every
epoch it asks whether the epoch improved on the best value so far by more than
``tol``: the training loss (``loss_curve_``) by default, the validation score
(``validation_scores_``) with ``early_stopping=True``. Once more than
``n_iter_no_change`` epochs in a row fail to, training stops, long before
``max_iter``. With early stopping the estimator also goes back to the weights of the
best validation epoch.

:func:`skdnn.plot.plot_training_curves` draws the curves with the last epoch (dotted
line) and the best epoch (star) marked. Below each, the rule's counter of epochs
without improvement, recomputed from the curve, climbs to ``n_iter_no_change`` and
the run ends on the epoch it goes over.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from skdnn import DNNClassifier
from skdnn.plot import plot_training_curves, save_figures

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)

# %%
# Two runs with the same network: the ``tol`` rule on the training loss, and early
# stopping on a held-out 10 % of the rows (its score is the accuracy; its loss,
# ``validation_loss_curve_``, is drawn beside the training loss).
settings = dict(hidden_layer_sizes=(64,), tol=1e-3, n_iter_no_change=10, max_iter=500)
by_loss = DNNClassifier(random_state=0, **settings).fit(X, y)
by_score = DNNClassifier(early_stopping=True, random_state=0, **settings).fit(X, y)
for name, clf in (("tol rule", by_loss), ("early stopping", by_score)):
    print(f"{name:15s} stopped after {clf.n_iter_} of {clf.max_iter} epochs")


# %%
# The counter, recomputed from the recorded curves with the rule above: an epoch
# counts when it does not beat the best value so far by more than ``tol``.
def no_improvement_counter(values, tol, higher_is_better):
    sign = 1.0 if higher_is_better else -1.0
    best, count, counts = -np.inf, 0, []
    for value in sign * np.asarray(values):
        count = count + 1 if value < best + tol else 0
        best = max(best, value)
        counts.append(count)
    return np.array(counts)


fig, axes = plt.subplots(
    2, 2, figsize=(11, 6.5), sharex="col", gridspec_kw={"height_ratios": [2, 1]}
)
for col, (clf, curve, higher, what) in enumerate(
    [
        (by_loss, by_loss.loss_curve_, False, "training loss"),
        (by_score, by_score.validation_scores_, True, "validation score"),
    ]
):
    top, bottom = axes[:, col]
    display = plot_training_curves(clf, top, name=f"stopping on the {what}")
    counts = no_improvement_counter(curve, clf.tol, higher)
    epochs = np.arange(1, len(counts) + 1)
    bottom.step(epochs, counts, where="mid", color="tab:purple")
    bottom.axhline(clf.n_iter_no_change, color="tab:red", linestyle="--")
    bottom.axvline(display.stop_epoch, color="0.3", linestyle=":")
    bottom.set_ylabel("epochs without\nimprovement > tol")
    bottom.set_xlabel("epoch")
    bottom.text(1, clf.n_iter_no_change + 0.5, "n_iter_no_change", color="tab:red")
    print(f"{what}: counter at the last epoch {counts[-1]} > {clf.n_iter_no_change}")
fig.tight_layout()
save_figures("plot_stopping")
