"""Time skdnn on the CPU next to its peers, in one process, and print the ratios.

Peers, measured in the order they are reported:

* ``floor``: the bare matrix products of one epoch (NumPy GEMMs at the network's shapes and
  dtype), the speed no implementation on this BLAS can beat;
* ``skdnn``: :class:`skdnn.DNNClassifier`, a warm-started ``fit`` of
  ``max_iter=epochs_per_call`` per timed call (training goes on from call to call);
* ``mlp``: :class:`sklearn.neural_network.MLPClassifier`, the same;
* ``torch`` / ``torch_fused``: a PyTorch ``nn.Sequential`` trained with ``Adam`` (default and
  ``fused=True``), the same minibatch loop, 2 threads.

Every peer is built and warmed up with one untimed epoch, then the peers' timed epochs run
round-robin (peer 1, peer 2, ..., peer 1, ...) so that a load spike on a shared machine hits
all of them alike; a time is the median over the timed epochs (the JSON also keeps the
minimum and every epoch). Each workload prints a table; ``--json PATH`` writes every number.

Examples
--------
``python benchmarks/bench_cpu.py --quick`` (every workload, under 2 minutes on 2 cores),
``python benchmarks/bench_cpu.py --workload wide --workload small --json bench.json``.
"""

from __future__ import annotations

import argparse
import functools
import json
import operator
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_info, threadpool_limits

import skdnn
from skdnn import DNNClassifier

MIB = 2**20
N_FEATURES = 784
WIDE = (512, 256)

# An epoch function runs one epoch over (X, y); a factory builds one from a network spec.
Epoch = Callable[[np.ndarray, np.ndarray], object]
# Seconds to wait before each timed call: OpenBLAS and OpenMP worker threads keep spinning
# for a while after their last job, and on few cores they would steal the next peer's time.
PAUSE = 0.3
# Epochs per timed call on the small workload, whose epochs last only milliseconds.
SMALL_PER_CALL = 10


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Config:
    """Problem sizes and repeat counts of one run.

    Attributes
    ----------
    wide_n, small_n, predict_n, float64_n, memory_n, threads_n : int
        Number of samples of each workload.
    scaling_ns : tuple of int
        Sample counts of the scaling workload; the largest is the reference.
    epochs : int
        Timed epochs per peer (wide, small) or timed calls (predict).
    few_epochs : int
        Timed epochs per peer of the slower workloads (float64, scaling, threads).
    sweep_ns, sweep_widths : tuple of int
        Sample counts and first-layer widths of the plotting sweep.
    sweep_width_n : int
        Sample count of the width sweep.
    """

    wide_n: int = 60_000
    small_n: int = 100_000
    predict_n: int = 60_000
    float64_n: int = 30_000
    memory_n: int = 60_000
    threads_n: int = 30_000
    scaling_ns: tuple[int, ...] = (15_000, 30_000, 60_000, 120_000)
    epochs: int = 5
    few_epochs: int = 3
    sweep_ns: tuple[int, ...] = (7_500, 15_000, 30_000, 60_000)
    sweep_widths: tuple[int, ...] = (128, 256, 512, 1024)
    sweep_width_n: int = 15_000


FULL = Config()
QUICK = replace(
    FULL,
    wide_n=15_000,
    small_n=20_000,
    predict_n=30_000,
    float64_n=5_000,
    memory_n=15_000,
    threads_n=7_500,
    scaling_ns=(7_500, 15_000, 30_000),
    epochs=3,
    few_epochs=3,
    sweep_ns=(2_500, 5_000, 10_000),
    sweep_widths=(64, 128, 256, 512),
    sweep_width_n=5_000,
)


@dataclass(frozen=True)
class Net:
    """Shape of the network every peer trains.

    Attributes
    ----------
    n_features : int
        Input width.
    hidden : tuple of int
        Hidden-layer widths.
    n_classes : int
        Number of classes.
    dtype : numpy dtype
        Precision of data and weights.
    batch_size : int
        Minibatch size.
    epochs_per_call : int
        Epochs each timed call runs (see :func:`time_peers`).
    """

    n_features: int
    hidden: tuple[int, ...]
    n_classes: int
    dtype: type = np.float32
    batch_size: int = 256
    epochs_per_call: int = 1


