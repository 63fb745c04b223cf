package io.dl4jbridge;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

public class CpuBuildTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();   // deleted after each test (a createTempDirectory was not)

    @Test
    public void avx2OnlyWhenEveryHaswellFlagIsThere() {
        Set<String> haswell = new HashSet<>(CpuBuild.AVX2_FLAGS);
        haswell.add("sse4_2");
        assertEquals("-avx2", CpuBuild.extensionFor(haswell));
        haswell.remove("fma");
        assertEquals("", CpuBuild.extensionFor(haswell));
        assertEquals("", CpuBuild.extensionFor(new HashSet<>(Arrays.asList("sse2", "avx"))));
    }

    @Test
    public void readsTheFirstFlagsLineAndToleratesMissingFiles() throws Exception {
        Path dir = tmp.newFolder("cpuinfo").toPath();
        Path info = dir.resolve("cpuinfo");
        Files.write(info, ("processor\t: 0\nflags\t\t: fpu avx avx2 fma f16c bmi1 bmi2 movbe popcnt\n\n"
                + "processor\t: 1\nflags\t\t: fpu\n").getBytes(StandardCharsets.UTF_8));
        assertEquals("-avx2", CpuBuild.extensionFor(CpuBuild.cpuFlags(info)));
        assertTrue(CpuBuild.cpuFlags(dir.resolve("missing")).isEmpty());
    }
}
