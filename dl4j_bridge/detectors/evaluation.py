"""Evaluation of a detector at its chosen threshold, correct when a split holds one class only.

A figure that is undefined on the data (e.g. recall without any anomalous sequence, ROC AUC with one class)
is ``None``, never a silent 0 or NaN.
"""

from __future__ import annotations

import numbers
from typing import Optional

import numpy as np

from .. import shapes


def check_labels(labels, n: Optional[int] = None, *, what: str = "labels") -> np.ndarray:
    """0/1 labels (1 = anomalous) as a boolean array, refused unless they are exactly that.

    Parameters
    ----------
    labels : array-like
        ``[n]`` one label per sequence: bool, or numbers (int, float, or Python numbers in an object array)
        whose values are exactly 0 or 1.
    n : int, optional
        The number of scores the labels go with: ``labels`` must be 1-D of that length.
    what : str
        The name used in messages.

    Returns
    -------
    numpy.ndarray
        ``[n]`` bool, True = anomalous.

    Raises
    ------
    ValueError
        Labels that are not 1-D, not of length ``n``, not numbers (strings such as ``"0"``/``"1"``), or numbers
        other than 0 and 1 (-1/+1, class ids 1/2, NaN, probabilities): the message names what was found and
        what to pass. Class ids or -1/+1 labels are never guessed to be anomalous or normal.
    """
    try:
        a = np.asarray(labels)
    except (TypeError, ValueError) as error:   # ragged nested lists
        raise ValueError(f"{what} must be a 1-D array of 0/1 (1 = anomalous); numpy cannot make one of it "
                         f"({error})") from None
    if a.ndim != 1:
        raise ValueError(f"{what} must be 1-D, one 0/1 label per sequence, got shape {a.shape}"
                         + ("" if n is None else f" for {n} scores") + ": pass one label per score "
                         "(reshape(-1) only if the array really holds them in the scores' order)")
    if n is not None and len(a) != n:
        raise ValueError(f"{what} and scores differ in length: {len(a)} labels for {n} scores; pass one 0/1 label "
                         "per score")
    if a.dtype == bool:
        return a
    if a.dtype == object and all(isinstance(v, numbers.Real) for v in a):   # Python numbers, e.g. a pandas column
        a = a.astype(np.float64)
    if not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)):
        shown = ", ".join(repr(v) for v in list(dict.fromkeys(a.tolist()))[:5])
        raise ValueError(f"{what} must be numbers 0/1 (1 = anomalous) or bool, got dtype {a.dtype} (values {shown})"
                         ": convert them first, e.g. np.asarray(labels) == \"attack\", or labels.astype(int) for "
                         "the strings \"0\"/\"1\"")
    with np.errstate(invalid="ignore"):
        bad = ~((a == 0) | (a == 1))
    if bad.any():
        found = np.unique(a[bad])   # NaN sorts last; unique keeps each NaN, hence the slice
        shown = ", ".join(repr(v.item()) for v in found[:5]) + (", ..." if len(found) > 5 else "")
        raise ValueError(f"{what} must be 0 (normal) or 1 (anomalous), but {int(bad.sum())} of {len(a)} are not "
                         f"({shown}). Class ids or -1/+1 labels are not read as "
                         "either: pass (labels > 0) for class ids with 0 normal, (labels == 1) for -1/+1, or the "
                         "classes you mean as anomalous (np.isin(labels, [...]))")
    return a == 1


def check_threshold(threshold) -> float:
    """``threshold`` as a float: a real, finite number (not bool), else ValueError saying what to pass."""
    if isinstance(threshold, (bool, np.bool_)) or not isinstance(threshold, numbers.Real) \
            or not np.isfinite(float(threshold)):
        raise ValueError(f"threshold must be a finite number (scores strictly above it are flagged), got "
                         f"{threshold!r}: pass the detector's threshold_ or a number")
    return float(threshold)


def _check_scores(scores, n: int) -> np.ndarray:
    s = shapes.check_numeric(scores, "scores")
    if s.ndim != 1:
        raise ValueError(f"scores must be 1-D, one per sequence, got shape {s.shape}")
    s = s.astype(np.float64)
    if len(s) != n:
        raise ValueError(f"labels and scores differ in length: {n} labels for {len(s)} scores")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores hold NaN or infinity")
    return s


def _weights(sample_weight, n: int) -> np.ndarray:
    if sample_weight is None:
        return np.ones(n)
    return shapes.check_per_sequence(np.asarray(sample_weight).reshape(-1), n, what="sample_weight",
                                     non_negative=True).astype(np.float64)


def _f_beta(tp: float, fp: float, fn: float, beta: float) -> Optional[float]:
    if tp + fn == 0:   # no positives: recall is undefined, and so is F (never 0 at one threshold, n/a at another)
        return None
    b2 = beta * beta
    return float((1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp))


