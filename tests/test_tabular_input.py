"""TabularInput: a raw table as a numeric matrix plus category codes, fitted once.

Each behaviour the tabular estimators rely on: robust scaling with smooth clipping,
missing values and their indicators, the kinds of categorical columns (from dtype, by
index, name or mask), one-hot against embedding codes, unknown categories, dropped
columns, the feature checks at transform, determinism and pickling.
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdnn._tabular_input import TabularInput
from skdnn.backends import NumpyBackend
from skdnn.layers import CategoricalEmbedding
from skdnn.preprocessing import RobustScaleSmoothClip


def _smooth_clip(x, median, spread):
    z = (x - median) / spread
    return z / np.sqrt(1 + (z / 3) ** 2)


def _mixed(n=40, seed=0):
    """Numbers with NaN, strings with None, a category, booleans, a wide column."""
    rng = np.random.RandomState(seed)
    num = rng.randn(n) * 10 + 3
    num[[1, 5]] = np.nan
    colour = rng.choice(["red", "green", "blue"], n).astype(object)
    colour[[2, 7]] = None
    return pd.DataFrame(
        {
            "num": num,
            "count": rng.randint(0, 50, n),
            "colour": colour,
            "size": pd.Categorical(rng.choice(["S", "M", "L"], n)),
            "flag": rng.rand(n) > 0.5,
            "city": [f"c{k}" for k in rng.randint(0, 12, n)],
        }
    )


def _fit(enc, X):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning unless a test expects one
        return enc.fit(X)


# ------------------------------------------------------------------ numeric columns


def test_numeric_columns_are_robust_scaled_smoothly_clipped_and_imputed():
    X = _mixed()
    enc = _fit(TabularInput(), X)
    out = enc.transform(X)
    names = list(enc.get_feature_names_out())
    for col in ["num", "count"]:
        values = X[col].to_numpy(dtype=float)
        present = values[~np.isnan(values)]
        q25, q75 = np.percentile(present, [25, 75])
        expected = _smooth_clip(values, np.median(present), q75 - q25)
        expected[np.isnan(values)] = 0.0  # the median, after scaling
        assert_allclose(out[:, names.index(col)], expected, rtol=1e-12)
    # Smooth clipping keeps every value inside (-3, 3).
    assert np.abs(out[:, :2]).max() < 3


def test_missing_indicator_only_for_columns_missing_at_fit():
    X = _mixed()
    enc = _fit(TabularInput(), X)
    assert enc.missing_indicator_features_ == ["num"]
    names = list(enc.get_feature_names_out())
    assert "missingindicator_num" in names and "missingindicator_count" not in names
    out = enc.transform(X)
    assert_array_equal(out[:, names.index("missingindicator_num")], X["num"].isna())
    # A column complete at fit but missing at transform: imputed, no new column, no error.
    X_new = X.head(3).copy()
    X_new["count"] = X_new["count"].astype(float)
    X_new.loc[0, "count"] = np.nan
    row = enc.transform(X_new)[0]
    assert row[names.index("count")] == 0.0 and len(row) == len(names)


def test_the_scaler_is_fitted_on_the_present_values_of_the_numeric_columns():
    X = _mixed()
    enc = _fit(TabularInput(), X)
    assert isinstance(enc.scaler_, RobustScaleSmoothClip)
    num = X["num"].dropna()
    assert_allclose(enc.scaler_.center_, [num.median(), X["count"].median()])
    q = np.percentile(num, [25, 75])
    assert_allclose(enc.scaler_.scale_[0], q[1] - q[0])


def test_nullable_integer_and_float_columns_are_numeric_with_missing_values():
    X = pd.DataFrame(
        {
            "a": pd.array([1, None, 3, 4, 10], dtype="Int64"),
            "b": pd.array([0.5, 1.5, None, 2.5, 3.0], dtype="Float64"),
        }
    )
    enc = _fit(TabularInput(), X)
    assert enc.numeric_features_ == ["a", "b"]
    assert enc.missing_indicator_features_ == ["a", "b"]
    out = enc.transform(X)
    assert out[1, 0] == 0.0 and out[2, 1] == 0.0
    # a: present values 1, 3, 4, 10: median 3.5, quartiles 2.5 and 5.5.
    expected = _smooth_clip(np.array([1.0, 3.5, 3.0, 4.0, 10.0]), 3.5, 3.0)
    assert_allclose(out[:, 0], expected, rtol=1e-12)


# -------------------------------------------------------------- categorical columns


def test_from_dtype_takes_strings_categories_and_booleans():
    X = _mixed()
    enc = _fit(TabularInput(), X)
    assert_array_equal(enc.is_categorical_, [False, False, True, True, True, True])
    assert enc.onehot_features_ == ["colour", "size", "flag"]
    assert enc.embedded_features_ == ["city"]
    assert_array_equal(enc.categories_["colour"], ["blue", "green", "red"])
    assert_array_equal(enc.categories_["size"], ["L", "M", "S"])
    assert_array_equal(enc.categories_["flag"], [False, True])


def test_onehot_columns_and_missing_seen_at_fit():
    X = _mixed()
    enc = _fit(TabularInput(), X)
    names = list(enc.get_feature_names_out())
    out = enc.transform(X)
    for value in ["blue", "green", "red"]:
        assert_array_equal(out[:, names.index(f"colour_{value}")], X["colour"] == value)
    # The colour missing at fit has a column of its own.
    assert_array_equal(out[:, names.index("colour_nan")], X["colour"].isna())
    assert_array_equal(out[:, names.index("flag_True")], X["flag"])


def test_embedding_codes_are_sorted_categories_from_one():
    X = _mixed()
    enc = _fit(TabularInput(), X)
    numeric, codes = enc.encode(X)
    categories = list(enc.categories_["city"])
    assert categories == sorted(set(X["city"]))
    assert_array_equal(enc.cardinalities_, [len(categories)])
    assert codes.dtype.kind == "i" and codes.shape == (len(X), 1)
    assert_array_equal(codes[:, 0], [categories.index(c) + 1 for c in X["city"]])
    assert numeric.shape == (len(X), enc.n_numeric_out_)
    assert_array_equal(enc.transform(X), np.hstack([numeric, codes]))


def test_unseen_and_missing_categories_go_to_the_unknown_slot():
    X = _mixed()
    enc = _fit(TabularInput(), X)
    new = X.head(4).copy()
    new["colour"] = ["purple", None, "red", "red"]  # unseen, then missing (seen at fit)
    new["size"] = pd.Categorical(["XL", None, "S", "S"])  # unseen, missing unseen at fit
    new["flag"] = pd.array([True, None, False, True], dtype="boolean")
    new["city"] = ["nowhere", None, "c1", "c1"]
    names = list(enc.get_feature_names_out())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        numeric, codes = enc.encode(new)
    colour = [names.index(f"colour_{v}") for v in ["blue", "green", "red", "nan"]]
    assert_array_equal(numeric[0, colour], 0.0)  # unseen: all zeros
    assert_array_equal(numeric[1, colour], [0, 0, 0, 1])  # missing seen at fit
    size = [names.index(f"size_{v}") for v in ["L", "M", "S"]]
    assert_array_equal(numeric[:2][:, size], 0.0)
    flag = [names.index(f"flag_{v}") for v in [False, True]]
    assert_array_equal(numeric[1, flag], 0.0)
    assert_array_equal(codes[:2, 0], 0)
    assert codes[2, 0] == list(enc.categories_["city"]).index("c1") + 1


def test_max_onehot_categories_is_the_threshold():
    X = _mixed()  # colour 3, size 3, flag 2, city up to 12 categories
    enc = _fit(TabularInput(max_onehot_categories=2), X)
    assert enc.onehot_features_ == ["flag"]
    assert enc.embedded_features_ == ["colour", "size", "city"]
    assert_array_equal(enc.cardinalities_, [3, 3, len(enc.categories_["city"])])
    enc = _fit(TabularInput(max_onehot_categories=100), X)
    assert enc.embedded_features_ == [] and enc.ordinal_encoder_ is None
    assert enc.encode(X)[1].shape == (len(X), 0)
    enc = _fit(TabularInput(max_onehot_categories=0), X)
    assert enc.onehot_features_ == [] and enc.onehot_encoder_ is None


def test_nullable_boolean_and_string_dtypes_are_categorical_with_missing_values():
    X = pd.DataFrame(
        {
            "b": pd.array([True, None, False, True], dtype="boolean"),
            "s": pd.array(["x", "y", pd.NA, "x"], dtype="string"),
            "n": [1.0, 2.0, 3.0, 4.0],
        }
    )
    enc = _fit(TabularInput(), X)
    assert enc.onehot_features_ == ["b", "s"]
    names = list(enc.get_feature_names_out())
    assert names == ["n", "b_False", "b_True", "b_nan", "s_x", "s_y", "s_nan"]
    expected = [[0, 1, 0, 1, 0, 0], [0, 0, 1, 0, 1, 0], [1, 0, 0, 0, 0, 1], [0, 1, 0, 1, 0, 0]]
    assert_array_equal(enc.transform(X)[:, 1:], expected)


def test_mixed_types_in_a_column_become_strings():
    X = pd.DataFrame({"m": np.array([1, "a", 2.5, "a", 1], dtype=object), "n": range(5)})
    enc = _fit(TabularInput(), X)
    assert_array_equal(enc.categories_["m"], ["1", "2.5", "a"])
    # At transform, the fit's string categories are matched as strings.
    out = enc.transform(pd.DataFrame({"m": np.array([1, "zz"], dtype=object), "n": [0, 1]}))
    assert_array_equal(out[:, 1:], [[1, 0, 0], [0, 0, 0]])


# ------------------------------------------------------------ categorical_features


@pytest.mark.parametrize(
    "spec",
    [
        [2, 3, 4, 5],
        ["colour", "size", "flag", "city"],
        [False, False, True, True, True, True],
        np.array([2, 3, 4, 5]),
    ],
    ids=["indices", "names", "mask", "array"],
)
def test_indices_names_and_mask_give_the_from_dtype_result(spec):
    X = _mixed()
    expected = _fit(TabularInput(), X).transform(X)
    enc = _fit(TabularInput(categorical_features=spec), X)
    assert_array_equal(enc.is_categorical_, [False, False, True, True, True, True])
    assert_array_equal(enc.transform(X), expected)


def test_a_numeric_column_may_be_named_categorical():
    X = _mixed()
    X = X[["num", "count", "colour"]]
    enc = _fit(TabularInput(categorical_features=["count", "colour"]), X)
    assert enc.onehot_features_ == ["colour"]
    assert enc.embedded_features_ == ["count"]
    assert enc.numeric_features_ == ["num"]


@pytest.mark.parametrize(
    "spec, match",
    [
        ([0, 9], r"integer indices must lie in \[0, 5\]"),
        (["colour", "nope"], r"\['nope'\] not found among the columns"),
        ([True, False], r"boolean mask must have shape \(6,\)"),
        ([1.5], "array-like of int"),
    ],
)
def test_bad_categorical_features_are_named(spec, match):
    with pytest.raises(ValueError, match=match):
        TabularInput(categorical_features=spec).fit(_mixed())


def test_string_column_declared_numeric_is_named():
    with pytest.raises(ValueError, match="column 'colour' is treated as numeric"):
        TabularInput(categorical_features=None).fit(_mixed())


def test_invalid_parameters_get_scikit_learns_errors():
    with pytest.raises(InvalidParameterError, match="max_onehot_categories"):
        TabularInput(max_onehot_categories=-1).fit(_mixed())
    with pytest.raises(InvalidParameterError, match="categorical_features"):
        TabularInput(categorical_features="auto").fit(_mixed())


# ---------------------------------------------------------------- dropped columns


def test_all_missing_and_constant_columns_are_dropped_with_a_warning_naming_them():
    X = _mixed()
    X["empty"] = np.nan
    X["same"] = 7
    X["one_level"] = "only"
    with pytest.warns(UserWarning, match=r"\['empty', 'same', 'one_level'\]"):
        enc = TabularInput().fit(X)
    assert enc.dropped_features_ == ["empty", "same", "one_level"]
    names = enc.get_feature_names_out()
    assert not {"empty", "same", "one_level_only"} & set(names)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert enc.transform(X).shape == (len(X), len(names))


def test_a_constant_column_with_missing_values_keeps_its_indicator():
    X = pd.DataFrame({"c": [5.0, np.nan, 5.0, 5.0], "n": [1.0, 2.0, 3.0, 4.0]})
    enc = _fit(TabularInput(), X)
    assert enc.dropped_features_ == []
    out = enc.transform(X)
    names = list(enc.get_feature_names_out())
    assert_array_equal(out[:, names.index("c")], 0.0)
    assert_array_equal(out[:, names.index("missingindicator_c")], [0, 1, 0, 0])


def test_nothing_left_is_an_error():
    with pytest.raises(ValueError, match="no usable column"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            TabularInput().fit(pd.DataFrame({"a": [1.0, 1.0], "b": [np.nan, np.nan]}))


# ------------------------------------------------------------------ arrays, sparse


def test_numpy_input_is_all_numeric():
    X = np.random.RandomState(0).randn(30, 3)
    X[4, 1] = np.nan
    enc = _fit(TabularInput(), X)
    assert not hasattr(enc, "feature_names_in_") and enc.n_features_in_ == 3
    assert enc.numeric_features_ == ["x0", "x1", "x2"]
    assert list(enc.get_feature_names_out()) == ["x0", "x1", "x2", "missingindicator_x1"]
    assert enc.transform(X).shape == (30, 4)


def test_numpy_input_with_categorical_indices():
    rng = np.random.RandomState(0)
    X = np.column_stack([rng.randn(30), rng.randint(0, 3, 30), rng.randint(0, 20, 30)])
    enc = _fit(TabularInput(categorical_features=[1, 2]), X)
    assert enc.onehot_features_ == ["x1"] and enc.embedded_features_ == ["x2"]
    codes = enc.encode(np.array([[0.0, 1.0, 99.0]]))[1]
    assert_array_equal(codes, [[0]])  # 99 was never seen


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_is_refused_clearly(fmt):
    X = sp.random(10, 3, density=0.5, format=fmt, random_state=0)
    with pytest.raises(TypeError, match="dense table.*toarray"):
        TabularInput().fit(X)
    enc = _fit(TabularInput(), X.toarray())
    with pytest.raises(TypeError, match="dense table"):
        enc.transform(X)


# --------------------------------------------------------- checks at transform time


def test_renamed_reordered_or_missing_columns_are_refused():
    X = _mixed()
    enc = _fit(TabularInput(), X)
    with pytest.raises(ValueError, match="feature names should match"):
        enc.transform(X.rename(columns={"num": "number"}))
    with pytest.raises(ValueError, match="same order"):
        enc.transform(X[list(X.columns[::-1])])
    with pytest.raises(ValueError, match="feature names should match"):
        enc.transform(X.drop(columns="city"))
    enc_np = _fit(TabularInput(), np.ones((3, 2)) * [[1], [2], [3]])
    with pytest.raises(ValueError, match="has 3 features.*expecting 2"):
        enc_np.transform(np.ones((2, 3)))


def test_infinite_values_are_refused():
    X = pd.DataFrame({"a": [1.0, np.inf, 3.0], "b": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="column 'a' holds infinite values"):
        TabularInput().fit(X)


# ------------------------------------------------------- determinism, persistence


def test_transform_of_the_fit_rows_is_deterministic():
    X = _mixed()
    enc = _fit(TabularInput(), X)
    first = enc.transform(X)
    assert_array_equal(enc.transform(X), first)
    assert_array_equal(TabularInput().fit_transform(X), first)
    assert_array_equal(_fit(TabularInput(), X.copy()).transform(X), first)
    # Row by row gives the same rows as the whole table.
    assert_array_equal(np.vstack([enc.transform(X.iloc[[i]]) for i in range(5)]), first[:5])


def test_pickle_round_trip_transforms_alike():
    X = _mixed()
    enc = _fit(TabularInput(max_onehot_categories=2), X)
    again = pickle.loads(pickle.dumps(enc))
    assert_array_equal(again.transform(X), enc.transform(X))
    assert again.embedded_features_ == enc.embedded_features_


def test_set_output_pandas_names_the_columns():
    X = _mixed()
    out = _fit(TabularInput(), X).set_output(transform="pandas").transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns[:2]) == ["num", "count"] and out.columns[-1] == "city"


def test_output_feeds_the_categorical_embedding_layer():
    """The network's first layer reads transform's matrix: numbers through, codes looked up."""
    X = _mixed()
    enc = _fit(TabularInput(max_onehot_categories=2), X)
    layer = CategoricalEmbedding(
        enc.cardinalities_, embedding_dim=3, n_passthrough=enc.n_numeric_out_
    )
    Z = enc.transform(X)
    [table] = layer.build(Z.shape[1], 1, np.random.RandomState(0), np.float64, None)
    layer.bind([table], [np.empty_like(table)], NumpyBackend())
    out = layer.forward(Z, training=False)
    assert out.shape == (len(X), enc.n_numeric_out_ + 3 * len(enc.embedded_features_))
    assert_array_equal(out[:, : enc.n_numeric_out_], Z[:, : enc.n_numeric_out_])
    city = list(enc.categories_["city"]).index(X["city"][0]) + 1
    start = layer.offsets[2]
    assert_array_equal(out[0, -3:], table[start + city])


@parametrize_with_checks([TabularInput()])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
