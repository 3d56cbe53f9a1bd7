"""
Learning-rate schedules, weight decay and label smoothing
=========================================================

Three training tools of the most accurate tabular MLPs (RealMLP, TabM), as parameters
of :class:`skdnn.DNNClassifier` and :class:`skdnn.DNNRegressor`:

* ``lr_schedule``: the learning rate of every minibatch step is the optimizer's times
  a multiplier that follows the run, ``max_iter`` epochs of minibatches;
* ``weight_decay``: decoupled decay, AdamW's: each step shrinks the weights by
  ``1 - lr_t * weight_decay``;
* ``label_smoothing`` (classifier): train on targets pulled towards the uniform
  distribution, so the network stops pushing its logits apart once it is right.

First the built-in schedules' multipliers over a run, then the tools on a real table.
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skdnn import DNNClassifier, schedules
from skdnn.plot import save_figures

warnings.filterwarnings("ignore", category=ConvergenceWarning)  # max_iter is the budget

total = 1000  # steps in the run: max_iter epochs x minibatches per epoch
steps = np.arange(total)
fig, ax = plt.subplots(figsize=(7, 3.2))
for name in schedules.registry.names():
    sched = schedules.registry.resolve(name)
    ax.plot(steps / total, [sched.multiplier(s, total) for s in steps], label=repr(name))
ax.axhline(1.0, color="grey", lw=0.8, ls=":", label="None (constant)")
ax.set_xlabel("progress of the run (step / total_steps)")
ax.set_ylabel("learning-rate multiplier")
ax.set_title("lr_schedule")
ax.legend(loc="upper right", fontsize=8)
fig.tight_layout()

# %%
# The tools on the digits table: the same network trained for the same 40 epochs,
# with Adam's constant learning rate (the default) and with the tools added one by one,
# three seeds each. The held-out rows are scored by accuracy and by log-loss. Label
# smoothing keeps the predicted probabilities away from 0 and 1, so it costs log-loss
# on rows the network gets right; what it buys, if anything, is accuracy. On a table
# this small and easy the differences are within the spread of the seeds: measure on
# your own data before choosing.
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

base = dict(hidden_layer_sizes=(64,), max_iter=40, learning_rate_init=1e-2, n_iter_no_change=1000)
variants = {
    "default": {},
    "cosine": dict(lr_schedule="cosine"),
    "cosine + weight_decay": dict(lr_schedule="cosine", weight_decay=0.05),
    "all three": dict(lr_schedule="cosine", weight_decay=0.05, label_smoothing=0.1),
}
results = {}
for name, extra in variants.items():
    scores = []
    for seed in range(3):
        clf = DNNClassifier(random_state=seed, **base, **extra).fit(X_train, y_train)
        proba = clf.predict_proba(X_test)
        scores.append((accuracy_score(y_test, clf.predict(X_test)), log_loss(y_test, proba)))
    results[name] = np.mean(scores, axis=0)
    print(f"{name:24s} accuracy {results[name][0]:.4f}  log-loss {results[name][1]:.4f}")

# %%
# The loss curves of one seed: with the cosine schedule the training loss keeps falling
# smoothly to the end, as the steps shrink; with label smoothing it levels off above 0,
# since the smoothed targets cannot be met exactly (``loss_curve_`` reports the loss
# against the smoothed targets).
fig, ax = plt.subplots(figsize=(7, 3.2))
for name, extra in variants.items():
    clf = DNNClassifier(random_state=0, **base, **extra).fit(X_train, y_train)
    ax.plot(clf.loss_curve_, label=name)
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
ax.legend(fontsize=8)
fig.tight_layout()
save_figures("plot_training_tools")