def make_data(n: int, net: Net, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian features labelled by a random linear teacher.

    Parameters
    ----------
    n : int
        Number of samples.
    net : Net
        Gives the number of features, of classes and the dtype.
    seed : int, default=0
        Seed of the generator.

    Returns
    -------
    X : ndarray of shape (n, net.n_features)
        C-contiguous features of ``net.dtype``, generated in that dtype (no float64 copy).
    y : ndarray of shape (n,)
        int64 labels in ``range(net.n_classes)``.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, net.n_features), dtype=net.dtype)
    teacher = rng.standard_normal((net.n_features, net.n_classes)).astype(net.dtype)
    return X, np.argmax(X @ teacher, axis=1).astype(np.int64)


# ----------------------------------------------------------------------------- peers


def make_floor(net: Net) -> Epoch:
    """The matrix products of one epoch alone, into preallocated buffers.

    Per batch: the forward products ``X @ W1``, ``H1 @ W2``, ``H2 @ W3``; the weight
    gradients ``H.T @ dZ`` of every layer; the input gradients ``dZ @ W.T`` of every layer
    but the first (nobody needs the gradient with respect to X).

    Parameters
    ----------
    net : Net
        Network shape and dtype.

    Returns
    -------
    epoch : callable
        ``epoch(X, y)`` runs the products over the contiguous batches of X.
    """
    rng = np.random.default_rng(0)
    sizes = (net.n_features, *net.hidden, net.n_classes)
    bs = net.batch_size

    def buf(*shape):
        return (0.01 * rng.standard_normal(shape)).astype(net.dtype)

    W = [buf(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
    dW = [np.empty_like(w) for w in W]
    H = [buf(bs, b) for b in sizes[1:]]  # layer outputs
    dZ = [buf(bs, b) for b in sizes[1:]]  # gradients w.r.t. layer pre-activations
    dH = [buf(bs, a) for a in sizes[1:-1]]  # gradients w.r.t. hidden outputs

    def epoch(X, y):
        for start in range(0, len(X), bs):
            xb = X[start : start + bs]
            m = len(xb)
            inputs = [xb] + [h[:m] for h in H[:-1]]
            for i, w in enumerate(W):
                np.matmul(inputs[i], w, out=H[i][:m])
            for i in reversed(range(len(W))):
                np.matmul(inputs[i].T, dZ[i][:m], out=dW[i])
                if i > 0:
                    np.matmul(dZ[i][:m], W[i].T, out=dH[i - 1][:m])

    return _repeat(epoch, net.epochs_per_call)


def _repeat(epoch: Epoch, times: int) -> Epoch:
    """``epoch`` run ``times`` times per call."""

    def epochs(X, y):
        for _ in range(times):
            epoch(X, y)

    return epochs


def _sklearn_params(net: Net) -> dict:
    """Constructor arguments shared by skdnn and MLPClassifier (no early stop)."""
    return dict(
        hidden_layer_sizes=net.hidden,
        batch_size=net.batch_size,
        max_iter=net.epochs_per_call,
        warm_start=True,
        tol=0.0,
        n_iter_no_change=10**9,
        shuffle=True,
        random_state=0,
    )


def _fit_epochs(est) -> Epoch:
    """A warm-started ``fit``: ``max_iter`` more epochs from where the last call ended."""

    def epochs(X, y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X, y)

    return epochs


def make_skdnn(net: Net, dropout: float = 0.0) -> Epoch:
    """``net.epochs_per_call`` epochs of :class:`skdnn.DNNClassifier` (warm-started fit).

    Parameters
    ----------
    net : Net
        Network shape and dtype.
    dropout : float, default=0.0
        The estimator's ``dropout``.

    Returns
    -------
    epoch : callable
        ``epoch(X, y)``.
    """
    est = DNNClassifier(**_sklearn_params(net), dtype=np.dtype(net.dtype).name, dropout=dropout)
    return _fit_epochs(est)


def make_mlp(net: Net) -> Epoch:
    """``net.epochs_per_call`` epochs of scikit-learn's MLPClassifier (warm-started fit).

    Parameters
    ----------
    net : Net
        Network shape (the dtype follows the data).

    Returns
    -------
    epoch : callable
        ``epoch(X, y)``.
    """
    return _fit_epochs(MLPClassifier(**_sklearn_params(net)))


def make_torch(net: Net, fused: bool = False) -> Epoch:
    """One epoch of a PyTorch MLP: shuffled minibatches, cross-entropy, Adam.

    Parameters
    ----------
    net : Net
        Network shape (float32 only).
    fused : bool, default=False
        Use ``torch.optim.Adam(fused=True)`` instead of the default implementation.

    Returns
    -------
    epoch : callable
        ``epoch(X, y)``; X is shared with NumPy, not copied.
    """
    import torch
    from torch import nn

    torch.manual_seed(0)
    sizes = (net.n_features, *net.hidden)
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    model = nn.Sequential(*layers, nn.Linear(sizes[-1], net.n_classes))
    opt = torch.optim.Adam(model.parameters(), fused=True if fused else None)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(0)

    def epoch(X, y):
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        order = torch.randperm(len(Xt), generator=gen)
        for start in range(0, len(Xt), net.batch_size):
            idx = order[start : start + net.batch_size]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(Xt[idx]), yt[idx]).backward()
            opt.step()

    return _repeat(epoch, net.epochs_per_call)


PEERS: dict[str, Callable[[Net], Epoch]] = {
    "floor": make_floor,
    "skdnn": make_skdnn,
    "mlp": make_mlp,
    "torch": make_torch,
    "torch_fused": lambda net: make_torch(net, fused=True),
}


# ---------------------------------------------------------------------------- timing


def time_rounds(makers: dict[str, Callable[[], Callable[[], object]]], repeats: int) -> dict:
    """Build and warm up each timed call once, then time them all round-robin.

    Interleaving the peers spreads a load spike of a shared machine over all of them
    instead of one, so their ratios stay meaningful. Each timed call starts after a
    :data:`PAUSE`, once the previous peer's idle threads have stopped spinning.

    Parameters
    ----------
    makers : dict
        Name to a function that builds the zero-argument call to time (one epoch, one
        prediction). Building and the warm-up call are not timed.
    repeats : int
        Number of timed calls of each.

    Returns
    -------
    timings : dict
        Name to ``{"seconds": median, "min": fastest, "all": [every call]}``, or to
        ``{"error": message}`` when building or warming up raised (a peer that cannot run
        here is reported, not fatal).
    """
    calls, timings = {}, {}
    for name, make in makers.items():
        try:
            calls[name] = make()
            calls[name]()
        except Exception as exc:
            calls.pop(name, None)
            timings[name] = {"error": f"{type(exc).__name__}: {exc}"}
    times = {name: [] for name in calls}
    for _ in range(repeats):
        for name, call in calls.items():
            time.sleep(PAUSE)
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    for name, ts in times.items():
        timings[name] = {"seconds": statistics.median(ts), "min": min(ts), "all": ts}
    return {name: timings[name] for name in makers}


def epoch_maker(factory: Callable[[Net], Epoch], net: Net, X, y, per_call: int = 1) -> Callable:
    """A maker for :func:`time_rounds`: builds the peer, returns ``per_call`` epochs."""
    net = replace(net, epochs_per_call=per_call)
    return lambda: functools.partial(factory(net), X, y)


def time_peers(names, net: Net, X, y, epochs: int, per_call: int = 1) -> dict:
    """Seconds per epoch of the named peers on the same data (see :func:`time_rounds`).

    Parameters
    ----------
    names : iterable of str
        Keys of :data:`PEERS`, in reporting order.
    net : Net
        Network shape.
    X, y : ndarray
        Training data.
    epochs : int
        Timed calls per peer.
    per_call : int, default=1
        Epochs per timed call. Short epochs run several to a call, so that waking
        up after :data:`PAUSE` (cold caches, sleeping threads: tens of milliseconds)
        is not counted as training time.

    Returns
    -------
    timings : dict
        Peer name to its timing dict.
    """
    timings = time_rounds({n: epoch_maker(PEERS[n], net, X, y, per_call) for n in names}, epochs)
    for t in timings.values():
        if "all" in t:
            t["all"] = [s / per_call for s in t["all"]]
            t["seconds"], t["min"] = statistics.median(t["all"]), min(t["all"])
    return timings


# --------------------------------------------------------------------------- reporting

OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le}


