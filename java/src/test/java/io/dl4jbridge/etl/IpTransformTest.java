package io.dl4jbridge.etl;

import org.junit.Test;

import java.util.Collections;

import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/** The ip transform's settings, as Python checks them. */
public class IpTransformTest {
    @Test
    public void aPrefixOutsideZeroToThirtyTwoIsASpecError() {
        for (int prefix : new int[] {-1, 33, 40}) {
            try {
                new IpTransform("src", prefix, "unknown", Collections.emptyList(), Collections.emptyList());
                fail("prefix " + prefix + " was taken (Python reads every address as missing with it)");
            } catch (SpecException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("prefix must be an integer from 0 to 32"));
            }
        }
        new IpTransform("src", 0, "unknown", Collections.emptyList(), Collections.emptyList());
        new IpTransform("src", 32, "unknown", Collections.emptyList(), Collections.emptyList());
    }
}
