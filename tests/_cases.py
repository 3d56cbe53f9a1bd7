"""Inputs shared by the fused-kernel tests (Numba in test_kernels, CuPy in
test_cuda_kernels)."""

import numpy as np

from skdnn import optimizers

#: Optimizer factories, each a fresh instance (the state lives in the step's dict).
OPTIMIZERS = {
    "adam": lambda: optimizers.Adam(learning_rate_init=0.01),
    "sgd-nesterov": lambda: optimizers.SGD(learning_rate_init=0.1, nesterovs_momentum=True),
    "sgd": lambda: optimizers.SGD(learning_rate_init=0.1, nesterovs_momentum=False),
}


def cross_entropy_inputs(dtype, link, n_out, weighted):
    """Logits, targets and sample weights (or None) for 7 rows.

    Two logits are +/-300, so confident rows take the bounded path of ``exp``.

    Returns
    -------
    raw, Y : ndarray of shape (7, n_out)
    sw : ndarray of shape (7,) or None
    """
    rng = np.random.RandomState(0)
    raw = (rng.standard_normal((7, n_out)) * 3).astype(dtype)
    raw[0, 0], raw[1, -1] = 300.0, -300.0
    if link == "softmax":
        Y = np.eye(n_out, dtype=dtype)[rng.randint(0, n_out, 7)]
    else:
        Y = rng.randint(0, 2, (7, n_out)).astype(dtype)
    sw = rng.uniform(0.1, 2.0, 7).astype(dtype) if weighted else None
    return raw, Y, sw
