"""lr_schedule, weight_decay and label_smoothing: exact updates, the fit's budget of
steps, the targets the network sees, and the combinations refused."""

import math

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.utils._param_validation import InvalidParameterError

from skdnn import _scoring, losses, optimizers
from skdnn._training_tools import ScheduledOptimizer, smooth_labels
from skdnn.schedules import Cosine, Schedule
from tests._helpers import BACKEND, DNNClassifier, DNNRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X, y = make_classification(n_samples=60, n_features=5, n_classes=3, n_informative=3, random_state=0)
XR, yR = make_regression(n_samples=50, n_features=4, random_state=0)
SMALL = dict(hidden_layer_sizes=(7,), max_iter=4, random_state=0, batch_size=16)


class Recorder(Schedule):
    """A schedule that remembers every (step, total_steps) it was asked about."""

    def __init__(self, value=1.0):
        self.value = value
        self.calls = []

    def multiplier(self, step, total_steps):
        self.calls.append((step, total_steps))
        return self.value


class Constant(Schedule):
    def __init__(self, value):
        self.value = value

    def multiplier(self, step, total_steps):
        return self.value


# ------------------------------------------------------------ exact updates


def _params():
    rng = np.random.RandomState(0)
    return [rng.normal(size=(3, 2)), rng.normal(size=2)]


def _grads(t):
    rng = np.random.RandomState(t + 1)
    return [rng.uniform(0.1, 1.0, size=(3, 2)), rng.uniform(-1.0, -0.1, size=2)]


def test_adamw_step_by_hand():
    lr, wd, m_t = 0.01, 0.5, 0.25
    opt = ScheduledOptimizer(optimizers.Adam(learning_rate_init=lr), Constant(m_t), wd, 10, 1)
    params = _params()
    W0, b0 = (p.copy() for p in params)
    state = opt.init(params, np)
    g = _grads(0)
    opt.step(params, g, state, np)
    assert "lr_multiplier" not in state  # the stored state stays Adam's own
    # t = 1: m = 0.1 g, v = 0.001 g^2, lr_1 = lr m_t sqrt(0.001) / 0.1,
    # step = lr_1 m / (sqrt(v) + eps); the weights decay by lr m_t wd first
    lr1 = lr * m_t * math.sqrt(1 - 0.999) / (1 - 0.9)
    step = [lr1 * 0.1 * gi / (np.sqrt(0.001 * gi * gi) + 1e-8) for gi in g]
    np.testing.assert_allclose(params[0], W0 * (1 - lr * m_t * wd) - step[0], rtol=1e-13)
    np.testing.assert_allclose(params[1], b0 - step[1], rtol=1e-13)  # biases: no decay


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgdw_steps_by_hand(nesterov):
    lr, mu, wd = 0.1, 0.9, 0.3
    sched = Recorder(0.5)
    sgd = optimizers.SGD(learning_rate_init=lr, momentum=mu, nesterovs_momentum=nesterov)
    opt = ScheduledOptimizer(sgd, sched, wd, 7, 1)
    params = _params()
    expected = [p.copy() for p in params]
    vel = [np.zeros_like(p) for p in params]
    state = opt.init(params, np)
    for t in range(3):
        g = _grads(t)
        opt.step(params, g, state, np)
        lr_t = lr * 0.5
        for i in range(2):
            decayed = expected[i] * (1 - lr_t * wd) if i == 0 else expected[i]
            vel[i] = mu * vel[i] - lr_t * g[i]
            expected[i] = decayed + (mu * vel[i] - lr_t * g[i] if nesterov else vel[i])
        for p, e in zip(params, expected):
            np.testing.assert_allclose(p, e, rtol=1e-13)
    assert sched.calls == [(0, 7), (1, 7), (2, 7)]
    assert state["learning_rate"] == lr  # the schedule does not touch SGD's own rate


