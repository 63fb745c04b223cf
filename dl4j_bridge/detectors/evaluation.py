"""Evaluation of a detector at its chosen threshold, correct when a split holds one class only.

A figure that is undefined on the data (e.g. recall without any anomalous sequence, ROC AUC with one class)
is ``None``, never a silent 0 or NaN.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from .. import shapes


def _f_beta(tp: float, fp: float, fn: float, beta: float) -> Optional[float]:
    b2 = beta * beta
    denominator = (1 + b2) * tp + b2 * fn + fp
    return None if denominator == 0 else float((1 + b2) * tp / denominator)


def metrics(labels, scores, threshold: float, sample_weight=None) -> dict:
    """Figures of ``scores > threshold`` against 0/1 ``labels``.

    Parameters
    ----------
    labels : array-like
        ``[n]`` 1 = anomalous.
    scores : array-like
        ``[n]`` anomaly scores, higher = more anomalous.
    threshold : float
        Flag scores strictly above it (the detectors' ``threshold_``).
    sample_weight : array-like, optional
        ``[n]`` e.g. the count of each deduplicated sequence.

    Returns
    -------
    dict
        ``n``, ``positives``, ``negatives``, ``threshold``, ``precision``, ``recall``, ``f1``, ``f2``,
        ``accuracy``, ``fpr``, ``roc_auc``, ``pr_auc`` (average precision) and ``confusion_matrix``
        ``[[tn, fp], [fn, tp]]`` (rows actual, columns predicted). Undefined figures are None.
    """
    y = np.asarray(labels).reshape(-1).astype(bool)
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    if y.shape != s.shape:
        raise ValueError(f"labels and scores differ in length: {y.shape} vs {s.shape}")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores hold NaN or infinity")
    w = np.ones(len(s)) if sample_weight is None else shapes.check_per_sequence(
        np.asarray(sample_weight).reshape(-1), len(s), what="sample_weight", non_negative=True).astype(np.float64)
    flagged = s > threshold
    tp = float(w[y & flagged].sum())
    fp = float(w[~y & flagged].sum())
    fn = float(w[y & ~flagged].sum())
    tn = float(w[~y & ~flagged].sum())
    positives, negatives = tp + fn, fp + tn
    out = {
        "n": float(w.sum()), "positives": positives, "negatives": negatives, "threshold": float(threshold),
        "precision": None if tp + fp == 0 else tp / (tp + fp),
        "recall": None if positives == 0 else tp / positives,
        "fpr": None if negatives == 0 else fp / negatives,
        "f1": _f_beta(tp, fp, fn, 1.0), "f2": _f_beta(tp, fp, fn, 2.0),
        "accuracy": None if positives + negatives == 0 else (tp + tn) / (positives + negatives),
        "confusion_matrix": [[_int(tn), _int(fp)], [_int(fn), _int(tp)]],
        "roc_auc": None, "pr_auc": None,
    }
    if positives > 0 and negatives > 0:
        from sklearn.metrics import average_precision_score, roc_auc_score

        out["roc_auc"] = float(roc_auc_score(y, s, sample_weight=w))
        out["pr_auc"] = float(average_precision_score(y, s, sample_weight=w))
    return out


def curves(labels, scores, sample_weight=None) -> Optional[dict]:
    """ROC and precision-recall curves, or None when the labels hold one class only."""
    y = np.asarray(labels).reshape(-1).astype(bool)
    if y.all() or not y.any():
        return None
    from sklearn.metrics import precision_recall_curve, roc_curve

    fpr, tpr, _ = roc_curve(y, scores, sample_weight=sample_weight)
    precision, recall, _ = precision_recall_curve(y, scores, sample_weight=sample_weight)
    return {"fpr": fpr, "tpr": tpr, "precision": precision, "recall": recall}


def _int(value: float):
    return int(value) if float(value).is_integer() else float(value)


def format_metrics(m: dict) -> str:
    """One line: ``precision 0.95 recall 0.91 ...`` (``n/a`` for undefined figures)."""
    def f(key):
        value = m.get(key)
        return "n/a" if value is None else f"{value:.4f}"

    return (f"precision {f('precision')} recall {f('recall')} f1 {f('f1')} f2 {f('f2')} accuracy {f('accuracy')} "
            f"roc_auc {f('roc_auc')} pr_auc {f('pr_auc')} confusion [[tn fp] [fn tp]] {m['confusion_matrix']}")