def check(name: str, ratio: float | None, op: str, target: float) -> dict:
    """A table row comparing ``ratio`` with ``target``.

    Parameters
    ----------
    name : str
        Row label, e.g. ``"mlp/skdnn"``.
    ratio : float or None
        Measured value; None when a peer was unavailable.
    op : {">=", ">", "<="}
        Comparison that must hold.
    target : float
        Threshold.

    Returns
    -------
    row : dict
        With ``status`` MET, MISSED or n/a.
    """
    status = "n/a" if ratio is None else ("MET" if OPS[op](ratio, target) else "MISSED")
    return {"name": name, "ratio": ratio, "target": f"{op} {target:g}", "status": status}


def ratio_check(timings: dict, num: str, den: str, op: str, target: float) -> dict:
    """:func:`check` of ``timings[num] / timings[den]`` (None if either one failed)."""
    a, b = timings[num].get("seconds"), timings[den].get("seconds")
    return check(f"{num}/{den}", None if a is None or b is None else a / b, op, target)


def timing_rows(timings: dict) -> list[dict]:
    """One table row per timed peer; a failed peer shows its error as status."""
    return [
        {"name": name, "seconds": t.get("seconds"), "status": t.get("error", "")}
        for name, t in timings.items()
    ]


COLUMNS = (
    ("name", 26, "{}"),
    ("seconds", 10, "{:.4f}"),
    ("peak_mib", 10, "{:.1f}"),
    ("ratio", 8, "{:.2f}"),
    ("target", 14, "{}"),
    ("status", 8, "{}"),
)