def test_matches_torch_adamw_under_a_schedule():
    torch = pytest.importorskip("torch")
    lr, wd, total = 0.05, 0.2, 6
    sched = Cosine()
    # eps=0: torch divides by sqrt(v_hat) + eps, skdnn (scikit-learn) by sqrt(v) + eps
    opt = ScheduledOptimizer(
        optimizers.Adam(learning_rate_init=lr, epsilon=0.0), sched, wd, total, 1
    )
    params = _params()
    state = opt.init(params, np)
    W, b = (torch.tensor(p.copy(), requires_grad=True) for p in _params())
    ref = torch.optim.AdamW(
        [{"params": [W], "weight_decay": wd}, {"params": [b], "weight_decay": 0.0}], lr=lr, eps=0.0
    )
    lam = torch.optim.lr_scheduler.LambdaLR(ref, lambda s: sched.multiplier(s, total))
    for t in range(total):
        g = _grads(t)
        opt.step(params, g, state, np)
        W.grad, b.grad = torch.tensor(g[0]), torch.tensor(g[1])
        ref.step()
        lam.step()
        np.testing.assert_allclose(params[0], W.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(params[1], b.detach().numpy(), rtol=1e-12)


def test_decay_keeps_the_l2_gradient_at_the_weights_before_it():
    """alpha beside weight_decay: the penalty's gradient is alpha W at the old weights,
    added by the network (not folded into the step, which would see decayed weights)."""
    adam = optimizers.Adam()
    assert ScheduledOptimizer(adam, None, 0.1, 5, 1).folds_l2 is False
    assert ScheduledOptimizer(adam, Cosine(), 0.0, 5, 1).folds_l2 is True


# ------------------------------------------------------------ through fit


def _weights(est):
    return [*est.coefs_, *est.intercepts_]


def test_defaults_are_bitwise_today():
    base = DNNClassifier(**SMALL).fit(X, y)
    same = DNNClassifier(**SMALL, lr_schedule=None, weight_decay=0.0, label_smoothing=0.0)
    for a, b in zip(_weights(base), _weights(same.fit(X, y))):
        np.testing.assert_array_equal(a, b)
    # a schedule of 1 everywhere takes the wrapped path and still changes no bit
    ones = DNNClassifier(**SMALL, lr_schedule=Constant(1.0)).fit(X, y)
    for a, b in zip(_weights(base), _weights(ones)):
        np.testing.assert_array_equal(a, b)
    assert base.loss_curve_ == ones.loss_curve_
    reg = DNNRegressor(**SMALL).fit(XR, yR)
    reg1 = DNNRegressor(**SMALL, lr_schedule=Constant(1.0), weight_decay=0.0, solver="sgd")
    reg0 = DNNRegressor(**SMALL, solver="sgd").fit(XR, yR)
    for a, b in zip(_weights(reg0), _weights(reg1.fit(XR, yR))):
        np.testing.assert_array_equal(a, b)
    assert reg.n_iter_ == 4


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_a_constant_multiplier_is_a_scaled_learning_rate(solver):
    scaled = DNNClassifier(**SMALL, solver=solver, learning_rate_init=0.004 * 0.25).fit(X, y)
    sched = DNNClassifier(
        **SMALL, solver=solver, learning_rate_init=0.004, lr_schedule=Constant(0.25)
    ).fit(X, y)
    for a, b in zip(_weights(scaled), _weights(sched)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_the_budget_is_max_iter_epochs_of_minibatches():
    sched = Recorder()
    est = DNNClassifier(**{**SMALL, "max_iter": 3}, lr_schedule=sched).fit(
        X, y
    )  # 60 rows, 16 a batch
    assert sched.calls == [(s, 3 * 4) for s in range(12)]
    # warm_start: a new schedule over the new call's own max_iter
    sched.calls.clear()
    est.set_params(warm_start=True, max_iter=2).fit(X, y)
    assert sched.calls == [(s, 2 * 4) for s in range(8)]
    # early stopping: the budget counts the training rows only, and may stop early
    sched.calls.clear()
    DNNClassifier(
        **{**SMALL, "max_iter": 50},
        lr_schedule=sched,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=1,
        tol=1.0,
    ).fit(X, y)
    steps = sched.calls
    assert steps[0] == (0, 50 * 3) and len(steps) < 50 * 3  # 48 training rows: 3 batches


def test_a_zero_multiplier_freezes_the_weights_decay_included():
    frozen = DNNClassifier(**SMALL, lr_schedule=Constant(0.0), weight_decay=10.0)
    start = DNNClassifier(**{**SMALL, "max_iter": 1}, lr_schedule=Constant(0.0)).fit(X, y)
    for a, b in zip(_weights(start), _weights(frozen.fit(X, y))):
        np.testing.assert_array_equal(a, b)


def test_weight_decay_shrinks_the_weights_not_the_biases():
    plain = DNNRegressor(**SMALL, solver="sgd", learning_rate_init=0.01, momentum=0.0).fit(XR, yR)
    decayed = DNNRegressor(
        **SMALL, solver="sgd", learning_rate_init=0.01, momentum=0.0, weight_decay=5.0
    ).fit(XR, yR)
    assert sum(np.sum(W**2) for W in decayed.coefs_) < sum(np.sum(W**2) for W in plain.coefs_)


def test_weight_decay_with_partial_fit():
    est = DNNClassifier(**SMALL, weight_decay=0.5)
    est.partial_fit(X, y, classes=np.unique(y)).partial_fit(X, y)
    assert len(est.loss_curve_) == 2 and "lr_multiplier" not in est._optimizer_state


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_deterministic_per_random_state(solver):
    kw = dict(**SMALL, solver=solver, lr_schedule="warmup_cosine", weight_decay=0.1)
    a = DNNClassifier(**kw, label_smoothing=0.1).fit(X, y)
    b = DNNClassifier(**kw, label_smoothing=0.1).fit(X, y)
    for u, v in zip(_weights(a), _weights(b)):
        np.testing.assert_array_equal(u, v)
    r1, r2 = (DNNRegressor(**kw).fit(XR, yR) for _ in range(2))
    for u, v in zip(_weights(r1), _weights(r2)):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("name", ["cosine", "warmup_cosine", "coslog4"])
def test_each_schedule_trains(name):
    est = DNNClassifier(
        hidden_layer_sizes=(16,),
        max_iter=60,
        learning_rate_init=0.02,
        random_state=0,
        lr_schedule=name,
    ).fit(X, y)
    assert est.score(X, y) > 0.8
    reg = DNNRegressor(
        hidden_layer_sizes=(16,),
        max_iter=60,
        learning_rate_init=0.02,
        random_state=0,
        lr_schedule=name,
    ).fit(XR, yR)
    assert reg.loss_curve_[-1] < reg.loss_curve_[0]


# ------------------------------------------------------------ label smoothing


def test_smooth_labels_formula():
    Y = np.eye(4)[[0, 3]]
    np.testing.assert_allclose(smooth_labels(Y, 0.2, "softmax"), Y * 0.8 + 0.05)
    np.testing.assert_allclose(smooth_labels(Y, 0.2, "softmax").sum(axis=1), 1.0)
    np.testing.assert_allclose(smooth_labels(Y, 0.2, "logistic"), Y * 0.8 + 0.1)
    assert smooth_labels(Y, 0.0, "softmax") is Y
    assert smooth_labels(Y.astype(np.float32), 0.1, "softmax").dtype == np.float32


@pytest.mark.parametrize("link", ["softmax", "logistic"])
def test_smoothed_cross_entropy_gradient_by_central_differences(link):
    rng = np.random.RandomState(0)
    raw = rng.normal(size=(5, 3))
    Y = smooth_labels(np.eye(3)[rng.randint(0, 3, 5)], 0.3, link)
    sw = rng.uniform(0.5, 2.0, 5)
    loss = losses.CrossEntropy()
    _, grad = loss.value_and_gradient(raw.copy(), Y, sw, link, np)
    h, fd = 1e-6, np.empty_like(raw)
    for idx in np.ndindex(raw.shape):
        up, down = raw.copy(), raw.copy()
        up[idx] += h
        down[idx] -= h
        fd[idx] = (
            loss.value_and_gradient(up, Y, sw, link, np)[0]
            - loss.value_and_gradient(down, Y, sw, link, np)[0]
        ) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-9)


def _fixed_init(fan_in, fan_out, rng, dtype):
    return (
        np.random.RandomState(fan_in * 10 + fan_out).normal(0, 0.5, (fan_in, fan_out)).astype(dtype)
    )


@pytest.mark.parametrize("target", ["multiclass", "binary", "multilabel"])
def test_the_loss_curve_reports_the_smoothed_loss(target):
    eps = 0.2
    yt = {"multiclass": y, "binary": y % 2, "multilabel": np.eye(3, dtype=int)[y]}[target]
    est = DNNClassifier(
        hidden_layer_sizes=(4,),
        activation="tanh",
        init=_fixed_init,
        batch_size=len(X),
        max_iter=1,
        alpha=0.0,
        shuffle=False,
        label_smoothing=eps,
    ).fit(X, yt)
    W1, W2 = _fixed_init(5, 4, None, np.float64), _fixed_init(4, est.n_outputs_, None, np.float64)
    raw = np.tanh(X @ W1) @ W2  # the first epoch's single batch sees the initial weights
    if target == "multiclass":
        T = np.eye(3)[yt] * (1 - eps) + eps / 3
        logp = raw - raw.max(1, keepdims=True)
        logp -= np.log(np.exp(logp).sum(1, keepdims=True))
        expected = -(T * logp).sum(1).mean()
    else:
        T = (yt.reshape(len(X), -1)) * (1 - eps) + eps / 2
        expected = (np.logaddexp(0, raw) - T * raw).sum(1).mean()
    assert est.loss_curve_[0] == pytest.approx(expected, rel=1e-10)


def test_early_stopping_scores_the_true_labels(monkeypatch):
    seen = []
    original = _scoring.ValidationMonitor.__init__

    def spy(self, *args, **kwargs):
        original(self, *args, **kwargs)
        seen.append(np.asarray(self.Y.tolist() if hasattr(self.Y, "tolist") else self.Y))

    monkeypatch.setattr(_scoring.ValidationMonitor, "__init__", spy)
    est = DNNClassifier(
        **SMALL, early_stopping=True, label_smoothing=0.3, validation_scoring="loss"
    ).fit(X, y)
    assert set(np.unique(seen[0])) <= {0.0, 1.0}  # one-hot: the labels as they are
    assert est.validation_loss_curve_[-1] == -est.validation_scores_[-1]


def test_label_smoothing_with_lbfgs_and_still_classifies():
    est = DNNClassifier(
        hidden_layer_sizes=(16,), solver="lbfgs", max_iter=200, random_state=0, label_smoothing=0.1
    )
    assert est.fit(X, y).score(X, y) > 0.9
    proba = est.predict_proba(X)
    # smoothed targets keep the probabilities away from 0 and 1
    assert proba.max() < 1 - 0.1 / 3 + 0.05


# ------------------------------------------------------------ refused


@pytest.mark.parametrize(
    "params, match",
    [
        (
            {"lr_schedule": "cosine", "solver": "lbfgs"},
            r"lr_schedule='cosine' needs a minibatch solver.*lbfgs",
        ),
        (
            {"weight_decay": 0.1, "solver": "lbfgs"},
            r"weight_decay=0.1 needs a minibatch solver.*alpha",
        ),
        (
            {"lr_schedule": "cosine", "solver": "sgd", "learning_rate": "adaptive"},
            r"learning_rate='adaptive' would stack a second one",
        ),
        ({"lr_schedule": "bogus"}, r"Unknown lr_schedule 'bogus'. Valid names are: 'cosine'"),
        ({"lr_schedule": Constant(-1.0)}, r"returned -1.0 at step 0 of 16.*finite number >= 0"),
        ({"lr_schedule": Constant(float("nan"))}, r"returned nan"),
    ],
)
def test_refused_combinations_name_the_parameter(params, match):
    est = DNNClassifier(**SMALL, **params)
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)
    assert not hasattr(est, "coefs_")  # left as it was


