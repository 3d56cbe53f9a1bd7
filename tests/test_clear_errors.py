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
    with pytest.raises(ValueError, match="OneHotEncoder") as info:
        DNNClassifier(max_iter=2).fit(_frame(**extra), Y)
    message = str(info.value)
    assert f"non-numeric column(s) {named!r}" in message
    assert "could not convert" not in message


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_text_columns_named_at_predict():
    clf = DNNClassifier(hidden_layer_sizes=(3,), max_iter=2).fit(_frame(d=np.arange(40.0)), Y)
    with pytest.raises(ValueError, match=r"non-numeric column\(s\) \['d'\]"):
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
