"""Tests of the focal loss and the initializers, on NumPy."""

import numpy as np
import pytest
from skdnn_focal import FocalLoss, LeCunNormal, Orthogonal

from skdnn.losses import CrossEntropy

LINKS = {"softmax": 4, "logistic": 3}  # link -> number of outputs


def inputs(link, weighted, seed=0):
    """Logits, targets and sample weights (or None) for 6 rows."""
    rng = np.random.RandomState(seed)
    n_out = LINKS[link]
    raw = rng.standard_normal((6, n_out)) * 2
    if link == "softmax":
        Y = np.eye(n_out)[rng.randint(0, n_out, 6)]
    else:
        Y = rng.randint(0, 2, (6, n_out)).astype(float)
    sw = rng.uniform(0.2, 2.0, 6) if weighted else None
    return raw, Y, sw


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 3.5])
@pytest.mark.parametrize("link", list(LINKS))
@pytest.mark.parametrize("weighted", [False, True])
def test_gradient_matches_central_differences(gamma, link, weighted):
    """The returned gradient is the derivative of the returned loss w.r.t. the logits."""
    raw, Y, sw = inputs(link, weighted)
    loss = FocalLoss(gamma=gamma)
    _, grad = loss.value_and_gradient(raw.copy(), Y, sw, link, np)
    eps = 1e-6
    numeric = np.empty_like(raw)
    for idx in np.ndindex(raw.shape):
        plus, minus = raw.copy(), raw.copy()
        plus[idx] += eps
        minus[idx] -= eps
        f_plus, _ = loss.value_and_gradient(plus, Y, sw, link, np)
        f_minus, _ = loss.value_and_gradient(minus, Y, sw, link, np)
        numeric[idx] = (f_plus - f_minus) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("link", list(LINKS))
@pytest.mark.parametrize("weighted", [False, True])
def test_gamma_zero_is_cross_entropy(link, weighted):
    """gamma=0 gives skdnn's cross-entropy: the same value and gradient p - y."""
    raw, Y, sw = inputs(link, weighted, seed=1)
    value, grad = FocalLoss(gamma=0.0).value_and_gradient(raw.copy(), Y, sw, link, np)
    ce_value, ce_grad = CrossEntropy().value_and_gradient(raw.copy(), Y, sw, link, np)
    np.testing.assert_allclose(value, ce_value, rtol=1e-12)
    np.testing.assert_allclose(grad, ce_grad, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("link", list(LINKS))
def test_focusing_down_weights_easy_rows(link):
    """A larger gamma lowers the loss, most for the rows already classified well."""
    raw, Y, _ = inputs(link, False, seed=2)
    values = [
        float(FocalLoss(gamma=g).value_and_gradient(raw.copy(), Y, None, link, np)[0])
        for g in (0.0, 1.0, 2.0)
    ]
    assert values[0] > values[1] > values[2] > 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("link", list(LINKS))
def test_extreme_logits_stay_finite(dtype, link):
    """Logits far beyond exp's range give a finite loss and gradient (no warning either:
    RuntimeWarnings are errors here), in the input's dtype."""
    raw, Y, _ = inputs(link, False, seed=3)
    raw[0, 0], raw[1, -1], raw[2] = 1e4, -1e4, 40.0
    value, grad = FocalLoss(gamma=0.5).value_and_gradient(
        raw.astype(dtype), Y.astype(dtype), None, link, np
    )
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    assert grad.dtype == dtype


def test_refuses_negative_gamma_and_other_links():
    """The errors name the offending value."""
    raw, Y, _ = inputs("softmax", False)
    with pytest.raises(ValueError, match=r"gamma >= 0, got gamma=-1"):
        FocalLoss(gamma=-1).value_and_gradient(raw, Y, None, "softmax", np)
    with pytest.raises(ValueError, match="got 'identity'"):
        FocalLoss().value_and_gradient(raw, Y, None, "identity", np)


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 5)])
def test_orthogonal_is_orthonormal(shape):
    """Columns (tall) or rows (wide) are orthonormal, scaled by gain; same rng, same draw."""
    fan_in, fan_out = shape
    W = Orthogonal(gain=2.0)(fan_in, fan_out, np.random.RandomState(0), np.float64)
    assert W.shape == shape
    gram = W.T @ W if fan_in >= fan_out else W @ W.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(min(shape)), atol=1e-12)
    again = Orthogonal(gain=2.0)(fan_in, fan_out, np.random.RandomState(0), np.float64)
    np.testing.assert_array_equal(W, again)


def test_lecun_normal_variance():
    """The weights have mean 0 and variance 1 / fan_in, in the asked dtype."""
    W = LeCunNormal()(500, 400, np.random.RandomState(0), np.float32)
    assert W.shape == (500, 400) and W.dtype == np.float32
    assert abs(W.mean()) < 3e-3
    assert W.var() * 500 == pytest.approx(1.0, rel=0.02)
