"""
Quickstart: skdnn next to MLPClassifier on the digits
=====================================================

Train :class:`skdnn.DNNClassifier` and scikit-learn's ``MLPClassifier`` with the same
settings on the handwritten digits, then compare their training curves, test accuracy
and training time.

Run as a script (``python examples/plot_quickstart.py``), it prints the results and
saves the figure as ``plot_quickstart.png`` in the working directory; where there is a
display, it also shows it.
"""

# %%
import statistics
import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numba
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

import skdnn
from skdnn import DNNClassifier
from skdnn.plot import save_figures

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# %%
# A warm-up first
# ---------------
# skdnn's fused kernels (the Adam step, the ReLU layers, the softmax cross-entropy)
# are compiled by Numba on their first call, with ``cache=True``: the machine code is
# written to disk (``skdnn/__pycache__``, or ``NUMBA_CACHE_DIR`` when set) and later
# processes load it instead of compiling again, until skdnn is reinstalled or
# upgraded. So the first fit after installing skdnn is slower than every later one.
# One short fit of each estimator, timed, takes that one-time cost (and any other
# first-call cost) out of the comparison below.


def kernel_cache_files():
    """Numba's cache files for skdnn's kernels, where this installation keeps them."""
    folders = [Path(skdnn.__file__).parent / "__pycache__"]
    if numba.config.CACHE_DIR:
        folders.append(Path(numba.config.CACHE_DIR))
    return [path for folder in folders for path in folder.rglob("_kernels.*.nbi")]


def timed_fit(model):
    tic = time.perf_counter()
    model.fit(X_train, y_train)
    return time.perf_counter() - tic


was_cached = bool(kernel_cache_files())
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    first = timed_fit(DNNClassifier(max_iter=1, random_state=0))
    again = timed_fit(DNNClassifier(max_iter=1, random_state=0))
    timed_fit(MLPClassifier(max_iter=1, random_state=0))
compile_seconds = max(first - again, 0.0)
if not was_cached:
    how = f"this run compiled them in {compile_seconds:.2f} s (cached for later runs)"
elif compile_seconds > 0.05:
    how = f"this run loaded them from that cache in {compile_seconds:.2f} s"
else:  # an earlier fit in this same process already loaded them
    how = "this process had them loaded already"
print(f"skdnn compiles its Numba kernels once per installation and caches them on disk; {how}")

# %%
# The comparison
# --------------
# The same parameters work for both estimators. Each is fitted three times, the two
# taking turns, so that a burst of load from elsewhere on the machine slows both alike
# instead of deciding the comparison; the median of each one's three times is kept.
models = {
    "DNNClassifier": DNNClassifier(random_state=0),
    "MLPClassifier": MLPClassifier(random_state=0),
}
times = {name: [] for name in models}
for _ in range(3):
    for name, model in models.items():
        times[name].append(timed_fit(model))
seconds = {name: statistics.median(times[name]) for name in models}
for name, model in models.items():
    print(
        f"{name:>14}: test accuracy {model.score(X_test, y_test):.4f}, {model.n_iter_} epochs; "
        f"median fit {seconds[name]:.2f} s (fits: "
        + ", ".join(f"{t:.2f}" for t in times[name])
        + " s)"
    )

# %%
# Left: both follow the same training loss curve, epoch for epoch (both stop by the
# same rule, ``tol`` and ``n_iter_no_change``). Right: the time of one fit, once the
# kernels are compiled; the hatched bar is the one-time compilation this run paid
# (or, when the cache was already there, the time to load it).
fig, (ax_loss, ax_time) = plt.subplots(1, 2, figsize=(11, 4))
colors = {"DNNClassifier": "tab:blue", "MLPClassifier": "tab:orange"}
for name, model in models.items():
    accuracy = model.score(X_test, y_test)
    ax_loss.plot(
        range(1, model.n_iter_ + 1),
        model.loss_curve_,
        color=colors[name],
        label=f"{name} (test accuracy {accuracy:.3f})",
    )
ax_loss.set_yscale("log")
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("training loss")
ax_loss.set_title("training curves")
ax_loss.legend()

names = list(models)
ax_time.barh(names, [seconds[name] for name in names], color=[colors[n] for n in names])
ax_time.text(
    seconds["MLPClassifier"],
    names.index("MLPClassifier"),
    f" {seconds['MLPClassifier']:.2f} s",
    va="center",
)
# The one-time cost, stacked on skdnn's bar.
ax_time.barh(
    ["DNNClassifier"],
    [compile_seconds],
    left=[seconds["DNNClassifier"]],
    color="white",
    edgecolor=colors["DNNClassifier"],
    hatch="//",
)
once = "loading the cached kernels" if was_cached else "compiling, once"
label = f" {seconds['DNNClassifier']:.2f} s"
if compile_seconds > 0.05:
    label += f" + {compile_seconds:.2f} s {once}"
ax_time.text(
    seconds["DNNClassifier"] + compile_seconds,
    names.index("DNNClassifier"),
    label,
    va="center",
)
ax_time.set_xlim(0, 2.0 * max(seconds["DNNClassifier"] + compile_seconds, *seconds.values()))
ax_time.set_xlabel("seconds per fit (median of 3)")
ax_time.set_title("training time (after a warm-up)")
fig.tight_layout()
save_figures("plot_quickstart")
