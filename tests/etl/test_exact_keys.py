"""Raw values grouped as the JVM groups them: by type and text (1, 1.0 and True apart; 0.0 and -0.0 apart)."""

import numpy as np
import pytest

from dl4j_bridge.etl.distinct import exact_codes, exact_key

NAN = float("nan")


@pytest.mark.parametrize("values, codes", [
    ([1, 1.0, True, 1, None, True], [0, 1, 2, 0, -1, 2]),
    ([0, -0.0, False, 0.0, NAN, 0], [0, 1, 2, 3, -1, 0]),
    ([1.0, -0.0, 0.0, None, NAN, 1.0], [0, 1, 2, -1, -1, 0]),   # floats alone: by their bits
    (["a", 1, "a", "1"], [0, 1, 0, 2]),
    (["a", True, None, "a"], [0, 1, -1, 0]),
    (["a", 1.5, -0.0, 0.0, "a"], [0, 1, 2, 3, 0]),
    ([np.int64(1), 1, np.float64(1.0), 1.0, np.True_, True], [0, 0, 1, 1, 2, 2]),
    ([3, 2, 3], [0, 1, 0]),
    ([], []),
    ([None, NAN], [-1, -1]),
])
def test_exact_codes_group_values_by_type_and_text_keeping_the_first_value_of_each(values, codes):
    array = np.empty(len(values), dtype=object)
    array[:] = values
    got, uniques = exact_codes(array)
    assert got.tolist() == codes
    first = [values[codes.index(c)] for c in range(max(codes, default=-1) + 1)]
    assert [(type(u), repr(u)) for u in uniques] == [(type(v), repr(v)) for v in first]


def test_exact_key_is_one_key_per_type_and_text():
    keys = {exact_key(v) for v in (1, 1.0, True, 0, -0.0, 0.0, False, "1", None, NAN, float("nan"))}
    assert len(keys) == 10
    assert exact_key(np.int64(7)) == exact_key(7) and exact_key(np.float64(-0.0)) == exact_key(-0.0)


def test_exact_codes_equal_a_dict_of_exact_keys_on_mixed_columns():
    rng = np.random.default_rng(5)
    pool = [1, 1.0, True, 0, 0.0, -0.0, False, 5, 5.0, 2.5, "1", "a", None, NAN, np.int64(5), np.float64(-0.0)]
    for n in (1, 2, 7, 300):
        for _ in range(20):
            picked = rng.choice(len(pool), size=n)
            values = np.empty(n, dtype=object)
            values[:] = [pool[i] for i in picked]
            groups: dict = {}
            expected = []
            for v in values:
                missing = v is None or (isinstance(v, float) and v != v)
                expected.append(-1 if missing else groups.setdefault(exact_key(v), len(groups)))
            codes, uniques = exact_codes(values)
            assert codes.tolist() == expected, values
            assert [exact_key(u) for u in uniques] == list(groups)
