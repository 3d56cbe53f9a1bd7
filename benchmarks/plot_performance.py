"""Plot epoch time against N and against width for skdnn and its peers.

Either runs the ``sweep`` workload of ``bench_cpu.py`` itself, or reads it from a JSON
file written by ``python benchmarks/bench_cpu.py --workload sweep --json PATH``, and saves
``docs/performance.png``.

Examples
--------
``python benchmarks/plot_performance.py --quick`` (about a minute on 2 cores),
``python benchmarks/plot_performance.py --json sweep.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the headless backend)
from matplotlib.ticker import NullFormatter  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_cpu  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LABELS = {
    "floor": "GEMM floor (numpy)",
    "skdnn": "skdnn DNNClassifier",
    "mlp": "sklearn MLPClassifier",
    "torch": "PyTorch (Adam)",
}
STYLES = {"floor": "k--", "skdnn": "C0o-", "mlp": "C1s-", "torch": "C2^-"}


def load_sweep(path: str | None, quick: bool) -> tuple[dict, dict]:
    """The sweep results and the environment they were measured in.

    Parameters
    ----------
    path : str or None
        JSON written by ``bench_cpu.py --workload sweep --json``; None runs the sweep now.
    quick : bool
        Use the quick sizes when running the sweep.

    Returns
    -------
    sweep : dict
        ``ns``, ``widths``, ``vs_n`` and ``vs_width`` (peer name to seconds per epoch).
    env : dict
        Versions and thread counts.
    """
    if path is None:
        results = bench_cpu.run(["sweep"], bench_cpu.QUICK if quick else bench_cpu.FULL, quick)
    else:
        with open(path) as f:
            results = json.load(f)
    if "sweep" not in results["workloads"]:
        raise SystemExit(f"{path} has no sweep: write it with bench_cpu.py --workload sweep")
    return results["workloads"]["sweep"], results["env"]


def plot(sweep: dict, env: dict, out: Path) -> None:
    """Draw seconds per epoch against N and against width, log-log, and save to ``out``.

    Parameters
    ----------
    sweep : dict
        As returned by :func:`load_sweep`.
    env : dict
        Printed in the figure title.
    out : Path
        Image path.
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    panels = (
        ("ns", "vs_n", "samples N (784 -> 512 -> 256 -> 10)"),
        ("widths", "vs_width", f"first hidden width w (w, w/2), N={sweep.get('width_n', '')}"),
    )
    for ax, (xkey, ykey, xlabel) in zip(axes, panels):
        for name, seconds in sweep[ykey].items():
            points = [(x, s) for x, s in zip(sweep[xkey], seconds) if s is not None]
            ax.plot(*zip(*points), STYLES.get(name, "-"), label=LABELS.get(name, name))
        ax.set(xscale="log", yscale="log", xlabel=xlabel, ylabel="seconds per epoch")
        ax.set_xticks(sweep[xkey], [str(x) for x in sweep[xkey]])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend()
    fig.suptitle(
        f"CPU training time, float32, Adam, batch 256 ({env['cpu_count']} cores, "
        f"skdnn {env['skdnn']}, sklearn {env['sklearn']}, torch {env['torch']})",
        fontsize=10,
    )
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")


def main(argv=None) -> None:
    """Entry point: load or run the sweep, then plot it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", metavar="PATH", help="read the sweep from this file")
    parser.add_argument("--quick", action="store_true", help="small sizes when running")
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance.png"))
    args = parser.parse_args(argv)
    sweep, env = load_sweep(args.json, args.quick)
    plot(sweep, env, Path(args.out))


if __name__ == "__main__":
    main()
