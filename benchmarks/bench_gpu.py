"""Time skdnn on a GPU next to PyTorch on the same GPU, and against skdnn on the CPU.

Workloads (float32, Adam, the wide net 784 -> 512 -> 256 -> 10):

* ``batch256``: seconds per epoch of ``DNNClassifier(backend=BACKEND)`` and of the same
  network in PyTorch on the same device (default Adam and ``fused=True``), batch 256;
  target skdnn/torch <= 1.25.
* ``batch4096``: skdnn on the GPU against skdnn's NumPy backend on this machine's CPU,
  batch 4096; target cpu/gpu >= 30.
* ``predict``: ``predict_proba`` on N x 784 rows already on the device, skdnn against
  PyTorch; target skdnn/torch <= 1.25.

Every GPU timing ends with a device synchronisation. Nothing is installed: CuPy (or
PyTorch with CUDA), NumPy and scikit-learn must be there. Without a usable backend the
script says so and exits 0. ``--backend torch --device cpu --quick`` runs the same code
on the CPU, as a smoke test.

Examples
--------
``python benchmarks/bench_gpu.py`` (full sizes), ``python benchmarks/bench_gpu.py --quick``.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
import warnings

import numpy as np
from bench_cpu import (
    N_FEATURES,
    WIDE,
    Net,
    make_data,
    print_table,
    ratio_check,
    time_rounds,
    timing_rows,
)
from sklearn.exceptions import ConvergenceWarning

from skdnn import DNNClassifier
from skdnn.backends import registry


def device_sync(backend_name: str):
    """A function that waits for the device's queued work (a no-op on the CPU).

    Parameters
    ----------
    backend_name : str
        ``"cupy"`` or ``"torch"``.

    Returns
    -------
    callable
    """
    syncs = []
    if backend_name == "cupy":
        import cupy

        syncs.append(cupy.cuda.runtime.deviceSynchronize)
    try:
        import torch

        if torch.cuda.is_available():
            syncs.append(torch.cuda.synchronize)
    except ImportError:
        pass
    return lambda: [s() for s in syncs]


def synced(call, sync):
    """``call`` followed by a device synchronisation (so its time is the device's)."""

    def run():
        call()
        sync()

    return run


def skdnn_epochs(X, y, batch_size: int, backend, sync):
    """A warm-started one-epoch ``fit`` of skdnn per call."""
    est = DNNClassifier(
        hidden_layer_sizes=WIDE,
        batch_size=batch_size,
        max_iter=1,
        warm_start=True,
        tol=0.0,
        n_iter_no_change=10**9,
        random_state=0,
        backend=backend,
    )

    def epoch():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X, y)

    return synced(epoch, sync)


def torch_epochs(X, y, batch_size: int, device: str, sync, fused: bool = False):
    """One epoch of the same network in PyTorch on ``device``, data already there."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    sizes = (N_FEATURES, *WIDE)
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    model = nn.Sequential(*layers, nn.Linear(sizes[-1], 10)).to(device)
    opt = torch.optim.Adam(model.parameters(), fused=True if fused else None)
    loss_fn = nn.CrossEntropyLoss()
    Xt = torch.as_tensor(X, device=device)
    yt = torch.as_tensor(y, device=device)

    def epoch():
        order = torch.randperm(len(Xt), device=device)
        for start in range(0, len(Xt), batch_size):
            idx = order[start : start + batch_size]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(Xt[idx]), yt[idx]).backward()
            opt.step()

    return synced(epoch, sync)


def bench_batch256(args, sync) -> dict:
    """skdnn on the device against PyTorch on the same device, batch 256."""
    net = Net(N_FEATURES, WIDE, 10)
    X, y = make_data(args.n, net)
    t = time_rounds(
        {
            "skdnn": lambda: skdnn_epochs(X, y, 256, args.backend_obj, sync),
            "torch": lambda: torch_epochs(X, y, 256, args.device, sync),
            "torch_fused": lambda: torch_epochs(X, y, 256, args.device, sync, fused=True),
        },
        args.repeats,
    )
    checks = [
        ratio_check(t, "skdnn", "torch", "<=", 1.25),
        ratio_check(t, "skdnn", "torch_fused", "<=", 1.25),
    ]
    return {"n": len(X), "timings": t, "rows": timing_rows(t) + checks}


def bench_batch4096(args, sync) -> dict:
    """skdnn on the device against skdnn's NumPy backend on this machine's CPU."""
    net = Net(N_FEATURES, WIDE, 10)
    X, y = make_data(args.n, net)
    t = time_rounds(
        {
            "skdnn_gpu": lambda: skdnn_epochs(X, y, 4096, args.backend_obj, sync),
            "skdnn_cpu": lambda: skdnn_epochs(X, y, 4096, "numpy", lambda: None),
        },
        args.cpu_repeats,
    )
    checks = [ratio_check(t, "skdnn_cpu", "skdnn_gpu", ">=", 30)]
    return {"n": len(X), "timings": t, "rows": timing_rows(t) + checks}


def bench_predict(args, sync) -> dict:
    """``predict_proba`` on rows already on the device: skdnn against PyTorch."""
    import torch
    from torch import nn

    net = Net(N_FEATURES, WIDE, 10)
    X, y = make_data(args.predict_n, net)
    fit_rows = slice(4096)
    be = args.backend_obj
    clf = DNNClassifier(hidden_layer_sizes=WIDE, max_iter=1, random_state=0, backend=be)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X[fit_rows], y[fit_rows])
    Xd = be.asarray(X, np.float32)

    sizes = (N_FEATURES, *WIDE, 10)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers).to(args.device).eval()
    Xt = torch.as_tensor(X, device=args.device)

    def torch_predict():
        with torch.inference_mode():
            torch.softmax(model(Xt), dim=1)

    t = time_rounds(
        {
            "skdnn": lambda: synced(functools.partial(clf.predict_proba, Xd), sync),
            "torch": lambda: synced(torch_predict, sync),
        },
        args.repeats,
    )
    checks = [ratio_check(t, "skdnn", "torch", "<=", 1.25)]
    return {"n": len(X), "timings": t, "rows": timing_rows(t) + checks}


WORKLOADS = {"batch256": bench_batch256, "batch4096": bench_batch4096, "predict": bench_predict}


def main(argv=None) -> int:
    """Parse arguments, run the workloads, print tables; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="cupy", help="skdnn backend (cupy, torch)")
    parser.add_argument("--device", default="cuda", help="PyTorch device of the peers")
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    parser.add_argument("--workload", action="append", choices=list(WORKLOADS))
    parser.add_argument("--json", help="write every number to this file")
    args = parser.parse_args(argv)

    backend = registry.resolve(args.backend)
    reason = backend.unavailable_reason() if hasattr(backend, "unavailable_reason") else ""
    if not backend.is_available():
        print(f"backend {args.backend!r} is not available here: {reason}; nothing measured.")
        return 0
    args.backend_obj = backend
    args.n = 15_000 if args.quick else 60_000
    args.predict_n = 20_000 if args.quick else 1_000_000
    args.repeats = 3 if args.quick else 5
    args.cpu_repeats = 1 if args.quick else 2
    sync = device_sync(args.backend)
    print(
        f"skdnn backend {args.backend}, torch device {args.device}, "
        f"{'quick' if args.quick else 'full'} mode"
    )
    results = {}
    for name in args.workload or list(WORKLOADS):
        tic = time.perf_counter()
        results[name] = WORKLOADS[name](args, sync)
        print_table(
            f"{name}, N={results[name]['n']} ({time.perf_counter() - tic:.0f} s)",
            results[name]["rows"],
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
