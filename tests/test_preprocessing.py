"""RobustScaleSmoothClip: RealMLP's median / quantile-range scaling and smooth clipping."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import RobustScaler, StandardScaler

from skdnn.preprocessing import RobustScaleSmoothClip, smooth_clip
from tests._helpers import DNNClassifier


def _by_hand(z, clip=3.0):
    return z / np.sqrt(1.0 + (z / clip) ** 2)


def test_known_values_by_hand():
    X = np.array(
        [
            [1.0, 10.0],
            [2.0, 20.0],
            [3.0, 30.0],
            [4.0, 40.0],
            [9.0, -50.0],
        ]
    )
    scaler = RobustScaleSmoothClip().fit(X)
    # Column 0: sorted 1 2 3 4 9, median 3, q25 = 2, q75 = 4 (linear interpolation).
    # Column 1: sorted -50 10 20 30 40, median 20, q25 = 10, q75 = 30.
    assert_allclose(scaler.center_, [3.0, 20.0])
    assert_allclose(scaler.scale_, [2.0, 20.0])
    z = np.array(
        [
            [-1.0, -0.5],
            [-0.5, 0.0],
            [0.0, 0.5],
            [0.5, 1.0],
            [3.0, -3.5],
        ]
    )
    assert_allclose(scaler.transform(X), _by_hand(z), rtol=1e-15)
    assert_allclose(scaler.transform(X)[4, 0], 3.0 / np.sqrt(2.0))


def test_quantile_range_sets_the_scale():
    X = np.arange(101.0).reshape(-1, 1)
    scaler = RobustScaleSmoothClip(quantile_range=(10.0, 90.0)).fit(X)
    assert_allclose(scaler.center_, [50.0])
    assert_allclose(scaler.scale_, [80.0])


def test_without_clip_it_is_robust_scaler_and_with_clip_its_smooth_clip():
    rng = np.random.RandomState(0)
    X = rng.standard_cauchy((200, 4)) * [1.0, 10.0, 1e-3, 1e5]
    reference = RobustScaler().fit_transform(X)
    assert_allclose(RobustScaleSmoothClip(clip=None).fit_transform(X), reference)
    assert_allclose(RobustScaleSmoothClip(clip=2.0).fit_transform(X), _by_hand(reference, 2.0))


def test_constant_column_has_scale_one_and_maps_to_zero():
    """A column constant on the training rows: no division by zero, its value maps to 0."""
    X = np.c_[np.full(6, 7.5), np.arange(6.0)]
    scaler = RobustScaleSmoothClip().fit(X)
    assert scaler.center_[0] == 7.5 and scaler.scale_[0] == 1.0
    assert_array_equal(scaler.transform(X)[:, 0], 0.0)
    assert_allclose(scaler.transform([[8.5, 0.0]])[0, 0], _by_hand(1.0))


def test_near_constant_column_falls_back_to_half_the_range():
    """Most values equal (quantile range 0): scaled by half the min-max range, as in
    RealMLP, so the odd value lands at 2 before clipping."""
    X = np.zeros((20, 3))
    X[-1] = [1.0, 1e-300, -4.0]
    scaler = RobustScaleSmoothClip().fit(X)
    assert_array_equal(scaler.center_, 0.0)
    assert_allclose(scaler.scale_, [0.5, 0.5e-300, 2.0])
    out = scaler.transform(X)
    assert np.all(np.isfinite(out))
    assert_allclose(out[-1], _by_hand(np.array([2.0, 2.0, -2.0])))
    assert_array_equal(out[:-1], 0.0)


def test_heavily_tied_column_with_spread_quartiles_is_scaled_normally():
    X = np.r_[np.zeros(50), np.ones(50)].reshape(-1, 1)
    scaler = RobustScaleSmoothClip().fit(X)
    assert_allclose(scaler.scale_, [1.0])  # q75 - q25 = 1 - 0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("clip", [3.0, 0.5])
def test_output_is_bounded_by_clip(dtype, clip):
    rng = np.random.RandomState(1)
    X = (rng.standard_cauchy((500, 3)) * [1.0, 1e10, 1e-10]).astype(dtype)
    X[0] = np.finfo(dtype).max / 2
    X[1] = -np.finfo(dtype).max / 2
    scaler = RobustScaleSmoothClip(clip=clip).fit(X[2:])
    out = scaler.transform(X)
    assert out.dtype == dtype
    assert np.all(np.isfinite(out))
    assert np.abs(out).max() <= clip
    assert_allclose(out[0], clip, rtol=1e-6)
    assert_allclose(out[1], -clip, rtol=1e-6)


def test_order_within_a_column_is_kept():
    rng = np.random.RandomState(2)
    X = rng.standard_cauchy((300, 2)) * 1e3
    out = RobustScaleSmoothClip().fit_transform(X)
    for j in range(2):
        order = np.argsort(X[:, j])
        assert np.all(np.diff(out[order, j]) >= 0)


def test_float32_with_a_scale_below_float32s_range():
    """The arithmetic runs in float64, so a float32 column's tiny scale is no zero."""
    X = np.zeros((10, 1))
    X[-1] = 1e-60
    scaler = RobustScaleSmoothClip().fit(X)
    out = scaler.transform(X.astype(np.float32) + np.float32(1e-40))
    assert out.dtype == np.float32
    assert np.all(np.isfinite(out))
    assert_allclose(out[:-1], 3.0, rtol=1e-6)  # 1e-40 is far beyond the 1e-60 scale


