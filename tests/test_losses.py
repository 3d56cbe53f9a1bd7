"""The losses against finite differences, scikit-learn's log_loss and their formulas."""

import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn.metrics import log_loss

from skdnn import _links, losses

LOSSES = {"cross_entropy": losses.CrossEntropy, "mse": losses.MeanSquaredError}
#: (link, n_outputs): multiclass, binary, multilabel.
LINKS = [("softmax", 3), ("logistic", 1), ("logistic", 3)]
LINK_IDS = ["softmax-3", "logistic-1", "logistic-3"]


def _inputs(link, n_out, weighted, n=8, seed=0):
    """Logits, targets (one-hot rows for softmax, 0/1 columns otherwise) and weights."""
    rng = np.random.RandomState(seed)
    raw = rng.normal(0.0, 2.0, (n, n_out))
    if link == "softmax":
        Y = np.eye(n_out)[rng.randint(0, n_out, n)]
    else:
        Y = rng.randint(0, 2, (n, n_out)).astype(np.float64)
    sw = rng.uniform(0.2, 3.0, n) if weighted else None
    return raw, Y, sw


def _value(loss, raw, Y, sw, link):
    """The loss at ``raw`` (on a copy: the loss overwrites its input)."""
    value, _ = loss.value_and_gradient(raw.copy(), Y, sw, link, np)
    return float(value)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("link, n_out", LINKS, ids=LINK_IDS)
@pytest.mark.parametrize("name", LOSSES)
def test_gradient_matches_finite_differences(name, link, n_out, weighted):
    """d loss / d raw equals central differences in float64."""
    loss = LOSSES[name]()
    raw, Y, sw = _inputs(link, n_out, weighted)
    _, grad = loss.value_and_gradient(raw.copy(), Y, sw, link, np)
    grad = np.array(grad)
    h = 1e-6
    numeric = np.empty_like(raw)
    for i in np.ndindex(raw.shape):
        up, down = raw.copy(), raw.copy()
        up[i] += h
        down[i] -= h
        numeric[i] = (_value(loss, up, Y, sw, link) - _value(loss, down, Y, sw, link)) / (2 * h)
    assert grad.shape == raw.shape
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("link, n_out", LINKS, ids=LINK_IDS)
def test_cross_entropy_value_matches_sklearn_log_loss(link, n_out, weighted):
    """Softmax: log_loss of the labels; logistic: the sum of each column's log_loss."""
    raw, Y, sw = _inputs(link, n_out, weighted)
    value = _value(losses.CrossEntropy(), raw, Y, sw, link)
    if link == "softmax":
        expected = log_loss(
            Y.argmax(axis=1), softmax(raw, axis=1), sample_weight=sw, labels=range(n_out)
        )
    else:
        P = expit(raw)
        expected = sum(
            log_loss(Y[:, k], P[:, k], sample_weight=sw, labels=[0, 1]) for k in range(n_out)
        )
    assert value == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("link, n_out", LINKS, ids=LINK_IDS)
def test_mse_value_matches_formula(link, n_out, weighted):
    """Half the squared error, averaged over the outputs, weighted mean over the rows."""
    raw, Y, sw = _inputs(link, n_out, weighted)
    P = softmax(raw, axis=1) if link == "softmax" else expit(raw)
    expected = np.average(0.5 * ((P - Y) ** 2).mean(axis=1), weights=sw)
    assert _value(losses.MeanSquaredError(), raw, Y, sw, link) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name", LOSSES)
def test_unknown_link_raises(name):
    """A link that is neither softmax nor logistic is named in a ValueError."""
    raw, Y, _ = _inputs("softmax", 3, False)
    with pytest.raises(ValueError, match=r"needs the softmax or logistic link, got 'tanh'"):
        LOSSES[name]().value_and_gradient(raw, Y, None, "tanh", np)


def test_apply_link_is_the_links_module_function():
    """losses.apply_link stays public, as the one link function of skdnn._links."""
    assert losses.apply_link is _links.apply
    assert "apply_link" in losses.__all__


@pytest.mark.parametrize("link, n_out", LINKS, ids=LINK_IDS)
def test_cross_entropy_gradient_is_p_minus_y(link, n_out):
    """The fused softmax/logistic gradient is exactly (p - y) / n."""
    raw, Y, _ = _inputs(link, n_out, False, n=6, seed=1)
    P = _links.apply(raw.copy(), link, np)
    _, grad = losses.CrossEntropy().value_and_gradient(raw.copy(), Y, None, link, np)
    np.testing.assert_allclose(grad, (P - Y) / 6, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("link", ["softmax", "logistic"])
def test_losses_finite_for_huge_logits(dtype, link):
    raw = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]], dtype=dtype)
    Y = np.array([[0, 1, 0], [0, 1, 0]], dtype=dtype)
    for loss in (losses.CrossEntropy(), losses.MeanSquaredError()):
        value, grad = loss.value_and_gradient(raw.copy(), Y, None, link, np)
        assert np.isfinite(value) and np.all(np.isfinite(grad))
    P = _links.apply(raw.copy(), link, np)
    assert np.all(np.isfinite(P)) and np.all((P >= 0) & (P <= 1))


