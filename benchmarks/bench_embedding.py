"""Time the feature embeddings against the plain network, in one run, and print ratios.

Workload: 20,000 x 20 float32 rows, ``hidden_layer_sizes=(256, 256, 256)``, ReLU,
``batch_size=256``, Adam, 2 threads. Peers, one training epoch each (a warm-started
``fit`` with ``max_iter=1``, training going on from call to call):

* ``plain``: :class:`skdnn.DNNClassifier` with ``feature_embedding=None``;
* ``periodic``: ``feature_embedding="periodic"`` (16 frequencies per feature);
* ``piecewise_linear``: ``feature_embedding="piecewise_linear"``.

And the embedding layers alone, over the same batches: ``layer_periodic`` and
``layer_piecewise_linear`` (forward and backward of the layer, no network), beside
``layer_dense``, the first dense layer of the plain network (``X @ W`` and ``X.T @ dZ``).

Every peer is built and warmed up once, then the timed calls run round-robin, so that a
load spike on a shared machine hits all of them alike; a time is the median. The target:
``periodic / plain <= 2``.

Example: ``python benchmarks/bench_embedding.py`` (about a minute on 2 cores),
``--repeats 3`` for a quick look.
"""

from __future__ import annotations

import argparse
import inspect
import statistics
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

import skdnn
from skdnn import DNNClassifier
from skdnn.backends import NumpyBackend
from skdnn.layers import PeriodicEmbedding, PiecewiseLinearEmbedding

N, N_FEATURES, HIDDEN, BATCH = 20_000, 20, (256, 256, 256), 256
PAUSE = 0.2


def make_data(n: int = N, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Standardized features and 5 classes that depend on them nonlinearly."""
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n, N_FEATURES)).astype(np.float32)
    score = np.sin(2 * X[:, 0]) + X[:, 1] * X[:, 2] + np.abs(X[:, 3])
    y = np.digitize(score, np.quantile(score, [0.2, 0.4, 0.6, 0.8]))
    return X, y


def estimator_epoch(X, y, embedding):
    """One warm-started epoch of DNNClassifier with ``feature_embedding=embedding``."""
    model = DNNClassifier(
        hidden_layer_sizes=HIDDEN,
        batch_size=BATCH,
        max_iter=1,
        tol=0.0,
        warm_start=True,
        random_state=0,
        dtype="float32",
        feature_embedding=embedding,
    )
    return lambda: model.fit(X, y)


def layer_epoch(X, layer):
    """Forward and backward of ``layer`` alone over every batch of ``X``."""
    backend = NumpyBackend()
    layer.fit(X, np.random.RandomState(0))
    host = layer.build(X.shape[1], 1, np.random.RandomState(0), np.float32, None)
    layer.bind(host, [np.zeros_like(p) for p in host], backend)
    layer.allocate(BATCH)
    dY = np.random.RandomState(1).standard_normal((BATCH, layer.n_out)).astype(np.float32)

    def run():
        for start in range(0, len(X) - BATCH + 1, BATCH):
            layer.forward(X[start : start + BATCH], True)
            layer.backward(dY, False)

    return run


def dense_epoch(X):
    """``X @ W`` and ``X.T @ dZ`` of the plain network's first layer over every batch."""
    rng = np.random.RandomState(0)
    W = rng.standard_normal((X.shape[1], HIDDEN[0])).astype(np.float32)
    Z = np.empty((BATCH, HIDDEN[0]), np.float32)
    dW = np.empty_like(W)

    def run():
        for start in range(0, len(X) - BATCH + 1, BATCH):
            xb = X[start : start + BATCH]
            np.matmul(xb, W, out=Z)
            np.matmul(xb.T, Z, out=dW)

    return run


def round_robin(calls: dict, repeats: int) -> dict:
    """Median seconds of each call, timed in turn, after one untimed call each."""
    for call in calls.values():
        call()
    times = {name: [] for name in calls}
    for _ in range(repeats):
        for name, call in calls.items():
            time.sleep(PAUSE)
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed calls per peer")
    args = parser.parse_args(argv)
    X, y = make_data()
    wired = "feature_embedding" in inspect.signature(DNNClassifier).parameters
    calls = {}
    if wired:
        for name, spec in [("plain", None), ("periodic", "periodic"),
                           ("piecewise_linear", "piecewise_linear")]:  # fmt: skip
            calls[name] = estimator_epoch(X, y, spec)
    calls["layer_dense"] = dense_epoch(X)
    calls["layer_periodic"] = layer_epoch(X, PeriodicEmbedding())
    calls["layer_piecewise_linear"] = layer_epoch(X, PiecewiseLinearEmbedding())
    with warnings.catch_warnings(), threadpool_limits(2):
        warnings.simplefilter("ignore", ConvergenceWarning)
        seconds = round_robin(calls, args.repeats)
    print(
        f"skdnn {skdnn.__version__}, numpy {np.__version__}, {N} x {N_FEATURES} float32, "
        f"hidden {HIDDEN}, batch {BATCH}, 2 threads, median of {args.repeats} epochs"
    )
    for name, s in seconds.items():
        print(f"{name:<26} {s:8.4f} s")
    if wired:
        for name in ("periodic", "piecewise_linear"):
            ratio = seconds[name] / seconds["plain"]
            met = "MET" if ratio <= 2 else "MISSED"
            target = f"    <= 2    {met}" if name == "periodic" else ""
            print(f"{name + '/plain':<26} {ratio:8.2f}{target}")
    return seconds


if __name__ == "__main__":
    main()
