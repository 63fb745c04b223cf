package io.dl4jbridge;

import java.io.File;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether ND4J's native jars on the classpath are built for this machine, checked before ND4J loads, as
 * {@code dl4j_bridge.cpubuild.native_platform_problem} does before Python starts the JVM: with the linux-x86_64
 * build on macOS, Windows or ARM, JavaCPP's {@code UnsatisfiedLinkError} ("no jnind4jcpu in java.library.path")
 * said nothing of the platform. The same words as Python's.
 */
public final class NativePlatform {
    /** nd4j-native or nd4j-cuda-(version), the DL4J version, JavaCPP's platform, an optional extension. */
    static final Pattern JAR = Pattern.compile("nd4j-(?:native|cuda-[0-9.]+)-[0-9][^/\\\\]*?-((?:linux|macosx|windows"
            + "|android|ios)-(?:x86_64|x86|arm64|armhf|ppc64le))(?:-[a-z0-9-]+)?\\.jar$");

    private NativePlatform() {}

    /** This machine's platform as JavaCPP names its jars ({@code linux-x86_64}, {@code macosx-arm64}, ...). */
    public static String here() {
        return org.bytedeco.javacpp.Loader.getPlatform();
    }

    /** The JavaCPP platforms of the ND4J native jars in {@code classpath} (entries split at the path separator). */
    static Set<String> platforms(String classpath, String separator) {
        Set<String> found = new TreeSet<>();
        for (String entry : classpath.split(Pattern.quote(separator))) {
            Matcher m = JAR.matcher(new File(entry).getName());
            if (m.find()) {
                found.add(m.group(1));
            }
        }
        return found;
    }

    /** Why ND4J cannot load its natives here from {@code classpath}, or null (also when no ND4J native jar is on it). */
    static String problem(String classpath, String separator, String here) {
        Set<String> shipped = platforms(classpath == null ? "" : classpath, separator);
        if (shipped.isEmpty() || shipped.contains(here)) {
            return null;
        }
        return "this dl4j-bridge build ships ND4J's native libraries for " + String.join(", ", shipped) + " only, and "
                + "this machine is " + here + ": the JVM cannot load them. Build the jars for this machine with "
                + "`gradle -PnativeClassifier=" + here + " installDist` (README, 'Platforms': that platform's natives "
                + "must exist for DL4J 1.0.0-M2.1, which is not checked here), or run on Linux x86_64 (a Linux VM, "
                + "WSL 2 or a Docker container)";
    }

    /** {@link #problem} for this JVM's classpath and platform. */
    public static String problem() {
        return problem(System.getProperty("java.class.path"), File.pathSeparator, here());
    }
}