@pytest.mark.parametrize("link", ["softmax", "logistic"])
@pytest.mark.parametrize("loss", [losses.CrossEntropy(), losses.MeanSquaredError()])
def test_confident_logits_give_no_subnormal_gradients(loss, link):
    """Regression: exp() of confident logits underflowed into subnormal floats, and
    every later product on them ran many times slower (training slowed as it converged).
    """
    raw = np.array([[95.0, -95.0, 0.0], [-300.0, 300.0, 1.0]], dtype=np.float32)
    Y = np.array([[1, 0, 0], [0, 1, 0]], dtype=np.float32)
    value, grad = loss.value_and_gradient(raw.copy(), Y, None, link, np)
    tiny = np.finfo(np.float32).smallest_normal
    assert not np.any((grad != 0) & (np.abs(grad) < tiny))
    assert np.isfinite(value)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_squared_error_is_mlpregressors_for_one_output_and_sums_outputs(weighted):
    """One output: MLPRegressor's squared_loss. Several: the sum of the per-output
    losses, whose gradient (z - y) MLPRegressor follows."""

    def squared_loss(y, p, sw):  # scikit-learn 1.9's sklearn.neural_network._base
        return 0.5 * np.average((y - p) ** 2, weights=sw, axis=0).mean()

    rng = np.random.RandomState(0)
    raw, Y = rng.normal(size=(9, 3)), rng.normal(size=(9, 3))
    sw = rng.uniform(0.2, 3.0, 9) if weighted else None
    loss = losses.SquaredError()
    one, grad = loss.value_and_gradient(raw[:, :1].copy(), Y[:, :1], sw, "identity", np)
    np.testing.assert_allclose(float(one), squared_loss(Y[:, :1], raw[:, :1], sw), rtol=1e-12)
    share = (sw / sw.sum())[:, None] if weighted else 1 / 9
    np.testing.assert_allclose(grad, (raw[:, :1] - Y[:, :1]) * share, rtol=1e-12)
    three, _ = loss.value_and_gradient(raw.copy(), Y, sw, "identity", np)
    np.testing.assert_allclose(float(three), 3 * squared_loss(Y, raw, sw), rtol=1e-12)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_poisson_is_mlpregressors_half_deviance(weighted):
    from scipy.special import xlogy

    def poisson_loss(y, mu, sw):  # scikit-learn 1.9's sklearn.neural_network._base
        return np.average(xlogy(y, y / mu) - y + mu, weights=sw, axis=0).sum()

    rng = np.random.RandomState(0)
    raw = rng.normal(size=(9, 2))
    Y = rng.poisson(2.0, (9, 2)).astype(np.float64)
    Y[0, 0] = 0.0  # 0 log 0 = 0
    sw = rng.uniform(0.2, 3.0, 9) if weighted else None
    value, grad = losses.Poisson().value_and_gradient(raw.copy(), Y, sw, "exp", np)
    np.testing.assert_allclose(float(value), poisson_loss(Y, np.exp(raw), sw), rtol=1e-12)
    share = (sw / sw.sum())[:, None] if weighted else 1 / 9
    np.testing.assert_allclose(grad, (np.exp(raw) - Y) * share, rtol=1e-12)


@pytest.mark.parametrize(
    "name, link",
    [("squared_error", "softmax"), ("poisson", "identity"), ("cross_entropy", "identity")],
)
def test_a_loss_refuses_a_link_it_was_not_made_for(name, link):
    loss = losses.registry.resolve(name)
    with pytest.raises(ValueError, match="link"):
        loss.value_and_gradient(np.zeros((2, 1)), np.zeros((2, 1)), None, link, np)


def test_losses_say_which_task_they_suit():
    tasks = {name: losses.registry.resolve(name).tasks for name in losses.registry.names()}
    assert tasks == {
        "cross_entropy": ("classification",),
        "mse": ("classification",),
        "squared_error": ("regression",),
        "poisson": ("regression",),
    }
    assert losses.Poisson.regression_link == "exp"
    assert losses.SquaredError.regression_link == "identity"