def print_table(title: str, rows: list[dict]) -> None:
    """Print rows as an aligned table; missing cells are blank.

    Parameters
    ----------
    title : str
        Heading line.
    rows : list of dict
        Keys among ``name, seconds, peak_mib, ratio, target, status``.
    """
    print(f"\n== {title}")
    print(" ".join(f"{c:<{w}}" for c, w, _ in COLUMNS).rstrip())
    for row in rows:
        cells = ("" if row.get(c) is None else f.format(row[c]) for c, _, f in COLUMNS)
        print(" ".join(f"{s:<{w}}" for s, (_, w, _) in zip(cells, COLUMNS)).rstrip())
    sys.stdout.flush()


# --------------------------------------------------------------------------- workloads


def bench_wide(cfg: Config) -> dict:
    """784 -> 512 -> 256 -> 10, float32, Adam, batch 256: every peer, per epoch."""
    net = Net(N_FEATURES, WIDE, 10)
    X, y = make_data(cfg.wide_n, net)
    t = time_peers(PEERS, net, X, y, cfg.epochs)
    checks = [
        ratio_check(t, "skdnn", "floor", "<=", 1.25),
        ratio_check(t, "mlp", "skdnn", ">=", 2),
        ratio_check(t, "torch", "skdnn", ">=", 1.5),
        ratio_check(t, "torch_fused", "skdnn", ">", 1),
    ]
    return {"n": len(X), "timings": t, "rows": timing_rows(t) + checks}


def bench_dropout(cfg: Config) -> dict:
    """The wide network with ``dropout=0.2`` on both hidden layers against without."""
    net = Net(N_FEATURES, WIDE, 10)
    X, y = make_data(cfg.wide_n, net)
    factories = {"skdnn": make_skdnn, "skdnn_dropout": functools.partial(make_skdnn, dropout=0.2)}
    t = time_rounds({n: epoch_maker(f, net, X, y) for n, f in factories.items()}, cfg.epochs)
    checks = [ratio_check(t, "skdnn_dropout", "skdnn", "<=", 1.15)]
    return {"n": len(X), "timings": t, "rows": timing_rows(t) + checks}


