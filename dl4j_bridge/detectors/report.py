"""A Markdown report per run, with PNG plots (matplotlib, Agg canvas): score histogram per class, ROC and
precision-recall curves, score over time with the anomalies marked.

The plots are drawn on ``matplotlib.figure.Figure`` objects with their own Agg canvas, never through pyplot: the
process's backend is left alone (``matplotlib.use("Agg", force=True)`` switched a notebook's inline backend to
Agg, so the user's own ``plt.show()`` displayed nothing after a report), and no display is needed in scripts.

The report holds no timestamps or timings, so the same seed gives the same report.
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from ..etl.pipeline import atomic_write_bytes, atomic_write_text
from .evaluation import check_labels, curves, metrics

log = logging.getLogger(__name__)

_FIGURES = ("precision", "recall", "f1", "f2", "accuracy", "fpr", "roc_auc", "pr_auc")
#: How the tables name a figure (its key in ``metrics`` and ``results.json`` when not listed).
_LABELS = {"pr_auc": "average_precision (pr_auc)"}
#: Under the figures of a run without labels.
UNLABELLED_TEXT = ("No labels (`[data] label_field`, or a label transform): this run cannot tell right flags from "
                   "wrong ones, so precision, recall, F1, accuracy, FPR and the ROC and PR curves are not given; check "
                   "the flagged sequences below against the raw log.")
#: The file name endings of the plots a report writes (those an earlier report left and this one did not write
#: are removed by :meth:`Report.write`, so that the directory holds no plot the report does not show).
_PLOT_SUFFIXES = ("_histogram.png", "_timeline.png", "_curves.png")


def _figure(**kwargs):
    """A matplotlib ``Figure`` on an Agg canvas of its own (not registered with pyplot: nothing to close, and the
    backend a notebook or script chose stays in force)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(**kwargs)
    FigureCanvasAgg(fig)
    return fig


def _count(value: float):
    """A (weighted) count: an int when whole, so that the tables show 228, not 228.0000."""
    return int(value) if float(value).is_integer() else float(value)


def _fmt(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text).strip("_").lower()


