"""The Markdown report and its plots: what the tables say, which data the plots draw, which files a reused
directory holds; pure Python (matplotlib), no JVM."""

from __future__ import annotations

import numpy as np
import pytest

from dl4j_bridge.detectors import report as report_module
from dl4j_bridge.detectors.report import Report

RNG = np.random.default_rng(0)
Y = (RNG.random(300) < 0.1).astype(int)
S = RNG.normal(size=300) + 2 * Y


@pytest.fixture
def drawn(monkeypatch):
    """Records the keyword arguments of every Axes.hist and Axes.plot call."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.axes import Axes

    calls = {"hist": [], "plot": []}
    hist, plot = Axes.hist, Axes.plot

    def recording_hist(self, x, *args, **kwargs):
        calls["hist"].append(kwargs)
        return hist(self, x, *args, **kwargs)

    def recording_plot(self, *args, **kwargs):
        calls["plot"].append(kwargs)
        return plot(self, *args, **kwargs)

    monkeypatch.setattr(Axes, "hist", recording_hist)
    monkeypatch.setattr(Axes, "plot", recording_plot)
    return calls


def test_the_plots_use_the_sample_weights_the_figures_use(tmp_path, monkeypatch, drawn):
    weights = RNG.integers(0, 3, 300).astype(float)
    given = []
    real_curves = report_module.curves
    monkeypatch.setattr(report_module, "curves", lambda y, s, w=None: given.append(w) or real_curves(y, s, w))
    r = Report(tmp_path, "t")
    r.model("m", Y, S, 1.5, sample_weight=weights)
    r.comparison()
    assert len(given) == 1 and np.array_equal(given[0], weights)
    histograms = drawn["hist"]
    assert len(histograms) == 2 and all(kw["weights"] is not None for kw in histograms)
    assert sorted(len(kw["weights"]) for kw in histograms) == sorted([int((Y == 1).sum()), int((Y == 0).sum())])


def test_the_precision_recall_curve_is_drawn_as_steps(tmp_path, drawn):
    r = Report(tmp_path, "t")
    r.model("m", Y, S, 1.5)
    r.comparison()
    styles = [kw.get("drawstyle") for kw in drawn["plot"] if str(kw.get("label", "")).startswith("m (AP")]
    assert styles == ["steps-post"]


def test_scores_of_a_tiny_range_are_plotted_not_refused(tmp_path):
    r = Report(tmp_path, "t")
    m = r.model("m", Y, 1 + RNG.normal(size=300) * 1e-15, 1.0)   # "Too many bins for data range" before
    assert m["positives"] == Y.sum() and (tmp_path / "m_histogram.png").stat().st_size > 0


def test_labels_and_thresholds_the_figures_refuse_are_refused_by_the_report(tmp_path):
    r = Report(tmp_path, "t")
    with pytest.raises(ValueError, match="must be 0 .normal. or 1 .anomalous."):
        r.model("m", np.where(Y == 1, 1, -1), S, 1.5)   # -1 counted as anomalous
    with pytest.raises(ValueError, match="threshold must be a finite number"):
        r.model("m", Y, S, float("nan"))
    assert r.results == {}


def test_the_tables_give_each_models_positives_and_say_when_the_truths_differ(tmp_path):
    r = Report(tmp_path, "t")
    r.model("a", Y, S, 1.5)
    r.model("b", Y, S + 0.1, 1.5)
    later = Y.copy()
    later[np.flatnonzero(Y == 0)[:5]] = 1   # e.g. a next-event detector: windows before an attack count too
    r.model("c", later, S, 1.5)
    r.comparison(["a", "b"], heading="Same")
    r.comparison(["a", "c"], heading="Different")
    text = r.write().read_text()
    same, different = text.split("## Same")[1].split("## Different")
    assert "| model | positives | negatives |" in same and "average_precision (pr_auc)" in same
    assert f"| a | {Y.sum()} | {300 - Y.sum()} |" in same and "All models are judged against the same truth" in same
    assert f"| c | {Y.sum() + 5} | {300 - Y.sum() - 5} |" in different
    assert "not all judged against the same truth" in different
    assert "| pr_auc |" not in text and "| average_precision (pr_auc) |" in text
    assert "strictly above it is flagged, one equal to it is not" in text


def test_a_reused_directory_keeps_no_plot_the_new_report_does_not_show(tmp_path):
    first = Report(tmp_path, "first")
    first.model("old model", Y, S, 1.5)
    first.comparison()
    first.write()
    (tmp_path / "notes.png").write_bytes(b"not a report plot")
    (tmp_path / "mine_histogram.png").write_bytes(b"the user's own plot, named like a report's")
    assert (tmp_path / "comparison_curves.png").exists() and (tmp_path / "old_model_histogram.png").exists()
    second = Report(tmp_path, "second")
    second.model("new", Y, S, 1.5)
    second.write()
    # only plots an earlier report wrote (its list) are removed: never a file it did not write
    assert sorted(p.name for p in tmp_path.iterdir()) == [".report_plots", "mine_histogram.png", "new_histogram.png",
                                                          "new_timeline.png", "notes.png", "report.md"]
    assert (tmp_path / ".report_plots").read_text() == "new_histogram.png\nnew_timeline.png\n"


def test_a_report_leaves_the_backend_a_notebook_chose_and_lists_its_plots(tmp_path):
    # it forced matplotlib's backend to Agg: in Jupyter, whose inline backend then was gone, the user's own
    # plt.show() displayed nothing after a report's first plot
    import matplotlib
    import matplotlib.pyplot as plt

    before = matplotlib.get_backend()
    matplotlib.use("svg", force=True)   # any backend other than Agg (Jupyter's is matplotlib_inline's)
    try:
        report = Report(tmp_path, "backend")
        report.model("m", Y, S, 1.0)
        report.model("n", Y, -S, 1.0)
        report.comparison(["m", "n"])
        assert matplotlib.get_backend() == "svg"
        assert plt.get_fignums() == []   # nothing registered with pyplot: no figure left open, none shown twice
        assert [p.name for p in report.plot_paths] == ["m_histogram.png", "m_timeline.png", "n_histogram.png",
                                                       "n_timeline.png", "comparison_curves.png"]
        assert all(p.read_bytes().startswith(b"\x89PNG") for p in report.plot_paths)
    finally:
        matplotlib.use(before, force=True)
