import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python" / "bench"))

from parsing import grouping_accuracy  # noqa: E402


def test_grouping_accuracy_follows_loghub_definition():
    truth = pd.Series(["A", "A", "B", "B", "C", None])
    # A split across two predicted groups (wrong), B exact (right), C merged with nothing (right)
    predicted = pd.Series([1, 2, 3, 3, 4, 5])
    assert grouping_accuracy(truth, predicted) == 3 / 5
    assert grouping_accuracy(truth, pd.Series([1, 1, 1, 1, 1, 1])) == 0.0
    assert grouping_accuracy(truth, pd.Series([7, 7, 8, 8, 9, 0])) == 1.0
