"""The JVM's feature normalizer (Normalizers.fitStandardize) keeps the spread of values with a large offset."""

import numpy as np
import pytest


@pytest.mark.parametrize("offset, spread", [(1e4, 0.01), (-3e3, 0.5), (0.0, 2.0)])
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
    np.testing.assert_allclose(std, real.std(axis=0), rtol=1e-3)
