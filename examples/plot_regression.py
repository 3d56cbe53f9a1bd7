"""
Regression: DNNRegressor next to MLPRegressor on the diabetes data
==================================================================

Train :class:`skdnn.DNNRegressor` and scikit-learn's ``MLPRegressor`` with the same
settings (scaled features, early stopping on a held-out tenth) and print the test R²
and the training time of each. Then fit counts with ``loss="poisson"``, whose
exponential output keeps every prediction positive.
"""

# %%
import time

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.metrics import mean_poisson_deviance
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdnn import DNNRegressor

X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
params = dict(
    hidden_layer_sizes=(50,),
    learning_rate_init=0.01,
    max_iter=300,
    early_stopping=True,
    random_state=0,
)

# %%
# The same parameters work for both estimators.
for Estimator in (DNNRegressor, MLPRegressor):
    model = make_pipeline(StandardScaler(), Estimator(**params))
    tic = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - tic
    net = model[-1]
    print(
        f"{Estimator.__name__:>13}: test R2 {model.score(X_test, y_test):.3f}, "
        f"{net.n_iter_} epochs in {seconds:.2f} s"
    )

# %%
# Counts: the Poisson loss (half the Poisson deviance) through the exponential link.
rng = np.random.RandomState(0)
X_counts = rng.uniform(-1, 1, (2000, 4))
counts = rng.poisson(np.exp(1.0 + X_counts[:, 0] - 0.5 * X_counts[:, 1] ** 2))
poisson = DNNRegressor(
    loss="poisson",
    hidden_layer_sizes=(16,),
    learning_rate_init=0.01,
    max_iter=300,
    early_stopping=True,
    random_state=0,
)
poisson.fit(X_counts, counts)
predicted = poisson.predict(X_counts)
print(
    f"poisson: min prediction {predicted.min():.3f} (always positive), mean deviance "
    f"{mean_poisson_deviance(counts, predicted):.3f} against "
    f"{mean_poisson_deviance(counts, np.full(len(counts), counts.mean())):.3f} for the mean"
)
