"""Time a packed ensemble on the CPU next to its floor and PyTorch, in one run.

The workload: 8 members, hidden layers (256, 256, 256) ReLU, batch 256, float32,
20,000 rows x 20 features, 4 classes, Adam. Peers, timed round-robin (one epoch each,
then again) so that a load spike on a shared machine hits all of them alike; a time is
the median of the timed epochs:

* ``floor``: the bare batched matrix products of one epoch at the ensemble's shapes
  (``np.matmul`` on ``(k, n, fan_in) @ (k, fan_in, fan_out)`` into preallocated
  buffers): per batch the forward products of the four layers, the four weight
  gradients and the input gradients of the last three layers;
* ``skdnn``: ``DNNClassifier(n_ensemble=8, ensemble="packed")``, a warm-started
  ``fit`` of one epoch per timed call;
* ``torch``: the same packed ensemble written in PyTorch as one batched network
  (weights ``(k, fan_in, fan_out)``, ``torch.matmul``/``baddbmm``, ReLU,
  ``cross_entropy`` over the ``k * n`` rows, ``torch.optim.Adam``), same loop.

Targets: skdnn / floor <= 1.3; skdnn faster than torch (torch / skdnn > 1).

Examples
--------
``python benchmarks/bench_ensemble.py`` (about a minute on 2 idle cores),
``python benchmarks/bench_ensemble.py --epochs 3 --rows 5000`` (a quick look).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skdnn import DNNClassifier

K, HIDDEN, BATCH, N_FEATURES, N_CLASSES = 8, (256, 256, 256), 256, 20, 4
PAUSE = 0.3  # let BLAS worker threads settle between peers


def data(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` rows of 20 float32 features and 4 classes from a fixed linear rule."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, N_FEATURES)).astype(np.float32)
    y = np.argmax(X[:, :N_CLASSES] + 0.5 * rng.normal(size=(n, N_CLASSES)), axis=1)
    return X, y


def floor_epoch(n: int):
    """One epoch of the bare batched products, into preallocated buffers."""
    sizes = [N_FEATURES, *HIDDEN, N_CLASSES]
    rng = np.random.RandomState(0)
    W = [rng.rand(K, a, b).astype(np.float32) for a, b in zip(sizes[:-1], sizes[1:])]
    acts = [np.empty((K, BATCH, b), np.float32) for b in sizes[1:]]
    dins = [np.empty((K, BATCH, a), np.float32) for a in sizes[1:-1]]
    grads = [np.empty_like(w) for w in W]
    X = rng.rand(BATCH, N_FEATURES).astype(np.float32)

    def epoch():
        for _ in range(n // BATCH):
            h = X
            for w, a in zip(W, acts):
                h = np.matmul(h, w, out=a)
            for i in range(len(W) - 1, -1, -1):
                prev = X.T if i == 0 else acts[i - 1].transpose(0, 2, 1)
                np.matmul(prev, acts[i], out=grads[i])
                if i > 0:
                    np.matmul(acts[i], W[i].transpose(0, 2, 1), out=dins[i - 1])

    return epoch


def skdnn_epoch(X: np.ndarray, y: np.ndarray):
    """A warm-started one-epoch ``fit`` of the packed ensemble."""
    clf = DNNClassifier(
        HIDDEN, n_ensemble=K, ensemble="packed", batch_size=BATCH, max_iter=1, tol=0,
        warm_start=True, random_state=0, dtype="float32",
    )  # fmt: skip

    def epoch():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)

    return epoch


def torch_epoch(X: np.ndarray, y: np.ndarray):
    """The same packed ensemble in PyTorch: batched weights, one network."""
    import torch

    torch.set_num_threads(int(os.environ.get("SKDNN_BENCH_THREADS", os.cpu_count() or 1)))
    torch.manual_seed(0)
    sizes = [N_FEATURES, *HIDDEN, N_CLASSES]
    Ws, bs = [], []
    for a, b in zip(sizes[:-1], sizes[1:]):
        bound = (6.0 / (a + b)) ** 0.5
        Ws.append(torch.nn.Parameter(torch.empty(K, a, b).uniform_(-bound, bound)))
        bs.append(torch.nn.Parameter(torch.zeros(K, 1, b)))
    opt = torch.optim.Adam([*Ws, *bs], lr=1e-3)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))

    def forward(xb):
        h = torch.matmul(xb, Ws[0]) + bs[0]  # (n, d) @ (k, d, h): every member
        for W, b in zip(Ws[1:], bs[1:]):
            h = torch.baddbmm(b, torch.relu(h), W)
        return h

    def epoch():
        order = torch.randperm(len(Xt))
        for start in range(0, len(Xt), BATCH):
            idx = order[start : start + BATCH]
            xb, yb = Xt[idx], yt[idx]
            out = forward(xb)
            loss = torch.nn.functional.cross_entropy(out.reshape(-1, N_CLASSES), yb.repeat(K))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

    return epoch


def run(rows: int, epochs: int, cpu_time: bool = False) -> dict:
    """Median seconds per epoch of every peer, timed round-robin (``cpu_time``: the
    process's CPU seconds, one thread everywhere)."""
    clock = time.process_time if cpu_time else time.perf_counter
    X, y = data(rows)
    peers = {"floor": floor_epoch(rows), "skdnn": skdnn_epoch(X, y), "torch": torch_epoch(X, y)}
    for epoch in peers.values():  # one untimed warm-up epoch each
        epoch()
    times: dict = {name: [] for name in peers}
    for _ in range(epochs):
        for name, epoch in peers.items():
            time.sleep(PAUSE)
            tic = clock()
            epoch()
            times[name].append(clock() - tic)
    return {name: statistics.median(t) for name, t in times.items()} | {"all": times}


def main() -> None:
    """Parse the options, run, print the table and the ratios against the targets."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=5, help="timed epochs per peer")
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="one thread everywhere (BLAS and torch), timed by the process's CPU seconds: "
        "steadier than wall time on a busy shared machine",
    )
    args = parser.parse_args()
    if args.cpu_time:
        import torch
        from threadpoolctl import threadpool_limits

        os.environ["SKDNN_BENCH_THREADS"] = "1"
        with threadpool_limits(1):
            torch.set_num_threads(1)
            result = run(args.rows, args.epochs, cpu_time=True)
    else:
        result = run(args.rows, args.epochs)
    clock = "CPU seconds, 1 thread" if args.cpu_time else "wall seconds"
    print(f"packed ensemble: k={K}, hidden={HIDDEN}, batch {BATCH}, float32, "
          f"{args.rows} x {N_FEATURES}, {args.epochs} timed epochs per peer, {clock}")  # fmt: skip
    for name in ("floor", "skdnn", "torch"):
        spread = ", ".join(f"{t:.3f}" for t in result["all"][name])
        print(f"  {name:6s} {result[name]:.3f} s/epoch (median; epochs: {spread})")
    ratio = result["skdnn"] / result["floor"]
    print(f"  skdnn / floor = {ratio:.2f}  (target <= 1.3: {'MET' if ratio <= 1.3 else 'MISSED'})")
    ratio = result["torch"] / result["skdnn"]
    print(f"  torch / skdnn = {ratio:.2f}  (target > 1: {'MET' if ratio > 1 else 'MISSED'})")


if __name__ == "__main__":
    main()
