package io.dl4jbridge.scorer;

import java.io.File;

/** Lets tests outside this package build a test detector zip. */
public final class TestDetectorsAccess {
    private TestDetectorsAccess() {}

    public static File nextEventZip(File dir) throws Exception {
        return TestDetectors.write(dir, "etl_text_windows.json", "next_event", 0.3, 1).zip;
    }
}
