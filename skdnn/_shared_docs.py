"""Parameter descriptions that :class:`~skdnn.DNNClassifier` and
:class:`~skdnn.DNNRegressor` share word for word, written once and put into both
docstrings (:func:`fill`)."""

from __future__ import annotations

#: ``n_threads``, ``lr_schedule`` and ``weight_decay``.
TRAINING_PARAMETERS = """\
    n_threads : int or None, default=None
        BLAS threads of the matrix products (NumPy backend), as ``n_jobs`` is for
        scikit-learn's parallel estimators. None: skdnn chooses per fit and per predict,
        from the sizes of the products and, where they cannot decide, by timing the first
        minibatches on one thread and on all (checked again now and then); see the user
        guide's page on threads. An int: that many threads; ``-1``: all allowed, ``-2``:
        all but one. Never more than a limit already in force (``threadpoolctl``'s
        ``threadpool_limits``, or joblib's in ``GridSearchCV(n_jobs=k)`` workers), and
        only inside skdnn's own calls. Other backends follow their own setting (torch:
        ``torch.set_num_threads``). The thread count does not change the maths, but the
        BLAS may sum in another order: for bitwise identical results across calls, fix it
        (e.g. ``n_threads=1``).
    lr_schedule : None, str or schedule object, default=None
        A learning-rate schedule over the run, applied at every minibatch step of
        ``"sgd"`` and ``"adam"`` alike: the step's learning rate is the optimizer's
        (``learning_rate_init``) times the schedule's multiplier at that step.
        None (the default): no multiplier, the ``learning_rate`` behaviour of
        ``MLPClassifier`` exactly. ``"cosine"``: from 1 to 0 along a half cosine;
        ``"warmup_cosine"``: a linear warm-up over the first 5% of the steps, then
        cosine; ``"coslog4"``: RealMLP's four cosine cycles evenly spaced in log time;
        any name in :data:`skdnn.schedules.registry`, or an object with a
        ``multiplier(step, total_steps)`` method (see :class:`skdnn.schedules.Schedule`).
        The budget is ``max_iter`` epochs times the minibatches of one epoch; a run
        stopped earlier (by ``n_iter_no_change``, ``early_stopping``, which then keeps
        its best epoch as always) never reaches the schedule's end. Each ``fit``, a
        warm-started one included, runs a new schedule over its own ``max_iter``.
        Refused with ``solver="lbfgs"`` (no learning rate), with ``partial_fit`` (no
        budget of steps) and beside ``learning_rate="invscaling"`` or ``"adaptive"``
        (two schedules). See :doc:`/user_guide/training_tools`.
    weight_decay : float, default=0.0
        Decoupled weight decay (AdamW, SGDW): before each minibatch step the weights
        (not the biases, as ``alpha`` penalizes only the weights) are multiplied by
        ``1 - lr_t * weight_decay``, ``lr_t`` being that step's learning rate (the
        schedule's multiplier included). Unlike ``alpha``, an L2 term in the loss whose
        gradient Adam rescales, it shrinks every weight at the same relative rate.
        Works beside ``alpha``. 0 (the default) trains exactly as without it. Refused
        with ``solver="lbfgs"`` (use ``alpha``)."""

#: ``n_ensemble`` and ``ensemble``.
ENSEMBLE_PARAMETERS = """\
    n_ensemble : int, default=1
        Members ``k`` of an ensemble trained in one pass: every layer's weights and
        activations get a leading member axis, and one batched matrix product serves
        all members. The members start apart, see the same minibatches, and the
        training loss is the mean of their losses. 1 (the default) is the plain
        network, whatever ``ensemble`` says. See :ref:`ensembles`.
    ensemble : {"batch", "packed"}, default="batch"
        How the members of ``n_ensemble > 1`` are built. ``"packed"``: independent
        networks (each its own weights, drawn by ``init`` in member order; the L2
        penalty is the mean of the members'). ``"batch"``: TabM's BatchEnsemble
        sharing, one weight matrix per hidden layer shared by all members with
        per-member rank-1 multiplicative adapters on its input and output (the first
        layer's input adapters start as random signs, the others as ones) and
        per-member biases; the output layer is one head per member. Fewer parameters
        than ``"packed"``, about the same time."""

_MARKERS = {
    "    {training parameters}": TRAINING_PARAMETERS,
    "    {ensemble parameters}": ENSEMBLE_PARAMETERS,
}


def fill(doc: str) -> str:
    """``doc`` with each marker line replaced by the shared descriptions.

    Parameters
    ----------
    doc : str
        A class docstring holding the marker lines.

    Returns
    -------
    str
    """
    for marker, text in _MARKERS.items():
        if marker not in doc:
            raise ValueError(f"the docstring lacks the line {marker.strip()!r}")
        doc = doc.replace(marker, text)
    return doc
