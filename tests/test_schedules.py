"""The learning-rate schedules: their multipliers at known steps, and the registry."""

import math
import pickle

import numpy as np
import pytest

from skdnn import schedules
from skdnn.schedules import Cosine, CosLog, Schedule, WarmupCosine


def test_cosine_from_one_to_zero():
    sched = Cosine()
    assert sched.multiplier(0, 200) == 1.0
    assert sched.multiplier(100, 200) == pytest.approx(0.5, abs=1e-15)
    assert sched.multiplier(200, 200) == pytest.approx(0.0, abs=1e-15)
    # monotone decreasing over the run, symmetric about the half: m(s) + m(T - s) = 1
    values = [sched.multiplier(s, 200) for s in range(201)]
    assert all(a > b for a, b in zip(values, values[1:]))
    np.testing.assert_allclose(np.add(values, values[::-1]), 1.0, atol=1e-15)


def test_warmup_cosine_ramps_linearly_then_follows_the_cosine():
    sched = WarmupCosine(warmup=0.1)
    total, w = 200, 20  # 10% of 200 steps
    np.testing.assert_allclose(
        [sched.multiplier(s, total) for s in range(w)], np.arange(1, w + 1) / w
    )
    assert sched.multiplier(w, total) == 1.0  # the cosine starts at 1
    for s in (w, 60, 110, 199):
        expected = 0.5 * (1 + math.cos(math.pi * (s - w) / (total - w)))
        assert sched.multiplier(s, total) == pytest.approx(expected, rel=1e-15)
    assert sched.multiplier(w + (total - w) // 2, total) == pytest.approx(0.5)
    # the named default: 5% warm-up, at least one step
    assert schedules.registry.resolve("warmup_cosine").warmup == 0.05
    assert WarmupCosine(warmup=0.0).multiplier(0, 10) == 1.0
    assert WarmupCosine(warmup=0.5).multiplier(0, 1) == 1.0  # a one-step run


def test_warmup_out_of_range_names_itself():
    with pytest.raises(ValueError, match=r"WarmupCosine\(warmup=1.5\).*\[0, 1\)"):
        WarmupCosine(warmup=1.5).multiplier(0, 10)


def test_coslog4_is_realmlps_formula():
    sched = schedules.registry.resolve("coslog4")
    assert isinstance(sched, CosLog) and sched.n_cycles == 4
    total = 1000
    for s in (0, 1, 17, 66, 200, 333, 500, 999):
        t = s / total
        expected = 0.5 * (1 - np.cos(2 * np.pi * np.log2(1 + 15 * t)))
        assert sched.multiplier(s, total) == pytest.approx(expected, abs=1e-14)
    # starts at 0; 0 where 1 + 15 t is a power of 2 (the ends of the four cycles); peaks
    # of 1 halfway through each cycle in log time, where 1 + 15 t = 2 ** (k + 1/2)
    assert sched.multiplier(0, 15) == 0.0
    for s in (1, 3, 7):
        assert sched.multiplier(s, 15) == pytest.approx(0.0, abs=1e-15)
    for k in range(4):
        t = (2 ** (k + 0.5) - 1) / 15
        assert CosLog().multiplier(t * 1e6, 1e6) == pytest.approx(1.0)
    assert CosLog(n_cycles=1).multiplier(1, 2) == pytest.approx(
        0.5 * (1 - math.cos(2 * math.pi * math.log2(1.5)))
    )


def test_registry_names_and_unknown_name():
    assert schedules.registry.names() == ["cosine", "coslog4", "warmup_cosine"]
    assert schedules.registry.param == "lr_schedule"
    with pytest.raises(ValueError, match=r"Unknown lr_schedule 'linear'.*'cosine', 'coslog4'"):
        schedules.registry.resolve("linear")
    # a fresh object per name: callers never share one
    assert schedules.registry.resolve("cosine") is not schedules.registry.resolve("cosine")


def test_an_object_following_the_protocol_is_a_schedule():
    class Half:
        def multiplier(self, step, total_steps):
            return 0.5

    plugin = schedules.registry.resolve(Half())
    assert plugin.multiplier(3, 10) == 0.5
    with pytest.raises(TypeError, match="lr_schedule=.*lacks multiplier"):
        schedules.registry.resolve(object())


def test_public_names_pickle_and_compare():
    for cls in (Schedule, Cosine, WarmupCosine, CosLog):
        assert cls.__module__ == "skdnn.schedules"
    sched = WarmupCosine(warmup=0.2)
    assert pickle.loads(pickle.dumps(sched)) == sched
    assert sched != WarmupCosine(warmup=0.3) and sched != Cosine()
    assert repr(sched) == "WarmupCosine(warmup=0.2)"
    assert hash(CosLog(4)) == hash(CosLog(4))