def bench_small(cfg: Config) -> dict:
    """32 -> 64 -> 64 -> 2, float32: per-batch overhead dominates the matrix products."""
    net = Net(32, (64, 64), 2)
    X, y = make_data(cfg.small_n, net)
    t = time_peers(["skdnn", "mlp", "torch"], net, X, y, cfg.epochs, per_call=SMALL_PER_CALL)
    checks = [ratio_check(t, "mlp", "skdnn", ">=", 3), ratio_check(t, "torch", "skdnn", ">=", 3)]
    return {"n": len(X), "timings": t, "rows": timing_rows(t) + checks}


def bench_predict(cfg: Config) -> dict:
    """``predict_proba`` of the wide net on float32 X (weights from a 1-epoch fit).

    Also timed: ``floor``, the forward matrix products alone (``X @ W1``, ``H1 @ W2``,
    ``H2 @ W3`` over all rows, into preallocated outputs), and ``mlp_f64``,
    MLPClassifier fitted and predicting on the same data as float64 (what it does with
    float64 input, scikit-learn's usual dtype), for information.
    """
    net = Net(N_FEATURES, WIDE, 10)
    X, y = make_data(cfg.predict_n, net)
    fit_rows = slice(4_096)  # the weights' values do not matter for the speed

    def maker(estimator, data):
        model = estimator(**_sklearn_params(net)).fit(data[fit_rows], y[fit_rows])
        return lambda: functools.partial(model.predict_proba, data)

    def floor():
        rng = np.random.default_rng(0)
        sizes = (N_FEATURES, *WIDE, 10)
        W = [rng.standard_normal((a, b), dtype=np.float32) for a, b in zip(sizes, sizes[1:])]
        H = [np.empty((len(X), b), dtype=np.float32) for b in sizes[1:]]

        def forward():
            A = X
            for w, h in zip(W, H):
                A = np.matmul(A, w, out=h)

        return forward

    X64 = X.astype(np.float64)
    t = time_rounds(
        {
            "floor": floor,
            "skdnn": maker(DNNClassifier, X),
            "mlp": maker(MLPClassifier, X),
            "mlp_f64": maker(MLPClassifier, X64),
        },
        cfg.epochs,
    )
    return {
        "n": len(X),
        "timings": t,
        "rows": timing_rows(t)
        + [
            ratio_check(t, "skdnn", "floor", "<=", 1.25),
            ratio_check(t, "mlp", "skdnn", ">=", 2),
            ratio_check(t, "mlp_f64", "skdnn", ">=", 2),
        ],
    }


def bench_float64(cfg: Config) -> dict:
    """The wide workload in float64: ``DNNClassifier(dtype="float64")`` vs MLPClassifier."""
    net = Net(N_FEATURES, WIDE, 10, dtype=np.float64)
    X, y = make_data(cfg.float64_n, net)
    t = time_peers(["skdnn", "mlp"], net, X, y, cfg.few_epochs)
    return {
        "n": len(X),
        "timings": t,
        "rows": timing_rows(t) + [ratio_check(t, "mlp", "skdnn", ">=", 1.5)],
    }


