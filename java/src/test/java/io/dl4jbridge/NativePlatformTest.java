package io.dl4jbridge;

import org.junit.Test;

import java.util.Arrays;
import java.util.Collections;
import java.util.TreeSet;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

public class NativePlatformTest {
    /** As Python's tests/test_portability.py LINUX_JARS, joined as Windows would join them. */
    static final String LINUX_JARS = String.join(";", Arrays.asList("C:\\app\\lib\\nd4j-native-1.0.0-M2.1.jar",
            "C:\\app\\lib\\nd4j-native-1.0.0-M2.1-linux-x86_64.jar", "lib/nd4j-native-1.0.0-M2.1-linux-x86_64-avx2.jar",
            "lib/openblas-0.3.19-1.5.7-linux-x86_64.jar"));

    @Test
    public void findsThePlatformsOfNd4jNativeAndCudaJars() {
        assertEquals(new TreeSet<>(Collections.singleton("linux-x86_64")), NativePlatform.platforms(LINUX_JARS, ";"));
        assertEquals(new TreeSet<>(Collections.singleton("linux-x86_64")),
                NativePlatform.platforms("x/nd4j-cuda-11.6-1.0.0-M2.1-linux-x86_64.jar", ":"));
    }

    @Test
    public void anotherPlatformIsRefusedInPythonsWords() {
        assertNull(NativePlatform.problem(LINUX_JARS, ";", "linux-x86_64"));
        assertNull(NativePlatform.problem("my/own.jar", ":", "macosx-arm64"));   // not ours to judge
        String problem = NativePlatform.problem(LINUX_JARS, ";", "windows-x86_64");
        assertTrue(problem, problem.startsWith("this dl4j-bridge build ships ND4J's native libraries for linux-x86_64 "
                + "only, and this machine is windows-x86_64: the JVM cannot load them."));
        assertTrue(problem, problem.contains("gradle -PnativeClassifier=windows-x86_64 installDist"));
    }

    @Test
    public void thisMachineAndItsLauncherClasspathPass() {
        assertEquals("linux-x86_64", NativePlatform.here());   // the only platform this project is tested on
        assertNull(NativePlatform.problem());
    }
}
