"""
Dropout and smooth activations on the digits
=============================================

Train :class:`skdnn.DNNClassifier` on the handwritten digits with early stopping, with
and without ``dropout=0.2``, and with the ReLU and GELU activations, and print for each
the final training loss, the best validation score and the test accuracy.

Dropout zeroes each hidden unit with probability ``p`` while training (and scales the
others by ``1 / (1 - p)``); it is never applied at prediction or in the validation
pass, so the training loss (measured on dropped-out networks) runs above the loss of
the network that predicts. ``"gelu"`` is the tanh approximation of
``z * Phi(z)``; ``activation`` also takes a tuple, one per hidden layer.
"""

# %%
import time

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skdnn import DNNClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# %%
# Four models, the same seed and early stopping for all of them. (A tuple such as
# ``("gelu", "relu")`` would set one activation per hidden layer.)
print(f"{'activation':<14}{'dropout':>8}{'train loss':>12}{'best val':>10}{'test acc':>10}{'s':>6}")
for activation in ("relu", "gelu"):
    for dropout in (0.0, 0.2):
        clf = DNNClassifier(
            hidden_layer_sizes=(64, 32),
            activation=activation,
            dropout=dropout,
            early_stopping=True,
            n_iter_no_change=10,
            max_iter=100,
            random_state=0,
        )
        tic = time.perf_counter()
        clf.fit(X_train, y_train)
        seconds = time.perf_counter() - tic
        name = activation if isinstance(activation, str) else "/".join(activation)
        print(
            f"{name:<14}{dropout:>8.1f}{clf.loss_:>12.4f}{clf.best_validation_score_:>10.3f}"
            f"{clf.score(X_test, y_test):>10.3f}{seconds:>6.1f}"
        )
