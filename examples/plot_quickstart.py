"""
Quickstart: skdnn next to MLPClassifier on the digits
=====================================================

Train :class:`skdnn.DNNClassifier` and scikit-learn's ``MLPClassifier`` with the same
settings on the handwritten digits and print test accuracy and training time.
"""

# %%
import time

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skdnn import DNNClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# %%
# The same parameters work for both estimators. (The very first fit after installing
# skdnn also compiles its fused kernels, about a second, and caches them on disk.)
for model in (DNNClassifier(random_state=0), MLPClassifier(random_state=0)):
    tic = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - tic
    print(
        f"{type(model).__name__:>14}: test accuracy {model.score(X_test, y_test):.4f}, "
        f"{model.n_iter_} epochs in {seconds:.2f} s"
    )
