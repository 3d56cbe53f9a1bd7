"""Each optimizer against updates computed by hand."""

import math

import numpy as np
import pytest

from skdnn import _kernels, optimizers


def _params():
    return [np.array([[1.0, -2.0], [0.5, 0.0]]), np.array([0.1, -0.1])]


GRADS = [
    [np.array([[0.2, -0.4], [1.0, 0.0]]), np.array([0.5, -1.0])],
    [np.array([[-0.1, 0.3], [0.2, 2.0]]), np.array([0.0, 0.25])],
]


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_updates(nesterov):
    opt = optimizers.SGD(learning_rate_init=0.1, momentum=0.9, nesterovs_momentum=nesterov)
    params = _params()
    state = opt.init(params, np)
    expected = [p.copy() for p in params]
    velocity = [np.zeros_like(p) for p in params]
    for grads in GRADS:
        opt.step(params, grads, state, np)
        for i, g in enumerate(grads):
            velocity[i] = 0.9 * velocity[i] - 0.1 * g
            if nesterov:
                expected[i] = expected[i] + 0.9 * velocity[i] - 0.1 * g
            else:
                expected[i] = expected[i] + velocity[i]
        for p, e in zip(params, expected):
            np.testing.assert_allclose(p, e, rtol=1e-14)
    # first step by hand for W[0, 0] = 1.0, g = 0.2: v = -0.02
    p0 = 1.0 + (0.9 * -0.02 - 0.02 if nesterov else -0.02)
    g1 = -0.1
    v1 = 0.9 * -0.02 - 0.1 * g1
    p1 = p0 + (0.9 * v1 - 0.1 * g1 if nesterov else v1)
    assert params[0][0, 0] == pytest.approx(p1, rel=1e-14)


def test_sgd_schedules():
    opt = optimizers.SGD(learning_rate_init=0.5, learning_rate="invscaling", power_t=0.5)
    state = opt.init(_params(), np)
    opt.end_epoch(state, n_seen=99)
    assert state["learning_rate"] == pytest.approx(0.5 / 10.0)

    constant = optimizers.SGD(learning_rate_init=0.5)
    state = constant.init(_params(), np)
    constant.end_epoch(state, n_seen=99)
    assert state["learning_rate"] == 0.5
    assert constant.on_plateau(state, verbose=False) is True

    adaptive = optimizers.SGD(learning_rate_init=0.5, learning_rate="adaptive")
    state = adaptive.init(_params(), np)
    assert adaptive.on_plateau(state, verbose=False) is False
    assert state["learning_rate"] == pytest.approx(0.1)
    state["learning_rate"] = 1e-6
    assert adaptive.on_plateau(state, verbose=False) is True


def test_adam_updates():
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.01
    opt = optimizers.Adam(learning_rate_init=lr, beta_1=b1, beta_2=b2, epsilon=eps)
    params = _params()
    state = opt.init(params, np)
    expected = [p.copy() for p in params]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    for t, grads in enumerate(GRADS, start=1):
        opt.step(params, grads, state, np)
        for i, g in enumerate(grads):
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            m_hat = m[i] / (1 - b1**t)
            v_hat = v[i] / (1 - b2**t)
            # the folded form used by sklearn: lr_t * m / (sqrt(v) + eps)
            lr_t = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
            expected[i] = expected[i] - lr_t * m[i] / (np.sqrt(v[i]) + eps)
            nz = v[i] > 0
            np.testing.assert_allclose(
                lr_t * m[i][nz] / np.sqrt(v[i][nz]), lr * m_hat[nz] / np.sqrt(v_hat[nz])
            )
        for p, e in zip(params, expected):
            np.testing.assert_allclose(p, e, rtol=1e-12)
    assert state["t"] == 2
    # The first Adam step moves every weight with a non-zero gradient by ~lr.
    first = _params()
    opt.step(first, GRADS[0], opt.init(first, np), np)
    moved = np.abs(first[0] - _params()[0])
    assert np.allclose(moved[GRADS[0][0] != 0], lr, rtol=1e-5)


def test_state_is_separate_from_settings():
    opt = optimizers.Adam()
    s1 = opt.init(_params(), np)
    s2 = opt.init(_params(), np)
    assert s1["ms"][0] is not s2["ms"][0]
    assert vars(opt) == vars(optimizers.Adam())


def _views(base):
    """Non-contiguous views of ``base``'s data: transposed, sliced, strided 1-D."""
    return {
        "transposed": base.T,
        "sliced": base[:, 1:4],  # no single stride walks it: reshape(-1) copies
        "strided-1d": base.reshape(-1)[::3],
    }


@pytest.mark.skipif(not _kernels.ENABLED, reason="Numba is not importable")
@pytest.mark.parametrize("view", ["transposed", "sliced", "strided-1d"])
@pytest.mark.parametrize("name", ["adam", "sgd"])
def test_fused_step_updates_a_non_contiguous_parameter(monkeypatch, name, view):
    """Regression: the fused step flattened a non-contiguous parameter with reshape(-1),
    which copies, so the kernel updated the copy and the parameter never changed."""
    monkeypatch.setattr(_kernels, "ENABLED", True)
    rng = np.random.RandomState(0)
    grads = [rng.standard_normal((4, 6)) for _ in range(3)]
    results = []
    for contiguous in (False, True):
        base = np.random.RandomState(1).standard_normal((4, 6))
        p = _views(base)[view]
        p = np.ascontiguousarray(p) if contiguous else p
        assert p.flags.c_contiguous == contiguous
        before = p.copy()
        opt = optimizers.registry.resolve(name, learning_rate_init=0.1)
        state = opt.init([p], np)
        sumsq = []
        for g in grads:
            g = np.ascontiguousarray(_views(g)[view])
            sumsq.append(float(opt.step([p], [g], state, np, l2=(0.1, 1))))
        assert not np.allclose(p, before)
        results.append((p.copy(), sumsq))
    (p_view, sq_view), (p_copy, sq_copy) = results
    np.testing.assert_allclose(p_view, p_copy, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(sq_view, sq_copy, rtol=1e-12)


def test_builtins_declare_that_they_fold_l2():
    """The built-ins take l2= and say so; the base class default says they do not."""
    assert optimizers.SGD.folds_l2 and optimizers.Adam.folds_l2
    assert optimizers.Optimizer.folds_l2 is False


def test_base_defaults():
    """end_epoch does nothing, on_plateau asks to stop."""

    class Minimal(optimizers.Optimizer):
        def init(self, params, xp):
            return {}

        def step(self, params, grads, state, xp, l2=None):
            return 0.0

    opt, state = Minimal(), {"learning_rate": 0.1}
    assert opt.end_epoch(state, 100) is None and state == {"learning_rate": 0.1}
    assert opt.on_plateau(state, verbose=True) is True
    with pytest.raises(TypeError, match="abstract"):
        type("NoStep", (optimizers.Optimizer,), {"init": Minimal.init})()
