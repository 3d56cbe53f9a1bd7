"""Out-of-core training: ``partial_fit`` over the chunks of data that stays on disk (a
NumPy memmap) or in a Dask array, one chunk in memory at a time.

One ``fit`` epoch and one pass of ``partial_fit`` calls over the chunks, in order, are
the same computation when:

* ``shuffle=False``, and every chunk but the last holds a whole number of minibatches,
  so both walk the same minibatches in the same order;
* the learning rate does not move between epochs: ``solver="adam"``, or ``"sgd"`` with
  ``learning_rate="constant"`` (``"invscaling"`` updates it after every epoch, which is
  after every chunk for ``partial_fit``; ``"adaptive"`` lowers it on a plateau of the
  per-epoch loss, which is per chunk for ``partial_fit``);
* ``fit`` runs all its ``max_iter`` epochs: ``n_iter_no_change=np.inf``.

The optimizer state (Adam's moments and step count, SGD's velocities) carries over
``partial_fit`` calls, so the weights then agree bitwise.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from tests._helpers import DNNClassifier, DNNRegressor

N_SAMPLES, N_FEATURES = 230, 6
CHUNK, BATCH, EPOCHS = 60, 20, 3  # chunks of 60, 60, 60, 50 rows; 3 batches each
CLASSES = np.array([0, 1, 2])
SETTINGS = [
    dict(solver="adam"),
    dict(solver="sgd", learning_rate="constant", momentum=0.9),
]


def _data(task):
    rng = np.random.RandomState(0)
    X = rng.randn(N_SAMPLES, N_FEATURES)
    if task == "classification":
        y = (X[:, 0] + X[:, 1] > 0).astype(np.int64) + (X[:, 2] > 0.5)
    else:
        y = X[:, 0] - 2.0 * X[:, 1] + 0.1 * rng.randn(N_SAMPLES)
    return X, y


def _estimator(task, settings):
    Estimator = DNNClassifier if task == "classification" else DNNRegressor
    return Estimator(
        hidden_layer_sizes=(8,),
        batch_size=BATCH,
        shuffle=False,
        n_iter_no_change=np.inf,
        max_iter=EPOCHS,
        random_state=0,
        **settings,
    )


def _fit_in_one_go(task, settings, X, y, sample_weight=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter is the point
        return _estimator(task, settings).fit(X, y, sample_weight=sample_weight)


def _partial_fit(est, task, Xc, yc, swc=None):
    extra = {"classes": CLASSES} if task == "classification" else {}
    return est.partial_fit(Xc, yc, sample_weight=swc, **extra)


def _assert_same_model(a, b):
    assert a.t_ == b.t_
    for Wa, Wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(Wa, Wb)


def _memmap(path, array):
    """``array`` written to an ``.npy`` file, opened again read-only as a memmap."""
    out = np.lib.format.open_memmap(path, mode="w+", dtype=array.dtype, shape=array.shape)
    out[:] = array
    out.flush()
    del out
    return np.load(path, mmap_mode="r")


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: s["solver"])
@pytest.mark.parametrize("task", ["classification", "regression"])
def test_partial_fit_over_memmap_chunks_equals_fit(tmp_path, task, settings, weighted):
    X, y = _data(task)
    sw = np.random.RandomState(1).uniform(0.5, 2.0, N_SAMPLES) if weighted else None
    X_disk, y_disk = _memmap(tmp_path / "X.npy", X), _memmap(tmp_path / "y.npy", y)
    sw_disk = None if sw is None else _memmap(tmp_path / "sw.npy", sw)
    assert isinstance(X_disk, np.memmap)

    expected = _fit_in_one_go(task, settings, X, y, sw)
    est = _estimator(task, settings)
    chunk_losses = []
    for _ in range(EPOCHS):
        for start in range(0, N_SAMPLES, CHUNK):
            rows = slice(start, start + CHUNK)
            swc = None if sw_disk is None else sw_disk[rows]
            _partial_fit(est, task, X_disk[rows], y_disk[rows], swc)
            chunk_losses.append(est.loss_)

    _assert_same_model(expected, est)
    assert est.n_iter_ == 1  # each call one epoch over its chunk
    assert len(est.loss_curve_) == len(chunk_losses) == EPOCHS * 4
    # fit's loss of an epoch is the mean over its rows, so the weighted mean of the
    # chunks' losses (the sums differ in the order of their terms, not in their terms).
    row_weight = np.ones(N_SAMPLES) if sw is None else sw
    weights = [row_weight[s : s + CHUNK].sum() for s in range(0, N_SAMPLES, CHUNK)]
    per_epoch = np.reshape(chunk_losses, (EPOCHS, 4))
    np.testing.assert_allclose(per_epoch @ weights / sum(weights), expected.loss_curve_)


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_partial_fit_over_dask_blocks_equals_fit(task):
    da = pytest.importorskip("dask.array")
    X, y = _data(task)
    Xd = da.from_array(X, chunks=(CHUNK, N_FEATURES))
    yd = da.from_array(y, chunks=CHUNK)
    assert Xd.numblocks == (4, 1)

    settings = SETTINGS[0]
    expected = _fit_in_one_go(task, settings, X, y)
    est = _estimator(task, settings)
    X_blocks, y_blocks = Xd.to_delayed().ravel(), yd.to_delayed()
    for _ in range(EPOCHS):
        for X_block, y_block in zip(X_blocks, y_blocks):
            Xc, yc = X_block.compute(), y_block.compute()  # one chunk in memory
            assert isinstance(Xc, np.ndarray) and Xc.shape[0] <= CHUNK
            _partial_fit(est, task, Xc, yc)
    _assert_same_model(expected, est)

    # .blocks[i] is the same chunk as a Dask array: the same pass, the same model.
    again = _estimator(task, settings)
    for _ in range(EPOCHS):
        for i in range(Xd.numblocks[0]):
            _partial_fit(again, task, Xd.blocks[i].compute(), yd.blocks[i].compute())
    _assert_same_model(expected, again)


def test_a_moving_learning_rate_makes_chunks_differ_from_fit():
    """invscaling updates the learning rate after every partial_fit call, fit after
    every epoch: the two then train different models (why SETTINGS avoids it)."""
    X, y = _data("regression")
    settings = dict(solver="sgd", learning_rate="invscaling", power_t=0.5)
    expected = _fit_in_one_go("regression", settings, X, y)
    est = _estimator("regression", settings)
    for _ in range(EPOCHS):
        for start in range(0, N_SAMPLES, CHUNK):
            _partial_fit(est, "regression", X[start : start + CHUNK], y[start : start + CHUNK])
    assert expected.t_ == est.t_
    assert not np.allclose(expected.coefs_[0], est.coefs_[0])
