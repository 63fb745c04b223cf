"""Ways to choose a detector's threshold; each returns the value and a JSON record of how it was chosen.

A sequence is flagged when its score is strictly greater than the threshold (the PyOD convention).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Optional

import numpy as np

from .evaluation import check_labels

log = logging.getLogger(__name__)

METHODS = ("top_g", "k_sigma", "contamination", "best_f1", "fixed")


@dataclasses.dataclass(frozen=True)
class Threshold:
    """A chosen threshold.

    Attributes
    ----------
    value : float
        Scores strictly above it are anomalous.
    method : dict
        ``{"name": ..., <parameters>, <statistics of the data it was chosen on>}``; saved with the model.
    """

    value: float
    method: dict


def check_parameters(*, k=None, contamination=None, value=None) -> None:
    """Refuse a method parameter out of range (None = not given), before any scores are computed.

    Parameters
    ----------
    k : float, optional
        ``k_sigma``'s number of standard deviations: a finite number >= 0.
    contamination : float, optional
        The share flagged by ``contamination``: in (0, 0.5).
    value : float, optional
        A ``fixed`` threshold: a finite number.
    """
    def finite(x) -> bool:
        return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_)) \
            and bool(np.isfinite(x))

    if k is not None and (not finite(k) or k < 0):
        raise ValueError(f"k (k_sigma: mean + k standard deviations) must be a finite number >= 0, got {k!r}")
    if contamination is not None and (not finite(contamination) or not 0 < contamination < 0.5):
        raise ValueError(f"contamination (the share of validation scores flagged) must be in (0, 0.5), got "
                         f"{contamination!r}")
    if value is not None and not finite(value):
        raise ValueError(f"threshold_value (the fixed threshold) must be a finite number, got {value!r}")


def _weights(scores: np.ndarray, sample_weight: Optional[np.ndarray]) -> np.ndarray:
    if sample_weight is None:
        return np.ones(len(scores))
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != scores.shape or w.min() < 0 or w.sum() <= 0:
        raise ValueError(f"sample_weight must be non-negative, shape {scores.shape}, with a positive sum")
    return w


def _check_scores(scores) -> np.ndarray:
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    if s.size == 0:
        raise ValueError("no scores to choose a threshold from")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores hold NaN or infinity")
    return s


def top_g(score: str) -> Threshold:
    """DeepLog's rule: anomalous as soon as one step's actual event is outside the top-g predictions.

    Only for the ``count`` and ``share`` scores (threshold 0: any unexpected step flags the sequence).
    """
    if score not in ("count", "share"):
        raise ValueError(f"the top-g rule needs the 'count' or 'share' score, not {score!r}; "
                         "for NLL scores set threshold='k_sigma', 'contamination', 'best_f1' or 'fixed' "
                         "(with_params(threshold=...) or set_params), or use score='count'")
    return Threshold(0.0, {"name": "top_g", "rule": "flag when at least one step is unexpected"})


def k_sigma(scores, k: float = 3.0, sample_weight=None, labels=None) -> Threshold:
    """Mean + k standard deviations of scores on clean (normal) validation data (reference: k = 3).

    Parameters
    ----------
    scores : array-like
        ``[n]`` validation scores.
    k : float
        Standard deviations above the mean, >= 0.
    sample_weight : array-like, optional
        ``[n]`` weights (as if repeated).
    labels : array-like, optional
        ``[n]`` 0/1 labels (1 = anomalous; other values are refused, as by
        :func:`~dl4j_bridge.detectors.evaluation.check_labels`). When given, only the normal (0) sequences make
        the mean and the standard deviation -- the criterion is about clean data: anomalous scores in the statistics raise
        the threshold (a probability score's could go above 1 and flag nothing). ``n`` in the record counts
        the normal sequences used, ``anomalous_left_out`` the others.

    Raises
    ------
    ValueError
        ``labels`` mark every sequence anomalous (no clean data to take the statistics from); labels other than
        0/1, or not one per score.
    """
    check_parameters(k=k)
    s = _check_scores(scores)
    w = _weights(s, sample_weight)
    left_out = 0
    if labels is not None:
        normal = ~check_labels(labels, len(s))
        if not normal.any():
            raise ValueError(f"k_sigma takes mean + k standard deviations of the scores of normal sequences, but "
                             f"all {len(s)} validation sequences are labelled anomalous: pass validation data "
                             "holding normal sequences (labels 0), or use threshold='best_f1' or 'contamination'")
        left_out = int((~normal).sum())
        if left_out:
            log.info("k_sigma: %d of %d validation sequences are labelled anomalous and left out of the mean and "
                     "standard deviation", left_out, len(s))
        s, w = s[normal], w[normal]
        if w.sum() <= 0:
            raise ValueError("k_sigma: the normal validation sequences all have weight 0")
    mean = float(np.average(s, weights=w))
    std = float(np.sqrt(np.average((s - mean) ** 2, weights=w)))
    method = {"name": "k_sigma", "k": float(k), "mean": mean, "std": std, "n": int(len(s)),
              "weight": float(w.sum())}
    if labels is not None:
        method["anomalous_left_out"] = left_out
    return Threshold(mean + k * std, method)


def contamination(scores, contamination: float = 0.01, sample_weight=None) -> Threshold:
    """The (1 - contamination) weighted quantile of validation scores: that share of them is flagged, or less
    when scores are tied at the cut (flags are ``score > threshold``; a tie is never split) or when there are
    too few scores (a quantile flags whole sequences: 40 scores and 0.024 flag none, as 0.024 x 40 < 1).
    The share really flagged is recorded as ``flagged_share``; a warning names the cause when it is under
    half the share asked for.

    As PyOD's ``contamination``, it is the expected share of outliers in the data the threshold is chosen
    on: every score counts, labelled anomalous or not (for a false-positive rate on clean data, pass the
    normal sequences only).
    """
    check_parameters(contamination=contamination)
    s = _check_scores(scores)
    w = _weights(s, sample_weight)
    order = np.argsort(s, kind="stable")
    cum = np.cumsum(w[order]) / w.sum()
    # the tolerance keeps float rounding of the cumulative share (0.8199999... for 0.82) from flagging one fewer
    cut = min(len(s) - 1, int(np.searchsorted(cum, 1.0 - contamination - 1e-9)))
    value = float(s[order][cut])
    flagged_share = float(w[s > value].sum() / w.sum())
    if flagged_share < 0.5 * contamination:
        untied_share = float(1.0 - cum[cut])   # what the quantile would flag were no score tied with the cut
        if untied_share < 0.5 * contamination:
            n_needed = int(np.ceil(1.0 / contamination))
            log.warning("contamination=%g: only %.4g of the %d validation scores are above the threshold %g, "
                        "because there are too few of them: contamination x n = %.3g is under one sequence, and "
                        "a quantile flags whole sequences. Use at least %d validation sequences (or a larger "
                        "contamination)", contamination, flagged_share, len(s), value, contamination * len(s),
                        n_needed)
        else:
            log.warning("contamination=%g: only %.4g of the validation scores are above the threshold %g (tied "
                        "scores at the cut are not flagged); a score with fewer ties (e.g. nll) flags closer to "
                        "that share", contamination, flagged_share, value)
    return Threshold(value, {"name": "contamination", "contamination": float(contamination), "n": int(len(s)),
                             "flagged_share": flagged_share})


def best_f1(scores, labels, sample_weight=None) -> Threshold:
    """The threshold with the best F1 on a labelled validation set (ties: the highest threshold).

    Parameters
    ----------
    scores : array-like
        ``[n]`` validation scores.
    labels : array-like
        ``[n]`` 0/1 labels (1 = anomalous); other values (-1/+1, class ids, strings, NaN) are refused, as by
        :func:`~dl4j_bridge.detectors.evaluation.check_labels`.
    sample_weight : array-like, optional
        ``[n]`` weights (as if repeated).

    Raises
    ------
    ValueError
        Labels other than 0/1, not one per score, or of one class only.
    """
    s = _check_scores(scores)
    y = check_labels(labels, len(s))
    if not y.any() or y.all():
        raise ValueError("best_f1 needs labelled validation data holding both normal and anomalous sequences")
    w = _weights(s, sample_weight)
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted, w_sorted = s[order], y[order], w[order]
    tp = np.cumsum(w_sorted * y_sorted)
    fp = np.cumsum(w_sorted * ~y_sorted)
    positives = tp[-1]
    # candidate cut after each distinct score: flag everything >= s_sorted[i]
    last_of_run = np.r_[s_sorted[1:] != s_sorted[:-1], True]
    tp, fp, cut = tp[last_of_run], fp[last_of_run], s_sorted[last_of_run]
    f1 = 2 * tp / (tp + fp + positives)
    best = int(np.argmax(f1))
    # flag scores >= cut[best]: the threshold sits just below it, halfway to the next lower score
    lower = cut[best + 1] if best + 1 < len(cut) else cut[best] - 1.0
    value = float((cut[best] + lower) / 2)
    if value >= cut[best]:   # adjacent doubles: the midpoint rounds onto the cut, which would then not be flagged
        value = float(np.nextafter(cut[best], -np.inf))
    return Threshold(value, {"name": "best_f1", "f1": float(f1[best]), "n": int(len(s)),
                             "positives": float(positives)})


def fixed(value: float) -> Threshold:
    return Threshold(float(value), {"name": "fixed"})


def choose(method: str, scores=None, *, labels=None, sample_weight=None, score: str = "count", k: float = 3.0,
           contamination_share: float = 0.01, value: Optional[float] = None) -> Threshold:
    """Dispatch by name (one of :data:`METHODS`). ``labels`` (0/1 per score) are used by ``best_f1`` and by
    ``k_sigma`` (its statistics over the normal ones only); ``contamination`` counts every score."""
    if method == "top_g":
        return top_g(score)
    if method == "k_sigma":
        return k_sigma(scores, k, sample_weight, labels=labels)
    if method == "contamination":
        return contamination(scores, contamination_share, sample_weight)
    if method == "best_f1":
        if labels is None:
            raise ValueError("best_f1 needs labels for the validation sequences")
        return best_f1(scores, labels, sample_weight)
    if method == "fixed":
        if value is None:
            raise ValueError("a fixed threshold needs a value")
        check_parameters(value=value)
        return fixed(value)
    raise ValueError(f"unknown threshold method {method!r}; one of {METHODS}")