def test_partial_fit_refuses_a_schedule():
    est = DNNClassifier(**SMALL, lr_schedule="cosine")
    with pytest.raises(ValueError, match=r"partial_fit does not support lr_schedule='cosine'"):
        est.partial_fit(X, y, classes=np.unique(y))


def test_an_optimizer_without_a_multiplier_is_refused():
    class PlainGD(optimizers.Optimizer):
        def __init__(self, learning_rate_init=0.1):
            self.learning_rate_init = learning_rate_init

        def init(self, params, xp):
            return {}

        def step(self, params, grads, state, xp, l2=None):
            for p, g in zip(params, grads):
                p -= self.learning_rate_init * g

    with pytest.raises(ValueError, match=r"weight_decay=0.1 needs an optimizer.*schedulable"):
        DNNClassifier(**SMALL, solver=PlainGD(), weight_decay=0.1).fit(X, y)
    DNNClassifier(**SMALL, solver=PlainGD()).fit(X, y)  # without the tools it trains


@pytest.mark.parametrize(
    "params",
    [
        {"label_smoothing": 1.0},
        {"label_smoothing": -0.1},
        {"weight_decay": -1.0},
        {"lr_schedule": 3},
    ],
)
def test_bad_values_get_sklearns_parameter_error(params):
    name = next(iter(params))
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of DNNClassifier"):
        DNNClassifier(**params).fit(X, y)


def test_the_regressor_has_no_label_smoothing():
    assert "label_smoothing" not in DNNRegressor().get_params()
    assert {"lr_schedule", "weight_decay"} <= set(DNNRegressor().get_params())
    assert DNNClassifier().get_params()["backend"] == BACKEND
