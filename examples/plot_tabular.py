"""
A raw table: TabularClassifier beside gradient boosting and MLPClassifier
=========================================================================

:class:`skdnn.TabularClassifier` takes a pandas DataFrame as it comes: numbers with
missing values, strings, categories (narrow ones one-hot encoded, wide ones embedded),
booleans. Its defaults are a recipe of the tools of the most accurate tabular MLPs
(see the user guide's "Tabular data"). Here it fits a mixed table beside
``HistGradientBoostingClassifier`` on the same frame and ``MLPClassifier`` behind the
usual impute + one-hot + scale pipeline.
"""

# %%
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skdnn import TabularClassifier
from skdnn.plot import save_figures

warnings.filterwarnings("ignore", category=ConvergenceWarning)

# %%
# A table with what real ones have: a skewed number with gaps, a wide category whose
# levels matter (a store, 40 of them), a narrow string column with missing entries,
# and a boolean.
rng = np.random.RandomState(0)
n = 2000
income = rng.lognormal(3.0, 0.8, size=n)
age = rng.uniform(18, 80, size=n)
store = rng.choice([f"store_{i:02d}" for i in range(40)], size=n)
store_effect = dict(zip(sorted(set(store)), rng.normal(scale=1.0, size=40)))
channel = rng.choice(["web", "phone", "shop"], size=n).astype(object)
member = rng.rand(n) > 0.6
logit = (
    np.sin(age / 8.0)
    + 0.8 * np.log(income) - 2.4
    + np.vectorize(store_effect.get)(store)
    + 0.7 * member
    + 0.5 * (channel == "web")
)
y = (logit + rng.logistic(scale=0.5, size=n) > 0).astype(int)
income[rng.rand(n) < 0.1] = np.nan
channel[rng.rand(n) < 0.05] = None
X = pd.DataFrame(
    {
        "income": income,
        "age": age,
        "store": pd.Categorical(store),
        "channel": channel,
        "member": member,
    }
)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
X.head()

# %%
# Three models, one frame. Gradient boosting reads the ``category`` dtype; the MLP
# needs the usual preprocessing; :class:`~skdnn.TabularClassifier` needs none.
as_category = {"channel": "category", "member": "category"}
mlp_prep = ColumnTransformer(
    [
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
         ["income", "age"]),
        ("cat", OneHotEncoder(handle_unknown="ignore"), ["store", "channel", "member"]),
    ]
)  # fmt: skip
models = {
    "TabularClassifier": (TabularClassifier(random_state=0), X_train, X_test),
    "HistGradientBoosting": (
        HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0),
        X_train.astype(as_category),
        X_test.astype(as_category),
    ),
    "MLPClassifier (pipeline)": (
        make_pipeline(mlp_prep, MLPClassifier(random_state=0)),
        X_train,
        X_test,
    ),
}
scores, seconds = {}, {}
for name, (model, train, test) in models.items():
    start = time.perf_counter()
    model.fit(train, y_train)
    seconds[name] = time.perf_counter() - start
    scores[name] = model.score(test, y_test)
    print(f"{name:26s} accuracy {scores[name]:.3f}   fit {seconds[name]:.1f} s")

# %%
# What the tabular estimator made of the columns: ``input_`` is the fitted input
# handling, ``network_`` the network trained on its output.
clf = models["TabularClassifier"][0]
print("numeric:", clf.input_.numeric_features_)
print("missing indicators:", clf.input_.missing_indicator_features_)
print("one-hot:", clf.input_.onehot_features_)
print("embedded:", clf.input_.embedded_features_)
print("first layer:", clf.network_.embedding_)
print("best epoch's validation accuracy:", round(clf.network_.best_validation_score_, 3))

# %%
fig, ax = plt.subplots(figsize=(7, 3))
names = list(scores)
ax.barh(names, [scores[k] for k in names], color=["C0", "C1", "C2"])
for i, k in enumerate(names):
    ax.text(scores[k] + 0.002, i, f"{scores[k]:.3f} ({seconds[k]:.1f} s)", va="center")
ax.set_xlim(min(scores.values()) - 0.05, max(scores.values()) + 0.05)
ax.set_xlabel("test accuracy (fit time)")
fig.tight_layout()
save_figures("plot_tabular")