class Report:
    """Collects results and writes ``report.md`` plus PNGs into ``directory``.

    Parameters
    ----------
    directory : path-like
        Created when missing; e.g. under ``reports/`` (ignored by git). Plots an earlier report left there
        (``*_histogram.png``, ``*_timeline.png``, ``*_curves.png``) that this one does not write are removed
        when it is written.
    title : str
    """

    def __init__(self, directory, title: str):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.title = title
        self.parts: list[str] = []
        self.results: dict[str, dict] = {}
        self._written: set[str] = set()
        #: Every plot written so far, in the order drawn (a notebook shows one with
        #: ``IPython.display.Image(filename=path)``).
        self.plot_paths: list[Path] = []

    def text(self, markdown: str) -> None:
        self.parts.append(markdown.rstrip() + "\n")

    def table(self, headers: Sequence[str], rows: Sequence[Sequence]) -> None:
        lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        lines += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in rows]
        self.parts.append("\n".join(lines) + "\n")

    def model(self, name: str, labels, scores, threshold: float, *, order=None, sample_weight=None,
              threshold_method: Optional[dict] = None, labelled: bool = True) -> dict:
        """Evaluate one model at its threshold; plot its score histogram and its scores over time.

        Parameters
        ----------
        name : str
            The model's name in the report (and its plots' file names).
        labels : array-like
            ``[n]`` 0/1 truth (1 = anomalous), as :func:`~dl4j_bridge.detectors.evaluation.metrics` takes it.
        scores : array-like
            ``[n]`` the model's scores.
        threshold : float
            Scores strictly above it are flagged.
        order : array-like, optional
            ``[n]`` x position of each sequence in the timeline (e.g. its first raw line).
        sample_weight : array-like, optional
            ``[n]`` weights; the figures, the histogram and the curves all use them.
        threshold_method : dict, optional
            How the threshold was chosen, shown beside it.
        labelled : bool
            False when the data has no labels (``labels`` all 0 by default, not by truth): the report then shows
            how many sequences were flagged, not precision, recall, accuracy or FPR as if every sequence were
            known to be normal, and plots the scores as one unlabelled class. The returned figures are those of
            the metrics with ``labelled`` False added, for scripts to tell.

        Returns
        -------
        dict
            The figures of :func:`~dl4j_bridge.detectors.evaluation.metrics`.

        Raises
        ------
        ValueError
            As :func:`~dl4j_bridge.detectors.evaluation.metrics`: labels other than 0/1 or not one per score,
            non-finite scores, a threshold that is no finite number.
        """
        m = metrics(labels, scores, threshold, sample_weight)
        labels = check_labels(labels)
        scores = np.asarray(scores, dtype=np.float64)
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64).reshape(-1)
        threshold = float(threshold)
        flagged = scores > threshold
        if not labelled:
            m = {**m, "labelled": False, "flagged": _count(flagged.sum() if weights is None else weights[flagged].sum()),
                 "flagged_share": float(flagged.mean()) if len(flagged) else None}
        self.results[name] = {"metrics": m, "labels": labels, "scores": scores, "threshold": threshold,
                              "sample_weight": weights, "labelled": labelled}
        hist = self._histogram(name, labels, scores, threshold, weights, labelled)
        timeline = self._timeline(name, labels, scores, threshold, order)
        method = "" if not threshold_method else f" (threshold: `{json.dumps(threshold_method, sort_keys=True)}`)"
        self.parts.append(f"### {name}\n\nThreshold {threshold:.6g}{method}\n")
        if labelled:
            self.table(["figure", "value"],
                       [("positives", _count(m["positives"])), ("negatives", _count(m["negatives"]))] +
                       [(_LABELS.get(k, k), m[k]) for k in _FIGURES] +
                       [("confusion [[tn, fp], [fn, tp]]", json.dumps(m["confusion_matrix"]))])
        else:
            self.table(["figure", "value"], [("sequences", _count(m["n"])), ("flagged", m["flagged"]),
                                              ("share flagged", m["flagged_share"])])
            self.text(UNLABELLED_TEXT)
        self.parts.append(f"![{name} scores per class]({hist})\n\n"
                          "The dashed line is the threshold: a score strictly above it is flagged, one equal to it "
                          "is not (it may be drawn in the bin right of the line)"
                          + ("; counts weighted by the sample weights" if weights is not None else "") + ".\n\n"
                          f"![{name} scores over time]({timeline})\n")
        return m

    def comparison(self, names: Optional[Sequence[str]] = None, heading: str = "Comparison") -> None:
        """A metrics table (with each model's positives and negatives) and ROC / PR curves of several models.

        Each model is judged against the truth it was given to :meth:`model`; when those differ (e.g. a
        next-event detector whose windows followed by an anomalous record count as anomalous), the report says
        so, and the positives and negatives columns show by how much.

        Parameters
        ----------
        names : sequence of str, optional
            Models given to :meth:`model` (default: all, in that order).
        heading : str
            The section heading (and the curves' file name).
        """
        names = list(names or self.results)
        self.parts.append(f"## {heading}\n")
        if not all(self.results[n].get("labelled", True) for n in names):
            self.table(["model", "sequences", "flagged", "share flagged"],
                       [[n, _count(self.results[n]["metrics"]["n"]), self.results[n]["metrics"].get("flagged"),
                         self.results[n]["metrics"].get("flagged_share")] for n in names])
            self.text(UNLABELLED_TEXT)
            return
        self.table(["model", "positives", "negatives"] + [_LABELS.get(k, k) for k in _FIGURES],
                   [[n, _count(self.results[n]["metrics"]["positives"]),
                     _count(self.results[n]["metrics"]["negatives"])]
                    + [self.results[n]["metrics"][k] for k in _FIGURES] for n in names])
        if len(names) > 1:
            first = self.results[names[0]]
            same = all(_same_truth(first, self.results[n]) for n in names[1:])
            self.text("All models are judged against the same truth." if same else
                      "The models are not all judged against the same truth (see positives and negatives): compare "
                      "their figures with that in mind.")
        png = self._curves(heading, names)
        if png:
            self.parts.append(f"![ROC and precision-recall curves]({png})\n")

    #: The plots a report wrote, one name per line: the next report in the directory removes those it does not
    #: write again, and never a file it did not write (``--report .`` holds the user's own files).
    PLOTS_LIST = ".report_plots"

    def write(self) -> Path:
        """Write ``report.md`` atomically, remove the plots an earlier report wrote in the directory (listed in
        :attr:`PLOTS_LIST`) that this one did not write (a reused directory holds no plot the report does not show),
        and return its path."""
        path = self.directory / "report.md"
        atomic_write_text(path, f"# {self.title}\n\n" + "\n".join(self.parts))
        listed = self.directory / self.PLOTS_LIST
        earlier = listed.read_text(encoding="utf-8").splitlines() if listed.is_file() else []
        for name in sorted(set(earlier) - self._written):
            stale = self.directory / name
            if name.endswith(_PLOT_SUFFIXES) and "/" not in name and stale.is_file():
                log.info("removing %s, a plot of an earlier report that this one does not show", stale)
                stale.unlink()
        atomic_write_text(listed, "".join(f"{name}\n" for name in sorted(self._written)))
        log.info("report written to %s", path)
        return path

    # -- plots --------------------------------------------------------------------------------
    def _save(self, fig, name: str) -> str:
        file = f"{_slug(name)}.png"
        image = io.BytesIO()
        fig.savefig(image, format="png", dpi=90, metadata={"Software": None})
        atomic_write_bytes(self.directory / file, image.getvalue())   # a failed save leaves the old plot whole
        self._written.add(file)
        if self.directory / file not in self.plot_paths:
            self.plot_paths.append(self.directory / file)
        return file

    def _histogram(self, name, labels, scores, threshold, weights=None, labelled: bool = True) -> str:
        fig = _figure(figsize=(6, 3.5))
        ax = fig.subplots()
        bins = _bin_edges(scores, 40)
        classes = ((False, "tab:blue", "normal"), (True, "tab:red", "anomalous")) if labelled else \
            ((False, "tab:gray", "all sequences (no labels)"),)
        for cls, color, label in classes:
            if (labels == cls).any():
                ax.hist(scores[labels == cls], bins=bins, alpha=0.6, color=color, label=label, log=True,
                        weights=None if weights is None else weights[labels == cls])
        ax.axvline(threshold, color="black", linestyle="--", label="threshold (flags scores > it)")
        ax.set_xlabel("score")
        ax.set_ylabel("count (log)" if weights is None else "weighted count (log)")
        ax.set_title(f"{name}: scores per class")
        ax.legend()
        fig.tight_layout()
        return self._save(fig, f"{name}_histogram")

    def _timeline(self, name, labels, scores, threshold, order) -> str:
        x = np.arange(len(scores)) if order is None else np.asarray(order, dtype=np.float64)
        sort = np.argsort(x, kind="stable")
        fig = _figure(figsize=(8, 3))
        ax = fig.subplots()
        ax.plot(x[sort], scores[sort], linewidth=0.6, color="tab:blue", label="score")
        ax.scatter(x[labels], scores[labels], s=6, color="tab:red", label="anomalous (truth)", zorder=3)
        ax.axhline(threshold, color="black", linestyle="--", linewidth=0.8, label="threshold")
        ax.set_xlabel("first raw line of the window" if order is not None else "sequence")
        ax.set_ylabel("score")
        ax.set_title(f"{name}: score over time")
        ax.legend(loc="upper right", fontsize=7)
        fig.tight_layout()
        return self._save(fig, f"{name}_timeline")

    def _curves(self, heading, names) -> Optional[str]:
        fig = _figure(figsize=(9, 4))
        roc, pr = fig.subplots(1, 2)
        drawn = False
        for n in names:
            r = self.results[n]
            c = curves(r["labels"], r["scores"], r.get("sample_weight"))   # the weights the figures were given
            if c is None:
                continue
            drawn = True
            roc.plot(c["fpr"], c["tpr"], label=f"{n} (AUC {_fmt(r['metrics']['roc_auc'])})")
            # steps, as the average precision sums them (straight lines between points would be optimistic)
            pr.plot(c["recall"], c["precision"], drawstyle="steps-post",
                    label=f"{n} (AP {_fmt(r['metrics']['pr_auc'])})")
        if not drawn:
            return None
        roc.plot([0, 1], [0, 1], color="grey", linestyle=":")
        roc.set_xlabel("false-positive rate")
        roc.set_ylabel("true-positive rate")
        roc.set_title("ROC")
        pr.set_xlabel("recall")
        pr.set_ylabel("precision")
        pr.set_title("precision-recall")
        roc.legend(fontsize=7)
        pr.legend(fontsize=7)
        fig.tight_layout()
        return self._save(fig, f"{heading}_curves")