def test_integer_input_gives_float64():
    out = RobustScaleSmoothClip().fit_transform(np.array([[1], [2], [3], [4]]))
    assert out.dtype == np.float64


def test_nan_is_ignored_by_fit_and_passes_through_transform():
    X = np.array([[1.0, np.nan], [2.0, np.nan], [np.nan, np.nan], [3.0, np.nan], [10.0, np.nan]])
    scaler = RobustScaleSmoothClip().fit(X)
    clean = RobustScaleSmoothClip().fit(X[[0, 1, 3, 4], :1])
    assert_allclose(scaler.center_[:1], clean.center_)
    assert_allclose(scaler.scale_[:1], clean.scale_)
    # An all-NaN column: neutral statistics, NaN out.
    assert scaler.center_[1] == 0.0 and scaler.scale_[1] == 1.0
    out = scaler.transform(X)
    assert_array_equal(np.isnan(out), np.isnan(X))


def test_infinity_is_refused():
    X = np.ones((4, 2))
    X[0, 0] = np.inf
    with pytest.raises(ValueError, match="Input X contains infinity"):
        RobustScaleSmoothClip().fit(X)
    scaler = RobustScaleSmoothClip().fit(np.ones((4, 2)))
    with pytest.raises(ValueError, match="Input X contains infinity"):
        scaler.transform(X)


def test_sparse_input_is_refused_clearly():
    X = sp.csr_matrix(np.eye(4))
    with pytest.raises(TypeError, match="Sparse data was passed.*dense data is required"):
        RobustScaleSmoothClip().fit(X)
    scaler = RobustScaleSmoothClip().fit(np.eye(4))
    with pytest.raises(TypeError, match="Sparse data was passed"):
        scaler.transform(X)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"quantile_range": (75.0, 25.0)}, r"quantile_range=\(75.0, 25.0\): expected two"),
        ({"quantile_range": (-1.0, 50.0)}, "0 <= q_min < q_max <= 100"),
        ({"quantile_range": (25.0, 101.0)}, "0 <= q_min < q_max <= 100"),
        ({"quantile_range": (25.0,)}, "expected two percentiles"),
        ({"quantile_range": [25.0, 75.0]}, "The 'quantile_range' parameter"),
        ({"clip": 0.0}, "The 'clip' parameter of RobustScaleSmoothClip must be"),
        ({"clip": -1.0}, "The 'clip' parameter"),
    ],
)
def test_bad_parameters_are_named(params, match):
    with pytest.raises(ValueError, match=match):
        RobustScaleSmoothClip(**params).fit(np.eye(3))


def test_feature_names_and_pandas_output():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"age": [20.0, 30.0, 40.0, 90.0], "income": [1.0, 2.0, 2.0, 50.0]})
    scaler = RobustScaleSmoothClip().set_output(transform="pandas").fit(X)
    assert_array_equal(scaler.feature_names_in_, ["age", "income"])
    assert_array_equal(scaler.get_feature_names_out(), ["age", "income"])
    out = scaler.transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["age", "income"]
    assert_allclose(out.to_numpy(), RobustScaleSmoothClip().fit_transform(X.to_numpy()))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_heavy_tails_are_learnable_after_it_unlike_after_standard_scaling():
    """Cauchy features: the sign of the first decides the class. Standard scaling leaves
    most rows squeezed near 0 by a few huge ones; the robust scale and clip do not."""
    rng = np.random.RandomState(3)
    X, X_test = rng.standard_cauchy((2, 400, 4)) * 1e4
    y, y_test = (X[:, 0] > 0).astype(int), (X_test[:, 0] > 0).astype(int)
    scores = {}
    for scaler in (RobustScaleSmoothClip(), StandardScaler()):
        clf = DNNClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01, random_state=0)
        model = make_pipeline(scaler, clf).fit(X, y)
        scores[type(scaler).__name__] = model.score(X_test, y_test)
    assert scores["RobustScaleSmoothClip"] > 0.98
    assert scores["RobustScaleSmoothClip"] > scores["StandardScaler"] + 0.03


def test_smooth_clip_is_the_identity_near_zero_and_never_overflows():
    z = np.array([-1e-8, 0.0, 1e-8])
    assert_allclose(smooth_clip(z), z, rtol=1e-15)
    big = np.array([1e154, 1e200, 1e308, np.inf, -np.inf])
    assert_array_equal(smooth_clip(big), [3.0, 3.0, 3.0, 3.0, -3.0])
    z = np.linspace(-50, 50, 101)
    assert_allclose(smooth_clip(z, 3.0), _by_hand(z), rtol=1e-14)
    assert np.isnan(smooth_clip(np.array([np.nan]))).all()