def metrics(labels, scores, threshold: float, sample_weight=None) -> dict:
    """Figures of ``scores > threshold`` against 0/1 ``labels``.

    Parameters
    ----------
    labels : array-like
        ``[n]`` 0/1 (or bool), 1 = anomalous; see :func:`check_labels`.
    scores : array-like
        ``[n]`` anomaly scores, higher = more anomalous.
    threshold : float
        Flag scores strictly above it (the detectors' ``threshold_``); a finite number.
    sample_weight : array-like, optional
        ``[n]`` e.g. the count of each deduplicated sequence.

    Returns
    -------
    dict
        ``n``, ``positives``, ``negatives`` (weighted), ``threshold``, ``precision``, ``recall``, ``f1``,
        ``f2``, ``accuracy``, ``fpr``, ``roc_auc``, ``pr_auc`` (average precision, not the trapezoidal area
        under the PR curve; also as ``average_precision``) and ``confusion_matrix`` ``[[tn, fp], [fn, tp]]``
        (rows actual, columns predicted). Undefined figures are None: ``recall``, ``f1`` and ``f2`` whenever
        there are no positives (whatever the threshold), ``precision`` when nothing is flagged, ``fpr``
        without negatives, ``roc_auc`` and ``pr_auc`` with one class only.

    Raises
    ------
    ValueError
        Labels other than 0/1, of another shape than the scores; scores that are NaN or infinite; a threshold
        that is no finite number; negative or non-finite weights.
    """
    threshold = check_threshold(threshold)
    y = check_labels(labels)
    s = _check_scores(scores, len(y))
    w = _weights(sample_weight, len(s))
    flagged = s > threshold
    tp = float(w[y & flagged].sum())
    fp = float(w[~y & flagged].sum())
    fn = float(w[y & ~flagged].sum())
    tn = float(w[~y & ~flagged].sum())
    positives, negatives = tp + fn, fp + tn
    out = {
        "n": float(w.sum()), "positives": positives, "negatives": negatives, "threshold": threshold,
        "precision": None if tp + fp == 0 else tp / (tp + fp),
        "recall": None if positives == 0 else tp / positives,
        "fpr": None if negatives == 0 else fp / negatives,
        "f1": _f_beta(tp, fp, fn, 1.0), "f2": _f_beta(tp, fp, fn, 2.0),
        "accuracy": None if positives + negatives == 0 else (tp + tn) / (positives + negatives),
        "confusion_matrix": [[_int(tn), _int(fp)], [_int(fn), _int(tp)]],
        "roc_auc": None, "pr_auc": None, "average_precision": None,
    }
    if positives > 0 and negatives > 0:
        from sklearn.metrics import average_precision_score, roc_auc_score

        out["roc_auc"] = float(roc_auc_score(y, s, sample_weight=w))
        out["pr_auc"] = out["average_precision"] = float(average_precision_score(y, s, sample_weight=w))
    return out


def curves(labels, scores, sample_weight=None) -> Optional[dict]:
    """ROC and precision-recall curves, or None when the (weighted) labels hold one class only.

    Parameters
    ----------
    labels : array-like
        ``[n]`` 0/1 (or bool), 1 = anomalous; see :func:`check_labels`.
    scores : array-like
        ``[n]`` anomaly scores.
    sample_weight : array-like, optional
        ``[n]`` weights, as given to :func:`metrics` (so that the curves match its ROC AUC and average
        precision).

    Returns
    -------
    dict or None
        ``fpr``, ``tpr`` (ROC) and ``precision``, ``recall`` (sklearn's ``precision_recall_curve``: draw it
        as steps, ``drawstyle="steps-post"``, as the average precision sums it).
    """
    y = check_labels(labels)
    s = _check_scores(scores, len(y))
    w = _weights(sample_weight, len(s))
    if w[y].sum() <= 0 or w[~y].sum() <= 0:
        return None
    from sklearn.metrics import precision_recall_curve, roc_curve

    fpr, tpr, _ = roc_curve(y, s, sample_weight=w)
    precision, recall, _ = precision_recall_curve(y, s, sample_weight=w)
    return {"fpr": fpr, "tpr": tpr, "precision": precision, "recall": recall}


def _int(value: float):
    return int(value) if float(value).is_integer() else float(value)


def format_metrics(m: dict) -> str:
    """One line: ``precision 0.95 recall 0.91 ...`` (``n/a`` for undefined figures; ``pr_auc`` is the average
    precision)."""
    def f(key):
        value = m.get(key)
        return "n/a" if value is None else f"{value:.4f}"

    return (f"precision {f('precision')} recall {f('recall')} f1 {f('f1')} f2 {f('f2')} accuracy {f('accuracy')} "
            f"roc_auc {f('roc_auc')} average_precision {f('pr_auc')} confusion [[tn fp] [fn tp]] "
            f"{m['confusion_matrix']}")
