"""
Training on data larger than memory
===================================

``partial_fit`` runs one epoch over the rows it is given and keeps the optimizer's
state between calls, so a model can learn from data that never sits in memory at once:
pass it one chunk at a time. Here the data is a NumPy memmap (an ``.npy`` file on disk)
read chunk by chunk, and the same file as a Dask array, computed one block at a time.
With ``shuffle=False`` (or the same ``random_state``) both walks give the same model.
"""

# %%
# The data, written to disk one chunk at a time: 20,000 rows of 20 features, of
# which only one chunk of 2,000 rows is ever in memory. The label depends on the first
# three features, not linearly.
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from skdnn import DNNClassifier
from skdnn.plot import save_figures

N_ROWS, N_FEATURES, CHUNK, EPOCHS = 20_000, 20, 2_000, 3
folder = tempfile.TemporaryDirectory(ignore_cleanup_errors=True)
X_path, y_path = Path(folder.name) / "X.npy", Path(folder.name) / "y.npy"
X_disk = np.lib.format.open_memmap(X_path, "w+", np.float32, (N_ROWS, N_FEATURES))
y_disk = np.lib.format.open_memmap(y_path, "w+", np.int64, (N_ROWS,))
rng = np.random.RandomState(0)
for start in range(0, N_ROWS, CHUNK):
    Xc = rng.standard_normal((CHUNK, N_FEATURES)).astype(np.float32)
    X_disk[start : start + CHUNK] = Xc
    y_disk[start : start + CHUNK] = np.sin(2 * Xc[:, 0]) + Xc[:, 1] * Xc[:, 2] > 0
X_disk.flush()
y_disk.flush()
del X_disk, y_disk
X_disk, y_disk = np.load(X_path, mmap_mode="r"), np.load(y_path, mmap_mode="r")
print(f"X on disk: {X_disk.shape}, {X_path.stat().st_size / 2**20:.1f} MiB; "
      f"chunks of {CHUNK} rows")

# %%
# ``partial_fit`` over the memmap's chunks, in order, for a few passes. The first call
# names every class, since the first chunk need not hold them all. ``loss_`` after a
# call is the mean training loss over that chunk.
params = dict(hidden_layer_sizes=(32, 16), batch_size=200, shuffle=False, random_state=0)


def train(chunks):
    """A new classifier trained by ``partial_fit`` over ``chunks()``; its chunk losses."""
    clf, losses = DNNClassifier(**params), []
    for _ in range(EPOCHS):
        for Xc, yc in chunks():
            clf.partial_fit(Xc, yc, classes=[0, 1])
            losses.append(clf.loss_)
    return clf, losses


def memmap_chunks():
    for start in range(0, N_ROWS, CHUNK):
        yield X_disk[start : start + CHUNK], y_disk[start : start + CHUNK]


clf, losses = train(memmap_chunks)
rng_test = np.random.RandomState(1)
X_test = rng_test.standard_normal((2_000, N_FEATURES)).astype(np.float32)
y_test = (np.sin(2 * X_test[:, 0]) + X_test[:, 1] * X_test[:, 2] > 0).astype(np.int64)
print(f"memmap: {clf.t_} rows seen, test accuracy {clf.score(X_test, y_test):.3f}")
curves = {"memmap chunks": losses}

# %%
# The same file as a Dask array, when Dask is installed: ``Xd.blocks[i].compute()``
# reads one block into memory. The blocks are the memmap's chunks, so the model is the
# same to the last bit.
try:
    import dask.array as da
except ImportError:
    da = None
    print("dask is not installed: the Dask pass is skipped")

if da is not None:
    Xd = da.from_array(X_disk, chunks=(CHUNK, N_FEATURES))
    yd = da.from_array(y_disk, chunks=CHUNK)

    def dask_chunks():
        for i in range(Xd.numblocks[0]):
            yield Xd.blocks[i].compute(), yd.blocks[i].compute()

    clf_dask, curves["Dask blocks"] = train(dask_chunks)
    same = all(np.array_equal(a, b) for a, b in zip(clf.coefs_, clf_dask.coefs_))
    print(f"Dask: the same weights as the memmap pass: {same}")

# %%
# The training loss per chunk; the dotted lines mark the end of each pass over the file.
n_chunks = N_ROWS // CHUNK
fig, ax = plt.subplots(figsize=(7, 4))
for (name, curve), style in zip(curves.items(), ["-o", "--x"]):
    ax.plot(np.arange(1, len(curve) + 1), curve, style, label=name, markersize=4)
for epoch in range(1, EPOCHS):
    ax.axvline(epoch * n_chunks + 0.5, color="grey", linestyle=":")
ax.set_xlabel("partial_fit call (one chunk)")
ax.set_ylabel("mean training loss over the chunk")
ax.set_title(f"DNNClassifier.partial_fit over {n_chunks} chunks, {EPOCHS} passes")
ax.legend()
fig.tight_layout()
folder.cleanup()
save_figures("plot_out_of_core")
