"""Errors a step beyond MLPClassifier's: they name the bad input and say what to do."""

import numpy as np
import pytest
from sklearn.datasets import make_classification

from tests._helpers import DNNClassifier

pd = pytest.importorskip("pandas")

X, Y = make_classification(
    n_samples=40, n_features=3, n_informative=2, n_redundant=0, random_state=0
)


def _frame(**extra):
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    for name, values in extra.items():
        df[name] = values
    return df


@pytest.mark.parametrize(
    "extra, named",
    [
        ({"colour": ["red", "blue"] * 20}, ["colour"]),
        ({"size": pd.Categorical(["S", "M", "L", "M"] * 10)}, ["size"]),
        ({"colour": ["red"] * 40, "size": pd.Categorical(["S"] * 40)}, ["colour", "size"]),
    ],
)
def test_text_columns_named_at_fit(extra, named):
    df = _frame(**extra)
    with pytest.raises(ValueError, match="OneHotEncoder") as info:
        DNNClassifier(max_iter=2).fit(df, Y)
    message = str(info.value)
    listing = ", ".join(f"{name!r} ({df[name].dtype})" for name in named)
    assert f"{len(named)} non-numeric column(s): {listing}." in message
    assert f"(OneHotEncoder(), {named!r})" in message
    assert "could not convert" not in message
    assert "missing" not in message and "SimpleImputer" not in message


def test_text_columns_listed_in_column_order_with_dtypes():
    df = pd.DataFrame(
        {
            "z": pd.Categorical(["S", "M"] * 20),
            "a": X[:, 0],
            "m": ["x", "y"] * 20,
            "b": pd.Series([pd.Timestamp("2026-01-01")] * 40),
        }
    )
    with pytest.raises(ValueError) as info:
        DNNClassifier(max_iter=2).fit(df, Y)
    expected = ", ".join(f"{name!r} ({df[name].dtype})" for name in ["z", "m", "b"])
    assert f"3 non-numeric column(s): {expected}." in str(info.value)
    assert "'z' (category), 'm' (" in expected and "'b' (datetime64" in expected


def test_missing_values_named_with_simple_imputer():
    a = X[:, 0].copy()
    a[[3, 7]] = np.nan
    colour = np.array(["red", "blue"] * 20, dtype=object)
    colour[5] = None
    df = pd.DataFrame({"colour": colour, "a": a, "b": X[:, 1]})
    with pytest.raises(ValueError) as info:
        DNNClassifier(max_iter=2).fit(df, Y)
    message = str(info.value)
    assert "non-numeric column(s): 'colour' (" in message
    assert "missing values: 'colour' (1 missing), 'a' (2 missing): " in message
    assert "SimpleImputer" in message and "'b'" not in message


def test_many_text_columns_are_counted_beyond_twenty():
    df = pd.DataFrame({f"t{i}": ["x"] * 40 for i in range(25)})
    with pytest.raises(ValueError) as info:
        DNNClassifier(max_iter=2).fit(df, Y)
    message = str(info.value)
    assert "25 non-numeric column(s): 't0' (" in message
    assert "'t19' (" in message and "'t20'" not in message and " and 5 more." in message


@pytest.mark.parametrize("estimator", ["DNNClassifier", "DNNRegressor"])
def test_tabular_estimators_pointed_to_once_they_exist(estimator, monkeypatch):
    import skdnn
    from tests import _helpers

    tabular = estimator.replace("DNN", "Tabular")
    df = _frame(colour=["red", "blue"] * 20)
    fit = lambda: getattr(_helpers, estimator)(max_iter=2).fit(df, Y)  # noqa: E731
    with pytest.raises(ValueError, match=rf"Or use skdnn\.{tabular}, which takes such columns"):
        fit()
    # The pointer follows the installed package: no tabular estimator, no pointer.
    monkeypatch.delattr(skdnn, tabular)
    with pytest.raises(ValueError) as info:
        fit()
    assert "Tabular" not in str(info.value)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_text_columns_named_at_predict():
    clf = DNNClassifier(hidden_layer_sizes=(3,), max_iter=2).fit(_frame(d=np.arange(40.0)), Y)
    with pytest.raises(ValueError, match=r"1 non-numeric column\(s\): 'd' \("):
        clf.predict(_frame(d=["x"] * 40))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_numeric_frames_still_fit():
    df = _frame(n=pd.array(np.arange(40), dtype="Int64"), flag=[True, False] * 20)
    clf = DNNClassifier(hidden_layer_sizes=(3,), max_iter=2).fit(df, Y)
    assert clf.predict(df).shape == (40,)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_zero_weight_training_rows_reported_as_such():
    # Only row 0 has weight; when the split holds it out, nothing is left to train on.
    # That is reported as what it is, never as a diverged run.
    Xz, y = X[:20], np.array([0, 1] * 10)
    sw = np.zeros(20)
    sw[0] = 1.0
    seen = set()
    for seed in range(30):
        clf = DNNClassifier(
            hidden_layer_sizes=(2,),
            early_stopping=True,
            validation_fraction=0.8,
            max_iter=2,
            random_state=seed,
        )
        try:
            clf.fit(Xz, y, sample_weight=sw)
            seen.add("fitted")
        except ValueError as exc:
            assert "zero sample_weight" in str(exc), exc
            assert "diverged" not in str(exc)
            seen.add("refused")
    assert seen == {"fitted", "refused"}
