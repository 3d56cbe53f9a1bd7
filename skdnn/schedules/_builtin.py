"""The built-in schedules: cosine, cosine after a linear warm-up, and RealMLP's coslog.

Each is a function of the progress ``t = step / total_steps`` in [0, 1).
"""

from __future__ import annotations

import math

from ._base import Schedule

__all__ = ["CosLog", "Cosine", "WarmupCosine"]


class Cosine(Schedule):
    """Cosine annealing from 1 to 0 over the run (Loshchilov & Hutter, 2017, no restart).

    ``multiplier = (1 + cos(pi t)) / 2`` with ``t = step / total_steps``: 1 at the
    first step, 1/2 halfway, and (towards) 0 at the end of the ``max_iter`` epochs.

    Examples
    --------
    >>> from skdnn.schedules import Cosine
    >>> [round(Cosine().multiplier(s, 4), 4) for s in range(5)]
    [1.0, 0.8536, 0.5, 0.1464, 0.0]
    """

    def multiplier(self, step: int, total_steps: int) -> float:
        """``(1 + cos(pi step / total_steps)) / 2``.

        Parameters
        ----------
        step, total_steps : int

        Returns
        -------
        float
        """
        return _cosine(step / total_steps)


class WarmupCosine(Schedule):
    """A linear warm-up over the first ``warmup`` share of the steps, then cosine.

    With ``w = max(1, round(warmup * total_steps))`` warm-up steps, step ``s < w``
    has the multiplier ``(s + 1) / w`` (so the first step already moves, and step
    ``w - 1`` reaches 1); after them, the cosine of :class:`Cosine` over the
    remaining steps: ``(1 + cos(pi (s - w) / (total_steps - w))) / 2``.

    Parameters
    ----------
    warmup : float, default=0.05
        Share of the run's steps spent warming up, in [0, 1). ``lr_schedule=
        "warmup_cosine"`` uses the default.

    Examples
    --------
    >>> from skdnn.schedules import WarmupCosine
    >>> sched = WarmupCosine(warmup=0.2)
    >>> [round(sched.multiplier(s, 10), 4) for s in range(10)]
    [0.5, 1.0, 1.0, 0.9619, 0.8536, 0.6913, 0.5, 0.3087, 0.1464, 0.0381]
    """

    def __init__(self, warmup: float = 0.05) -> None:
        self.warmup = warmup

    def multiplier(self, step: int, total_steps: int) -> float:
        """Linear warm-up, then cosine annealing.

        Parameters
        ----------
        step, total_steps : int

        Returns
        -------
        float
        """
        if not 0 <= self.warmup < 1:
            raise ValueError(
                f"WarmupCosine(warmup={self.warmup!r}): warmup is the share of the steps "
                "spent warming up; pass a number in [0, 1)."
            )
        w = max(1, round(self.warmup * total_steps))
        if step < w:
            return (step + 1) / w
        rest = total_steps - w
        return _cosine((step - w) / rest) if rest > 0 else 1.0


class CosLog(Schedule):
    """RealMLP's ``coslog`` schedule: cosine cycles evenly spaced in log time.

    ``multiplier = (1 - cos(2 pi log2(1 + (2**n_cycles - 1) t))) / 2`` with
    ``t = step / total_steps`` (Holzmüller et al., 2024, "Better by default: strong
    pre-tuned MLPs and boosted trees on tabular data"; pytabkit's ``"coslog4"`` is
    ``n_cycles=4``). It starts at 0 (so the first step does not move the weights),
    rises to 1 and falls back to 0 ``n_cycles`` times, each cycle twice as long as
    the one before, and ends at 0.

    Parameters
    ----------
    n_cycles : int, default=4
        Number of cycles over the run; ``lr_schedule="coslog4"`` uses 4.

    Examples
    --------
    >>> from skdnn.schedules import CosLog
    >>> sched = CosLog()
    >>> [round(sched.multiplier(s, 15), 4) for s in (0, 1, 3, 7)]  # cycle ends: 1 + 15 t = 2**k
    [0.0, 0.0, 0.0, 0.0]
    >>> round(sched.multiplier(1, 30), 4)  # t = 1/30: log2(1.5) = 0.585 of the first cycle
    0.9304
    """

    def __init__(self, n_cycles: int = 4) -> None:
        self.n_cycles = n_cycles

    def multiplier(self, step: int, total_steps: int) -> float:
        """``(1 - cos(2 pi log2(1 + (2**n_cycles - 1) step / total_steps))) / 2``.

        Parameters
        ----------
        step, total_steps : int

        Returns
        -------
        float
        """
        t = step / total_steps
        cycles = math.log2(1.0 + (2.0**self.n_cycles - 1.0) * t)
        return 0.5 * (1.0 - math.cos(2.0 * math.pi * cycles))


def _cosine(t: float) -> float:
    """``(1 + cos(pi t)) / 2``: from 1 at ``t = 0`` to 0 at ``t = 1``."""
    return 0.5 * (1.0 + math.cos(math.pi * t))
