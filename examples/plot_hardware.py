"""
Parallel hardware is what makes deep learning practical
=======================================================

Training a dense network is, almost entirely, matrix products: per minibatch one
product per layer forward and two backward. Their cost grows with the square of the
width, and the time an epoch takes is that work divided by the multiply-adds per
second the hardware delivers. So what makes a wide network affordable is hardware
that does many multiply-adds at once: several cores with vector units, and, by a
wide margin, a GPU.

This example measures, on the CPU it runs on, the time of one epoch of
:class:`skdnn.DNNClassifier` against the width of its two hidden layers, beside the
machine's floor: the bare matrix products of the same epoch (same shapes, same
float32), with nothing else. The numbers are those of the machine that runs it,
and vary from run to run on a shared machine.

GPU timings belong in ``docs/performance.md``, under *GPU*, where they have been
measured. None has been yet: no GPU was available when this was written, so there
is no GPU curve here.
"""

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np
from threadpoolctl import threadpool_info

from skdnn import DNNClassifier
from skdnn.plot import save_figures

n_rows, n_features, n_classes, batch_size = 1000, 64, 10, 200
widths = [32, 64, 128, 256, 512]
rng = np.random.default_rng(0)
X = rng.standard_normal((n_rows, n_features), dtype=np.float32)
y = np.argmax(X @ rng.standard_normal((n_features, n_classes)), axis=1)
n_threads = max(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")
print(f"{os.cpu_count()} CPU cores, BLAS with up to {n_threads} threads")


def best_of(run, seconds=0.3):
    """The shortest of several runs, repeated for about ``seconds`` (at least 3)."""
    times = []
    while len(times) < 3 or sum(times) < seconds:
        tic = time.perf_counter()
        run()
        times.append(time.perf_counter() - tic)
    return min(times)


def skdnn_epoch(width):
    """Seconds of one training epoch (``partial_fit``), after a first one that warms up."""
    clf = DNNClassifier(hidden_layer_sizes=(width, width), batch_size=batch_size, random_state=0)
    clf.partial_fit(X, y, classes=np.arange(n_classes))
    return best_of(lambda: clf.partial_fit(X, y))


def floor_epoch(width):
    """Seconds of the matrix products of one epoch alone, into preallocated buffers:
    forward ``D @ W`` per layer, then ``D.T @ dZ`` per layer and ``dZ @ W.T`` for all
    layers but the first."""
    sizes = (n_features, width, width, n_classes)
    W = [rng.standard_normal((a, b), dtype=np.float32) for a, b in zip(sizes, sizes[1:])]
    dW = [np.empty_like(w) for w in W]
    H = [np.ones((batch_size, b), np.float32) for b in sizes[1:]]
    dH = [np.empty((batch_size, a), np.float32) for a in sizes[1:-1]]

    def epoch():
        for start in range(0, n_rows, batch_size):
            inputs = [X[start : start + batch_size], *H[:-1]]
            for i, w in enumerate(W):
                np.matmul(inputs[i], w, out=H[i])
            for i in reversed(range(len(W))):
                np.matmul(inputs[i].T, H[i], out=dW[i])
                if i > 0:
                    np.matmul(H[i], W[i].T, out=dH[i - 1])

    epoch()
    return best_of(epoch)


def flops(width):
    """Floating-point operations of those products in one epoch (2 per multiply-add)."""
    sizes = (n_features, width, width, n_classes)
    layers = list(zip(sizes, sizes[1:]))
    per_row = sum(a * b for a, b in layers) * 2 + sum(a * b for a, b in layers[1:])
    return 2 * n_rows * per_row


# %%
# Time every width. The clock rate, where the system reports it, gives the
# throughput of one core doing one multiply-add per cycle: what hardware without
# any parallelism (no vector units, one core) would manage at best.
# The two are timed width by width, so that both see the same load, and each is the
# best of a few runs, the one least disturbed by other work on the machine.
pairs = [(skdnn_epoch(w), floor_epoch(w)) for w in widths]
times = {
    "skdnn": np.array([p[0] for p in pairs]),
    "matrix products alone": np.array([p[1] for p in pairs]),
}
for name, t in times.items():
    print(f"{name:22s} " + "  ".join(f"{w}: {s * 1e3:.0f} ms" for w, s in zip(widths, t)))


def clock_ghz():
    try:
        with open("/proc/cpuinfo") as f:
            mhz = [float(line.split(":")[1]) for line in f if line.startswith("cpu MHz")]
    except OSError:
        return None
    return max(mhz) / 1e3 if mhz else None


# %%
# Left: seconds per epoch; both curves grow like the work, about ``width**2`` once
# the hidden-to-hidden product dominates, and skdnn stays close to the floor of its
# matrix products. Right: the same as work per second. The rate the CPU reaches is
# many times what one multiply-add per cycle would give: it comes from doing many
# at once (vector lanes and cores), and the epoch time is that rate.
gflop = np.array([flops(w) for w in widths]) / 1e9
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
for name, style in (("skdnn", "o-"), ("matrix products alone", "k--")):
    left.plot(widths, times[name], style, label=name)
    right.plot(widths, gflop / times[name], style, label=name)
ref = times["matrix products alone"][-1] * (gflop / gflop[-1])
left.plot(widths, ref, ":", color="0.5", label="proportional to the work")
left.set_xscale("log", base=2)
left.set_yscale("log")
left.set_xlabel("hidden layer width (two layers)")
left.set_ylabel("seconds per epoch")
left.set_title(f"one epoch, {n_rows} rows, float32, this CPU")
left.legend(fontsize="small")
ghz = clock_ghz()
if ghz is not None:
    right.axhline(2 * ghz, color="tab:red", linestyle=":")
    right.text(
        widths[0],
        2 * ghz * 1.15,
        f"one multiply-add per cycle at {ghz:.1f} GHz",
        color="tab:red",
        fontsize="small",
    )
    print(
        f"one multiply-add per cycle: {2 * ghz:.1f} GFLOP/s; "
        f"reached: {np.max(gflop / times['matrix products alone']):.1f} GFLOP/s"
    )
right.set_xscale("log", base=2)
right.set_yscale("log")
right.set_xlabel("hidden layer width (two layers)")
right.set_ylabel("GFLOP/s of the epoch's matrix products")
right.set_title(f"arithmetic throughput ({os.cpu_count()} cores)")
right.legend(fontsize="small", loc="lower right")
fig.text(
    0.5,
    0.01,
    "GPU: measured numbers go in docs/performance.md; none yet (no GPU was available).",
    ha="center",
    fontsize="small",
)
fig.tight_layout(rect=(0, 0.04, 1, 1))
save_figures("plot_hardware")
