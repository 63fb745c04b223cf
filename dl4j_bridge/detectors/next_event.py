"""The unsupervised detector: a model of normal behaviour that flags the events it did not expect."""

from __future__ import annotations

import logging
import numbers
from typing import Optional

import numpy as np

from .. import arrays, shapes
from ..etl import SequenceBatch
from ..javaerrors import java_errors
from .base import BaseDetector, Scores, _kept

SCORES = ("count", "share", "nll", "max_nll")

log = logging.getLogger(__name__)


def _check_fraction(value, name: str) -> None:
    """A share in [0, 1] for the choose_* methods: a ValueError naming it otherwise (2 or NaN chose nonsense)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= float(value) <= 1:
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")


class NextEventDetector(BaseDetector):
    """DeepLog-style next-event model, trained on normal data only.

    The RnnOutputLayer's softmax over event (template) ids predicts, at every step, the event of the next
    step (and, at the last step of a window, the event after the window: ``batch.next_ids``, whose line is
    ``batch.next_lines``; for a part of a session split at ``max_length``, the first event of the next part). A
    step is
    *unexpected* when the actual event is not among the ``top_g`` most probable ones, or is the
    out-of-vocabulary id (an event never seen in training is an anomaly by definition). Numeric features of
    the batch (``x`` beyond the one-hot ids) are part of the input.

    Parameters
    ----------
    top_g : int
        DeepLog's g (default 9).
    score : {"count", "share", "nll", "max_nll"}
        Score of a sequence: number or share of unexpected steps, mean or max negative log-likelihood of
        the actual events.
    steps : {"all", "last"}
        Score every step, or only the last one that has a target (DeepLog: h events predict the next).
        Training always uses every step.
    n_events : int, optional
        Size of the event vocabulary, OOV included (e.g. ``pipeline.n_template_ids``); default: the largest
        id in the training batch + 1.
    oov_id : int
        The out-of-vocabulary id (the ETL's is 0); -1 disables the rule.
    end_id : int, optional
        Id of an end-of-session symbol among the targets (e.g. :attr:`~dl4j_bridge.detectors.deeplog.
        KeyVocabulary.end_id`). With ``end_min_probability`` (or :meth:`choose_end_probability`), a step whose
        actual target is the end is unexpected when the model gave the end less than that probability,
        instead of by rank: with a small vocabulary, the end of a session cut short can rank within the top g
        while the model gives it almost no probability.
    end_min_probability : float, optional
        The probability floor of the end symbol (needs ``end_id``).
    never_expected : "untrained", sequence of int or None
        Ids that can never be the next event: they take no top-g place and are never listed as expected.
        ``"untrained"`` (default): the ids no training step had as its target, found by :meth:`fit` (the
        OOV id, start padding such as :attr:`~dl4j_bridge.detectors.deeplog.KeyVocabulary.start_id`);
        ``None``: rank among every output of the network. Fitted value: ``never_expected_``.
    **kwargs
        Training and threshold parameters of :class:`~dl4j_bridge.detectors.base.BaseDetector`; the
        threshold defaults to ``"top_g"`` (any unexpected step), which needs the count or share score.

    Examples
    --------
    >>> det = NextEventDetector(top_g=9).fit(train_batch)      # normal windows from Windows(next_event=True)
    >>> det.decision_function(test_batch), det.predict(test_batch), det.explain(test_batch)
    """

    kind = "next_event"

    def __init__(self, *, top_g: int = 9, score: str = "count", steps: str = "all", n_events: Optional[int] = None,
                 oov_id: int = 0, end_id: Optional[int] = None, end_min_probability: Optional[float] = None,
                 never_expected="untrained", hidden_sizes=(64, 64), epochs: int = 30, batch_size: int = 1024,
                 learning_rate: float = 0.01, updater: str = "adam", threshold: str = "top_g", **kwargs):
        if score not in SCORES:
            raise ValueError(f"score must be one of {SCORES}, got {score!r}")
        if steps not in ("all", "last"):
            raise ValueError(f"steps must be 'all' or 'last', got {steps!r}")
        if isinstance(top_g, bool) or not (isinstance(top_g, numbers.Integral) or (
                isinstance(top_g, numbers.Real) and float(top_g).is_integer())) or top_g < 1:
            raise ValueError(f"top_g must be an integer >= 1 (3.7 is refused, not truncated), got {top_g!r}")
        if end_min_probability is not None and (end_id is None or not 0.0 <= end_min_probability <= 1.0):
            raise ValueError(f"end_min_probability must be in [0, 1] and needs end_id, got {end_min_probability!r} "
                             f"with end_id={end_id!r}")
        named = never_expected is None or isinstance(never_expected, str)
        if (named and never_expected not in (None, "untrained")) or (
                not named and not all(int(i) >= 0 for i in never_expected)):
            raise ValueError(f"never_expected must be 'untrained', None or a list of event ids >= 0, got "
                             f"{never_expected!r}")
        super().__init__(hidden_sizes=hidden_sizes, epochs=epochs, batch_size=batch_size,
                         learning_rate=learning_rate, updater=updater, threshold=threshold, **kwargs)
        self.top_g = int(top_g)
        self.score = score
        self.steps = steps
        self.n_events = n_events
        self.oov_id = int(oov_id)
        self.end_id = None if end_id is None else int(end_id)
        self.end_min_probability = None if end_min_probability is None else float(end_min_probability)
        self.never_expected = never_expected if named else _kept(never_expected,
                                                                 tuple(sorted({int(i) for i in never_expected})))
        self.never_expected_: tuple = ()

    _OWN_PARAMS = ("top_g", "score", "steps", "n_events", "oov_id", "end_id", "end_min_probability",
                   "never_expected")

    def _learn_targets(self, targets: np.ndarray, n_out: int) -> dict:
        trained = set(np.unique(targets[targets >= 0]).tolist())
        untrained = tuple(i for i in range(n_out) if i not in trained)
        if self.never_expected == "untrained":
            never = untrained
        elif self.never_expected is None:
            never = ()
        else:
            if max(self.never_expected, default=-1) >= n_out:
                raise ValueError(f"never_expected id {max(self.never_expected)} is not one of the network's "
                                 f"{n_out} event ids")
            never = tuple(self.never_expected)
        if never:
            log.info("%s: ids %s are never expected as the next event", type(self).__name__, list(never))
        return {"never_expected_": never, "_untrained_ids": untrained}

    def _output_word(self) -> str:
        return "an event id"

    def _flagged_for_unknown_events(self, batch) -> int:
        scores = self.score_batch(batch)
        flagged = scores.scores > self.threshold_
        return int((flagged & (scores.detail_actual == self.oov_id)).sum())

    def _update_targets(self, targets: np.ndarray) -> np.ndarray:
        # the unknown-template id is always unexpected: an update never teaches the network to expect it (it took a
        # top-g place and was listed as expected after an update on a sequence holding an unknown message)
        out = np.array(targets, copy=True)
        out[out == self.oov_id] = -1
        return out

    def _normal_for_update(self, batch, y) -> np.ndarray:
        return np.ones(len(batch), bool)   # every sequence given is to be learned as normal

    def _learned_by_update(self, targets: np.ndarray) -> dict:
        # ids the update trains as targets are trained ids from now on (never the unknown-template id: masked out)
        trained = set(np.unique(targets[targets >= 0]).tolist())
        untrained = tuple(i for i in getattr(self, "_untrained_ids", ()) if i not in trained)
        learned = {"_untrained_ids": untrained}
        if self.never_expected == "untrained":
            learned["never_expected_"] = untrained
        return learned

    def _saved_state(self) -> dict:
        # the ids no training step had as its target: what never_expected="untrained" means for this network,
        # also when it is set after a save with never_expected=None or a list of ids
        untrained = getattr(self, "_untrained_ids", None)
        return {} if untrained is None else {"untrained_ids": [int(i) for i in untrained]}

    def _restore_fitted(self, scoring: dict, document: Optional[dict] = None) -> None:
        self.never_expected_ = tuple(int(i) for i in scoring.get("never_expected", ()))
        saved = (document or {}).get("untrained_ids")
        if isinstance(saved, list) and all(type(i) is int for i in saved):
            self._untrained_ids = tuple(saved)
        elif self.never_expected == "untrained":   # a file saved before untrained_ids
            self._untrained_ids = self.never_expected_

    def with_params(self, **changes) -> "NextEventDetector":
        other = super().with_params(**changes)
        if hasattr(self, "_untrained_ids"):
            other._untrained_ids = self._untrained_ids
        if other.never_expected == "untrained":   # what this network was trained on
            other.never_expected_ = tuple(getattr(self, "_untrained_ids", self.never_expected_))
        else:
            other.never_expected_ = () if other.never_expected is None else other.never_expected
        return other

    def _check_scoring_change(self, new: "NextEventDetector") -> None:
        if self.network_ is not None and new.never_expected not in (None, "untrained"):
            n_out = int(self.network_.config.n_out)
            if max(new.never_expected, default=-1) >= n_out:
                raise ValueError(f"never_expected id {max(new.never_expected)} is not one of the network's {n_out} "
                                 "event ids")

    def _scoring_params_changed(self, changed: set) -> None:
        if "never_expected" not in changed:
            return
        if self.never_expected == "untrained":   # the ids no training step had as its target, found by fit
            self.never_expected_ = tuple(getattr(self, "_untrained_ids", self.never_expected_))
        else:
            self.never_expected_ = () if self.never_expected is None else tuple(self.never_expected)

    def _max_score(self) -> Optional[float]:
        if self.score == "share" or (self.score == "count" and self.steps == "last"):
            return 1.0
        return None   # a count is bounded by the batch's length; an NLL is unbounded

    def _score_range(self) -> str:
        return "a share of unexpected steps" if self.score == "share" else "one scored step per sequence"

    def _param_names(self):
        return list(self._OWN_PARAMS) + [p for p in super()._param_names() if p not in self._OWN_PARAMS]

    def choose_end_probability(self, batch: SequenceBatch, *, sample_weight=None, quantile: float = 0.0) -> float:
        """Set ``end_min_probability`` from (normal) training data alone: the ``quantile`` (default 0: the
        smallest) of the probabilities the model gives the end symbol where a session of ``batch`` really ends,
        weighted by ``sample_weight``. Every training session's end (all but ``quantile`` of them) is then
        expected. Needs ``end_id``; returns the floor.
        """
        self._check_fitted(threshold=False)
        _check_fraction(quantile, "quantile")
        if self.end_id is None:
            raise ValueError("choose_end_probability needs end_id (the id of the end-of-session symbol)")
        targets = self._training_targets(batch, None)
        probabilities = self.network_.predict_proba(batch.x, batch.mask)[..., self.end_id]
        at_end = targets == self.end_id
        if not at_end.any():
            raise ValueError(f"no step of the batch has the end symbol {self.end_id} as its target: pass the "
                             "training sessions with their ends (session_windows(..., end=True))")
        w = np.ones(len(batch)) if sample_weight is None else shapes.check_per_sequence(
            sample_weight, len(batch), what="sample_weight", non_negative=True).astype(np.float64)
        values = probabilities[at_end].astype(np.float64)
        weights = np.broadcast_to(w[:, None], at_end.shape)[at_end]
        order = np.argsort(values, kind="stable")
        cumulative = np.cumsum(weights[order]) / weights.sum()
        floor = float(values[order][min(np.searchsorted(cumulative, quantile, side="right"), len(values) - 1)]
                      if quantile > 0 else values.min())
        self.end_min_probability = floor
        self.threshold_method_ = {**(self.threshold_method_ or {}), "end_probability_chosen_on_training_data": {
            "quantile": quantile, "end_min_probability": floor, "training_ends": int(at_end.sum())}}
        return floor

    def choose_top_g(self, batch: SequenceBatch, *, sample_weight=None, max_share: float = 0.001) -> int:
        """Set ``top_g`` from (normal) training data alone: the smallest g for which at most ``max_share`` of
        the scored steps of ``batch`` (weighted) are unexpected. Returns the chosen g.

        DeepLog's fixed g = 9 suits a large event vocabulary; with a small one, the 9 most probable events
        include several the model gives almost no probability, so a cut-short session's end or a rare
        transition passes by chance. This picks g where the trained model itself says normal steps are.
        """
        self._check_fitted(threshold=False)
        _check_fraction(max_share, "max_share")
        w = np.ones(len(batch)) if sample_weight is None else shapes.check_per_sequence(
            sample_weight, len(batch), what="sample_weight", non_negative=True).astype(np.float64)
        n_out = int(self.network_.config.n_out)
        # One forward pass on the JVM gives every step's rank: a step is unexpected at g exactly when
        # g <= its rank, so the weighted share of unexpected steps for every g is a suffix sum of a histogram.
        ranks = self.score_batch(batch, with_steps=True).step_ranks
        scored = ranks >= 0
        step_w = np.broadcast_to(w[:, None], ranks.shape)[scored]
        histogram = np.bincount(np.minimum(ranks[scored], n_out), weights=step_w, minlength=n_out + 1)
        at_least = np.cumsum(histogram[::-1])[::-1]            # at_least[g] = weight of steps with rank >= g
        shares = at_least / max(float(step_w.sum()), 1e-12)
        within = np.flatnonzero(shares[1:] <= max_share)       # shares[g] for g = 1..n_out
        g = int(within[0]) + 1 if len(within) else n_out       # the smallest g within max_share (n_out when none)
        share = float(shares[g])
        self.top_g = g
        self.threshold_method_ = {**(self.threshold_method_ or {}), "top_g_chosen_on_training_data": {
            "max_share": max_share, "unexpected_share": share, "top_g": g}}
        return g

    def scoring(self) -> dict:
        scoring = {"kind": "next_event", "top_g": self.top_g, "score": self.score, "steps": self.steps,
                   "oov_id": self.oov_id}
        if self.never_expected_:
            scoring["never_expected"] = list(self.never_expected_)
        if self.end_id is not None:
            scoring["end_id"] = self.end_id
            if self.end_min_probability is not None:
                scoring["end_min_probability"] = self.end_min_probability
        return scoring

    def _ids(self, batch: SequenceBatch):
        if batch.step_ids is None or (batch.step_ids < 0).all():
            raise ValueError("a next-event detector needs the event id of every step (batch.step_ids): use a "
                             "Template transform in the pipeline, or sequence_batch(..., step_ids=...)")
        return batch.step_ids, batch.next_ids

    def _check_training_batch(self, batch: SequenceBatch) -> None:
        """Training needs events to predict: ids all the unknown one (a pipeline without a Template transform,
        numeric-only data) would train a network that flags every window."""
        step_ids, next_ids = self._ids(batch)
        real = batch.mask > 0
        seen = np.unique(np.concatenate([step_ids[real].ravel(), np.asarray(next_ids).ravel()]))
        known = seen[(seen >= 0) & (seen != self.oov_id)]
        if not len(known):
            raise ValueError(
                f"every event id of the training windows is the unknown-template id {self.oov_id}: a next-event "
                "detector learns which log template follows which, and these steps have none (a pipeline without "
                "a Template transform, e.g. numeric-only data such as metrics). Add Template(<message field>) to "
                "the pipeline; for numeric fields use a NextValueDetector, which predicts the next step's values; "
                "or, with labelled data, use a SequenceClassifier")
        if len(known) == 1:
            log.warning("the training windows hold one event id only (%d): a next-event detector can only learn "
                        "that it repeats; every other event will be flagged", int(known[0]))

    def _n_out(self, batch: SequenceBatch, y) -> int:
        if self.n_events is not None:
            return int(self.n_events)
        return int(max(int(batch.step_ids.max()), int(batch.next_ids.max()), 1)) + 1

    def _training_targets(self, batch: SequenceBatch, y) -> np.ndarray:
        import jpype

        step_ids, next_ids = self._ids(batch)
        with java_errors():
            targets = jpype.JClass("io.dl4jbridge.DetectorScoring").nextEventTargets(
                arrays.steps_to_indarray(batch.mask, "mask"), arrays.steps_to_indarray(step_ids, "step ids"),
                arrays.to_indarray(np.asarray(next_ids, np.float32)))
        out = arrays.steps_from_indarray(targets).astype(np.int64)
        if self.n_events is not None and out.max() >= self.n_events:
            raise ValueError(f"event id {int(out.max())} is >= n_events={self.n_events}")
        return out

    def _explain_step(self, batch: SequenceBatch, s: Scores, i: int, step: int) -> dict:
        if step < 0:
            return {"actual_event": None, "expected_events": [], "probability": None, "actual_line": None}
        real = np.flatnonzero(batch.mask[i] > 0)
        later = real[real > step]
        # the next real step's line; for the last step, the record after the sequence (next_ids' event)
        actual_line = int(batch.line_numbers[i, later[0]]) if len(later) else int(batch.next_lines[i])
        expected = [int(e) for e in s.expected[i] if e >= 0]
        row = {"actual_event": int(s.detail_actual[i]), "actual_line": actual_line if actual_line >= 0 else None,
               "expected_events": expected, "probability": float(s.detail_probability[i])}
        namer = _template_namer(self.pipeline_)
        if namer is not None:
            row["actual_template"] = namer(row["actual_event"])
            row["expected_templates"] = [namer(e) for e in expected]
        if s.unexpected_steps[i] > 0 and s.unexpected_from is not None:
            # every unexpected step (the first DetectorScores.MAX_LISTED_UNEXPECTED, Java's), not only the deciding
            # one: the line of the event that came there (found as actual_line), its id and probability
            a, b = int(s.unexpected_from[i]), int(s.unexpected_from[i + 1])
            following = np.searchsorted(real, s.unexpected_at[a:b], side="right")   # the next real step, if any
            inside = following < len(real)
            lines = np.where(inside, batch.line_numbers[i, real[np.minimum(following, len(real) - 1)]],
                             batch.next_lines[i])
            row["unexpected_lines"] = [
                {"line": int(line) if line >= 0 else None, "event": int(event), "probability": float(p)}
                for line, event, p in zip(lines.tolist(), s.unexpected_actual[a:b].tolist(),
                                          s.unexpected_probability[a:b].tolist())]
            if s.unexpected_steps[i] > b - a:
                row["unexpected_lines_more"] = int(s.unexpected_steps[i]) - (b - a)
        return row


def _template_namer(pipeline):
    template = getattr(pipeline, "template_transform", None) if pipeline is not None else None
    if template is None or not template.fitted:
        return None

    def name(event_id: int) -> str:
        try:
            return template.miner.template_of(int(event_id))
        except IndexError:  # ids outside the vocabulary (an end-of-session symbol, ...)
            return f"<event {event_id}>"

    return name