def _same_truth(a: dict, b: dict) -> bool:
    """Whether two models' results were judged against the same labels and weights."""
    wa, wb = a.get("sample_weight"), b.get("sample_weight")
    return np.array_equal(a["labels"], b["labels"]) and (
        (wa is None and wb is None) or (wa is not None and wb is not None and np.array_equal(wa, wb)))


def _bin_edges(scores: np.ndarray, bins: int) -> np.ndarray:
    """``bins`` equal bins over the scores; when their range is too small for that many distinct edges (scores
    equal to within rounding, e.g. 1 + 1e-15 noise), bins of a width around the scores' own magnitude, so that
    they all fall in one bin instead of the plot failing."""
    try:
        return np.histogram_bin_edges(scores, bins=bins)
    except ValueError:
        low, high = (float(scores.min()), float(scores.max())) if scores.size else (0.0, 0.0)
        pad = max(abs(low), abs(high), 1.0) * 1e-6
        return np.linspace(low - pad, high + pad, bins + 1)


def line_ranges(lines) -> str:
    """Raw line numbers as runs, ``[12, 13, 14, 16, 19, 20]`` -> ``"12-14, 16, 19-20"``: a line in no record (a
    continuation or a quarantined line) is not shown as part of the window."""
    runs: list[list[int]] = []
    for line in lines:
        if runs and line == runs[-1][1] + 1:
            runs[-1][1] = line
        else:
            runs.append([line, line])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def _code(text: str) -> str:
    """``text`` as a Markdown code span, whole even when it holds backticks (a fence longer than its longest run)."""
    text = str(text)
    longest, current = 0, 0
    for char in text:
        current = current + 1 if char == "`" else 0
        longest = max(longest, current)
    fence = "`" * (longest + 1)
    pad = " " if longest or text.startswith(" ") or text.endswith(" ") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def explanations_markdown(rows: list, limit: int = 10) -> str:
    """The first ``limit`` flagged sequences with their raw lines and what was unexpected."""
    if not rows:
        return "No sequence was flagged.\n"
    out = []
    # windows overlap: with stride 1, one unexpected line flags every window whose next event it is or that holds
    # it; list it once, with how many more flagged windows it was the unexpected line of
    same: dict = {}
    shown = []
    def unexpected(row):   # the line a row judged unexpected, and what was (a next-value row: its feature)
        if "expected_events" in row:
            return row.get("actual_line"), row.get("actual_event")
        if "deviation" in row:
            return row.get("actual_line"), row.get("feature")
        return None, None

    for row in rows:
        line, what = unexpected(row)
        if line is not None and (line, what) in same:
            same[(line, what)] += 1
            continue
        if line is not None:
            same[(line, what)] = 0
        shown.append(row)
    rows = shown
    for row in rows[:limit]:
        span = f"lines {line_ranges(row['line_numbers'])}" if row["line_numbers"] else "no raw lines"
        if row.get("key") is not None:
            span = (f"key `{row['key']}`" + (f" (session {row['session']})" if "session" in row else "")
                    + (f" (part {row['part']})" if row.get("part") is not None else "") + ", " + span)
        what = ""
        if "expected_events" in row and row.get("actual_event") is not None:
            actual = row.get("actual_template", f"event {row['actual_event']}")
            expected = row.get("expected_templates", [f"event {e}" for e in row["expected_events"]])
            where = f"line {row['actual_line']}" if row.get("actual_line") else "the line after the window"
            what = (f"unexpected at {where}: `{actual}` (p={row['probability']:.2g}); expected one of: "
                    + ", ".join(f"`{e}`" for e in expected[:5]) + (" ..." if len(expected) > 5 else ""))
            listed = row.get("unexpected_lines") or []
            if len(listed) > 1 or row.get("unexpected_lines_more"):
                # every unexpected step's line, not only the deciding one's (the row lists the first 50)
                what += (f"; all {row['unexpected_steps']} unexpected lines: "
                         + ", ".join(f"{u['line'] if u['line'] is not None else 'the line after the window'} "
                                     f"(event {u['event']})" for u in listed)
                         + (f" and {row['unexpected_lines_more']} more (not listed in the row)"
                            if row.get("unexpected_lines_more") else ""))
        elif "deviation" in row and row.get("feature") is not None:
            where = f"line {row['actual_line']}" if row.get("actual_line") is not None else "the next step"
            what = (f"`{row['feature']}` at {where} was {row['actual_value']:.3g} where {row['predicted_value']:.3g} "
                    f"was predicted (normalised units: {row['deviation']:+.1f} residual sigma)")
        elif row.get("predicted_class") is not None:
            # the class by its name where the label transform names classes (the row's predicted_label), else its id
            named = row.get("predicted_label")
            predicted = (f"{_code(named)} (class {row['predicted_class']})" if named is not None
                         else f"class {row['predicted_class']}")
            what = (f"most anomalous step at line {row['line_number']}: most probable {predicted}, "
                    f"P(anomalous)={row['probability']:.3f}")
        steps = (f"{row['unexpected_steps']} unexpected steps" if "expected_events" in row
                 else f"{row['unexpected_steps']} steps more than 3 residual sigma off" if "deviation" in row
                 else f"{row['unexpected_steps']} steps with P(anomalous) >= 0.5")
        again = same.get(unexpected(row)) if unexpected(row)[0] is not None else None
        what += (f" (the unexpected line of {again} more flagged sequence(s), not listed again)" if again else "")
        out.append(f"- score {row['score']:.4g}, {span} ({steps}); {what}")
    more = len(rows) - limit
    if more > 0:
        out.append(f"- ... and {more} more")
    return "\n".join(out) + "\n"
