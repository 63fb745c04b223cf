package io.dl4jbridge;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.versioncheck.VersionCheck;
import org.nd4j.versioncheck.VersionInfo;
import org.bytedeco.javacpp.Pointer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** What runtime is actually loaded: versions, ND4J backend, memory limits. */
public final class RuntimeInfo {
    private RuntimeInfo() {}

    /** The DL4J version on the classpath, read from its artifact metadata. */
    public static String dl4jVersion() {
        for (VersionInfo v : VersionCheck.getVersionInfos()) {
            if ("deeplearning4j-nn".equals(v.getArtifactId())) {
                return v.getBuildVersion();
            }
        }
        String pom = "/META-INF/maven/org.deeplearning4j/deeplearning4j-nn/pom.properties";
        try (java.io.InputStream in = org.deeplearning4j.nn.multilayer.MultiLayerNetwork.class.getResourceAsStream(pom)) {
            if (in != null) {
                Properties props = new Properties();
                props.load(in);
                return props.getProperty("version", "unknown");
            }
        } catch (java.io.IOException ignored) {
            // fall through
        }
        return "unknown";
    }

    /** Ordered key/value facts; loading ND4J here initialises the backend. */
    public static Map<String, String> describe() {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("dl4j.version", dl4jVersion());
        info.put("java.version", System.getProperty("java.version"));
        info.put("java.vm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        info.put("nd4j.backend.class", Nd4j.getBackend().getClass().getName());
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        for (String key : new String[]{"backend", "blas.vendor", "cores", "omp.threads", "os"}) {
            Object v = env.get(key);
            if (v != null) {
                info.put("nd4j." + key, String.valueOf(v));
            }
        }
        info.put("nd4j.blas.vendor", String.valueOf(Nd4j.factory().blas().getBlasVendor()));
        info.put("heap.max.bytes", String.valueOf(Runtime.getRuntime().maxMemory()));
        info.put("offheap.max.bytes", String.valueOf(Pointer.maxBytes()));
        info.put("offheap.maxphysical.bytes", String.valueOf(Pointer.maxPhysicalBytes()));
        info.put("offheap.used.bytes", String.valueOf(Pointer.totalBytes()));
        info.put("env.OMP_NUM_THREADS", String.valueOf(System.getenv("OMP_NUM_THREADS")));
        info.put("env.OMP_WAIT_POLICY", String.valueOf(System.getenv("OMP_WAIT_POLICY")));
        // which nd4j-native build JavaCPP loaded (its directory names it: linux-x86_64, linux-x86_64-avx2, ...)
        info.put("javacpp.platform.extension", String.valueOf(System.getProperty(CpuBuild.PROPERTY)));
        String library = org.bytedeco.javacpp.Loader.getLoadedLibraries().get("nd4jcpu");
        info.put("nd4j.native.library", library == null ? "not loaded (not the CPU backend)" : library);
        return info;
    }
}
