package io.dl4jbridge;

import org.junit.Test;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

public class MainTest {
    @Test
    public void infoSucceedsAndReportsTheVersion() {
        assertEquals(0, Main.run(new String[]{"info"}));
        assertEquals("1.0.0-M2.1", RuntimeInfo.dl4jVersion());
        assertTrue(RuntimeInfo.describe().get("nd4j.backend.class").contains("CpuBackend"));
    }

    @Test
    public void usageErrorsExitTwo() {
        assertEquals(2, Main.run(new String[]{}));
        assertEquals(2, Main.run(new String[]{"nope"}));
        assertEquals(2, Main.run(new String[]{"predict", "--model"}));
    }

    @Test
    public void missingInputExitsThree() {
        assertEquals(3, Main.run(new String[]{"predict", "--model", "/no/such.zip", "--input", "x", "--output", "y"}));
    }
}