def _peak_rss() -> int:
    """Peak resident set size of this process in bytes (Linux VmHWM, else ru_maxrss)."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM"))
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def memory_child(n: int, early_stopping: bool) -> None:
    """Fit skdnn once on wide float32 data and print the peak RSS growth as JSON.

    Runs in a fresh interpreter so that nothing measured before pollutes the peak. The
    baseline is read after X exists; on Linux the peak is first reset to the current RSS.

    Parameters
    ----------
    n : int
        Number of samples.
    early_stopping : bool
        Passed to :class:`skdnn.DNNClassifier`.
    """
    X, y = make_data(n, Net(N_FEATURES, WIDE, 10))
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset VmHWM to the current RSS
    except OSError:
        pass
    before = _peak_rss()
    params = dict(_sklearn_params(Net(N_FEATURES, WIDE, 10)), early_stopping=early_stopping)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        DNNClassifier(**params).fit(X, y)
    seconds = time.perf_counter() - start
    print(json.dumps({"growth": _peak_rss() - before, "nbytes": X.nbytes, "seconds": seconds}))


def bench_memory(cfg: Config) -> dict:
    """Peak RSS growth of a 1-epoch skdnn fit, each case in a fresh subprocess."""
    cases = {"fit": (False, 0.25, 64), "fit early_stopping": (True, 1.0, 64)}
    rows, results = [], {}
    for name, (early, share, slack_mib) in cases.items():
        args = [sys.executable, __file__, "--memory-child", str(cfg.memory_n), str(int(early))]
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
        r = results[name] = json.loads(out.strip().splitlines()[-1])
        limit = share * r["nbytes"] + slack_mib * MIB
        r["limit"] = limit
        row = check(name, r["growth"] / r["nbytes"], "<=", limit / r["nbytes"])
        row.update(
            seconds=r["seconds"], peak_mib=r["growth"] / MIB, target=f"<= {limit / MIB:.0f} MiB"
        )
        rows.append(row)
    rows.append({"name": f"(X.nbytes {r['nbytes'] / MIB:.0f} MiB; ratio = growth/X.nbytes)"})
    return {"n": cfg.memory_n, "cases": results, "rows": rows}


def bench_scaling(cfg: Config) -> dict:
    """skdnn epoch time against N; deviation from proportional to the largest N."""
    net = Net(N_FEATURES, WIDE, 10)
    X, y = make_data(max(cfg.scaling_ns), net)
    makers = {n: epoch_maker(make_skdnn, net, X[:n], y[:n]) for n in cfg.scaling_ns}
    t = time_rounds(makers, cfg.few_epochs)
    ref = max(cfg.scaling_ns)
    rows = []
    for n in cfg.scaling_ns:
        expected = t[ref]["seconds"] * n / ref
        deviation = abs(t[n]["seconds"] / expected - 1)
        rows.append(dict(check(f"skdnn N={n}", deviation, "<=", 0.15), seconds=t[n]["seconds"]))
    rows.append({"name": f"(ratio = |t / (t_{ref} * N/{ref}) - 1|)"})
    return {"timings": {str(n): v for n, v in t.items()}, "rows": rows}


def blas_threads() -> list[dict]:
    """The BLAS libraries loaded in this process and their thread counts."""
    return [
        {k: d.get(k) for k in ("internal_api", "num_threads", "version", "filepath")}
        for d in threadpool_info()
        if d["user_api"] == "blas"
    ]


def bench_threads(cfg: Config) -> dict:
    """skdnn uses every core, and ``threadpool_limits(1)`` is respected."""
    net = Net(N_FEATURES, WIDE, 10)
    X, y = make_data(cfg.threads_n, net)
    epoch = make_skdnn(net)

    def limited():
        with threadpool_limits(1):
            epoch(X, y)

    makers = {"skdnn": lambda: functools.partial(epoch, X, y), "skdnn limit 1": lambda: limited}
    t = time_rounds(makers, cfg.few_epochs)
    blas = blas_threads()
    rows = timing_rows(t) + [ratio_check(t, "skdnn limit 1", "skdnn", ">=", 1.2)]
    cores = os.cpu_count() or 1
    for lib in blas:
        owner = os.path.basename(os.path.dirname(lib["filepath"] or "?"))  # e.g. numpy.libs
        rows.append(check(f"{owner} BLAS threads", lib["num_threads"], ">=", cores))
    return {"n": len(X), "cpu_count": cores, "blas": blas, "timings": t, "rows": rows}


def _sweep_axis(names, points, epochs: int) -> dict:
    """Seconds per epoch of each named peer at each ``(net, X, y)`` point."""
    out = {name: [] for name in names}
    for net, X, y in points:
        t = time_peers(names, net, X, y, epochs)
        for name in names:
            out[name].append(t[name].get("seconds"))
    return out


def sweep(cfg: Config) -> dict:
    """Epoch time of floor, skdnn, MLPClassifier and torch against N and against width.

    The N sweep uses the wide net; the width sweep hidden layers ``(w, w // 2)`` at
    ``cfg.sweep_width_n`` samples. Used by ``plot_performance.py``.

    Parameters
    ----------
    cfg : Config
        Gives ``sweep_ns``, ``sweep_widths``, ``sweep_width_n`` and ``few_epochs``.

    Returns
    -------
    result : dict
        ``ns``, ``widths``, ``width_n``, and ``vs_n`` / ``vs_width``: peer name to a list
        of seconds per epoch (None where the peer failed).
    """
    names = ["floor", "skdnn", "mlp", "torch"]
    m = cfg.sweep_width_n
    X, y = make_data(max(*cfg.sweep_ns, m), Net(N_FEATURES, WIDE, 10))
    by_n = [(Net(N_FEATURES, WIDE, 10), X[:n], y[:n]) for n in cfg.sweep_ns]
    by_width = [(Net(N_FEATURES, (w, w // 2), 10), X[:m], y[:m]) for w in cfg.sweep_widths]
    out = {
        "ns": list(cfg.sweep_ns),
        "widths": list(cfg.sweep_widths),
        "width_n": m,
        "vs_n": _sweep_axis(names, by_n, cfg.few_epochs),
        "vs_width": _sweep_axis(names, by_width, cfg.few_epochs),
    }
    rows = []
    for axis, key in (("vs_n", "ns"), ("vs_width", "widths")):
        rows.append({"name": f"{axis}: {key}", "status": " ".join(map(str, out[key]))})
        for name, seconds in out[axis].items():
            text = " ".join("-" if s is None else f"{s:.3f}" for s in seconds)
            rows.append({"name": f"{axis}: {name}", "status": text})
    return dict(out, rows=rows)


WORKLOADS: dict[str, Callable[[Config], dict]] = {
    "wide": bench_wide,
    "dropout": bench_dropout,
    "small": bench_small,
    "predict": bench_predict,
    "float64": bench_float64,
    "memory": bench_memory,
    "scaling": bench_scaling,
    "threads": bench_threads,
    "sweep": sweep,
}
DEFAULT_WORKLOADS = [w for w in WORKLOADS if w != "sweep"]


# -------------------------------------------------------------------------------- main


def environment(quick: bool) -> dict:
    """Versions, core count and BLAS threads, recorded with the numbers."""
    import torch

    return {
        "quick": quick,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "skdnn": skdnn.__version__,
        "blas": blas_threads(),
    }


def run(names, cfg: Config, quick: bool = False) -> dict:
    """Run the named workloads in order, printing each table as it completes.

    Parameters
    ----------
    names : list of str
        Keys of :data:`WORKLOADS`.
    cfg : Config
        Problem sizes.
    quick : bool, default=False
        Recorded in the environment block.

    Returns
    -------
    results : dict
        ``{"env": ..., "config": ..., "workloads": {name: result}}``.
    """
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    results = {"env": environment(quick), "config": asdict(cfg), "workloads": {}}
    print(
        f"skdnn {skdnn.__version__}, numpy {np.__version__}, sklearn {sklearn.__version__}, "
        f"torch {torch.__version__} ({torch.get_num_threads()} threads), "
        f"{os.cpu_count()} cores, {'quick' if quick else 'full'} mode"
    )
    for name in names:
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            result = WORKLOADS[name](cfg)
        result["wall_seconds"] = time.perf_counter() - start
        results["workloads"][name] = result
        size = f", N={result['n']}" if "n" in result else ""
        print_table(f"{name}{size} ({result['wall_seconds']:.0f} s)", result["rows"])
    return results


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line options (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, under 2 minutes")
    parser.add_argument(
        "--workload",
        action="append",
        choices=list(WORKLOADS),
        help="run only this workload (repeatable); default: all but sweep",
    )
    parser.add_argument("--json", metavar="PATH", help="write every number to this file")
    parser.add_argument("--memory-child", nargs=2, type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None) -> None:
    """Entry point: parse options, run the workloads, optionally write JSON."""
    args = parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child[0], bool(args.memory_child[1]))
        return
    start = time.perf_counter()
    results = run(args.workload or DEFAULT_WORKLOADS, QUICK if args.quick else FULL, args.quick)
    results["wall_seconds"] = time.perf_counter() - start
    print(f"\ntotal {results['wall_seconds']:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
