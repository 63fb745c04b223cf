package io.dl4jbridge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Chooses the nd4j-native CPU build before ND4J loads, as {@code dl4j_bridge.cpubuild} does on the
 * Python side: the AVX2 build when the CPU runs it (JavaCPP falls back to the generic build when its
 * jar is missing), else the generic build. Without the property JavaCPP would load the last shipped
 * extension whatever the CPU supports. A property already set (by {@code -D}) is left alone.
 */
public final class CpuBuild {
    /** JavaCPP's system property naming the nd4j-native build: {@code -avx2}, or empty for the generic one. */
    public static final String PROPERTY = "org.bytedeco.javacpp.platform.extension";
    /** What the AVX2 build ({@code -march=haswell}) needs. */
    static final List<String> AVX2_FLAGS = Arrays.asList("avx", "avx2", "fma", "f16c", "bmi1", "bmi2", "movbe", "popcnt");

    private CpuBuild() {}

    /** Sets {@link #PROPERTY} from /proc/cpuinfo unless it is set; returns its value. Call before any ND4J class. */
    public static String select() {
        String current = System.getProperty(PROPERTY);
        if (current == null) {
            current = extensionFor(cpuFlags(Paths.get("/proc/cpuinfo")));
            System.setProperty(PROPERTY, current);
        }
        return current;
    }

    /** "-avx2" when {@code flags} hold everything the AVX2 build needs, else "" (generic). */
    static String extensionFor(Set<String> flags) {
        return flags.containsAll(AVX2_FLAGS) ? "-avx2" : "";
    }

    /** The flags of the first CPU listed in a cpuinfo file; empty when it cannot be read. */
    static Set<String> cpuFlags(Path cpuinfo) {
        try {
            for (String line : Files.readAllLines(cpuinfo, StandardCharsets.UTF_8)) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equals("flags")) {
                    return new HashSet<>(Arrays.asList(line.substring(colon + 1).trim().split("\\s+")));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or unreadable: the generic build is always safe
        }
        return Collections.emptySet();
    }
}
