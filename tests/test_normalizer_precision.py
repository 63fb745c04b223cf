"""The JVM's feature normalizer (Normalizers.fitStandardize) keeps the spread of values with a large offset."""

import numpy as np
import pytest


# (1e5, 0.01): E[x^2] - E[x]^2 of the raw values was off by about 2% here (float64 sums of 1e10-sized squares)
@pytest.mark.parametrize("offset, spread", [(1e5, 0.01), (-3e3, 0.5), (0.0, 2.0)])
def test_the_standardizer_fits_mean_and_std_of_float32_values_with_a_large_offset(jvm, offset, spread):
    import jpype

    from dl4j_bridge import arrays

    rng = np.random.default_rng(5)
    x = (offset + rng.normal(0.0, spread, (200, 7, 3))).astype(np.float32)   # [batch, time, features]
    mask = np.ones((200, 7), np.float32)
    mask[:, 5:] = 0                                                          # padded steps are left out
    normalizer = jpype.JClass("io.dl4jbridge.Normalizers").fitStandardize(
        arrays.sequences_to_indarray(x), arrays.steps_to_indarray(mask, "mask"))
    real = x[mask > 0].astype(np.float64)
    mean = np.asarray(normalizer.getMean().toDoubleVector())
    std = np.asarray(normalizer.getStd().toDoubleVector())
    np.testing.assert_allclose(mean, real.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(std, real.std(axis=0), rtol=1e-6)


def test_the_standardizer_reads_a_large_training_set_in_blocks_with_the_same_result(jvm):
    """The whole training set was copied onto the Java heap at once (capping it at the heap size); it is read in
    blocks of sequences now (Normalizers.BLOCK_VALUES), with the statistics of one pass."""
    import jpype

    from dl4j_bridge import arrays

    rng = np.random.default_rng(8)
    x = (rng.normal(0.0, 1.0, (1500, 20, 80)) * np.arange(1, 81) + np.arange(80)).astype(np.float32)   # 2.4M values
    x[:, :, 3] = rng.integers(0, 2, (1500, 20))           # an indicator column: passed through
    mask = (rng.random((1500, 20)) > 0.1).astype(np.float32)
    assert x.size > 2 * int(jpype.JClass("io.dl4jbridge.Normalizers").BLOCK_VALUES)
    normalizer = jpype.JClass("io.dl4jbridge.Normalizers").fitStandardize(
        arrays.sequences_to_indarray(x), arrays.steps_to_indarray(mask, "mask"))
    real = x[mask > 0].astype(np.float64)
    mean = np.asarray(normalizer.getMean().toDoubleVector())
    std = np.asarray(normalizer.getStd().toDoubleVector())
    expected_mean, expected_std = real.mean(axis=0), real.std(axis=0)
    expected_mean[3], expected_std[3] = 0.0, 1.0
    np.testing.assert_allclose(mean, expected_mean, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(std, expected_std, rtol=1e-5)
