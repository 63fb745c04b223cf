package io.dl4jbridge.scorer;

import io.dl4jbridge.ModelCheck;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/** The JVM scorer's loader on untrusted detector zips: ModelCheck through DetectorFile and the launcher. */
public class ModelCheckTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    /** A copy of a zip with one entry replaced or added (null data: dropped). */
    private File rewrite(File zip, String name, byte[] data) throws Exception {
        File out = tmp.newFile();
        try (ZipFile in = new ZipFile(zip); ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(out.toPath()))) {
            for (Enumeration<? extends ZipEntry> en = in.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                if (e.getName().equals(name)) {
                    continue;
                }
                z.putNextEntry(new ZipEntry(e.getName()));
                z.write(org.apache.commons.io.IOUtils.toByteArray(in.getInputStream(e)));
            }
            if (data != null) {
                z.putNextEntry(new ZipEntry(name));
                z.write(data);
            }
        }
        return out;
    }

    private static int launcher(String... args) {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            return io.dl4jbridge.MainAccess.run(args);
        } finally {
            System.setErr(err);
            LAST_STDERR = new String(captured.toByteArray(), StandardCharsets.UTF_8);
        }
    }

    private static String LAST_STDERR = "";

    @Test
    public void aPreprocessorBinGadgetIsRefusedWithoutBeingDeserialised() throws Exception {
        File detector = TestDetectorsAccess.nextEventZip(tmp.newFolder());
        Path marker = tmp.getRoot().toPath().resolve("readObject-ran.txt");
        File crafted = rewrite(detector, "preprocessor.bin", MarkerGadget.serialized(marker.toString()));
        try {
            DetectorFile.read(crafted.toPath(), false);
            fail("the crafted zip was loaded");
        } catch (ModelCheck.UntrustedModelException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("refused entry 'preprocessor.bin'"));
            assertTrue(e.getMessage(), e.getMessage().contains("--trusted"));
        }
        File log = tmp.newFile("app.log");
        assertEquals(3, launcher("score", "--model", crafted.getPath(), "--input", log.getPath()));
        assertTrue(LAST_STDERR, LAST_STDERR.contains("refused entry 'preprocessor.bin'"));
        assertFalse("the gadget's readObject ran", Files.exists(marker));

        // the policy's serial filter (the launcher's and start_jvm's jdk.serialFilter) rejects the gadget too
        String filter = System.getProperty("dl4jbridge.serialFilter");
        assertEquals(ModelCheck.POLICY.serialFilter, filter);
        ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(MarkerGadget.serialized(marker.toString())));
        in.setObjectInputFilter(ObjectInputFilter.Config.createFilter(filter));
        try {
            in.readObject();
            fail("the serial filter let the gadget through");
        } catch (InvalidClassException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("REJECTED"));
        }
        assertFalse(Files.exists(marker));

        // control: this JVM has no global filter, so with trusted DL4J deserialises it and the gadget runs
        try {
            DetectorFile.read(crafted.toPath(), true);
        } catch (RuntimeException expected) {
            // a MarkerGadget is no DataSetPreProcessor: DL4J's cast fails after readObject ran
        }
        assertTrue("the control never deserialised the gadget", Files.exists(marker));
    }

    @Test
    public void aChangedByteInAnEntryIsCaughtNamingIt() throws Exception {
        File detector = TestDetectorsAccess.nextEventZip(tmp.newFolder());
        assertNotNull(DetectorFile.read(detector.toPath(), false));
        byte[] coefficients;
        try (ZipFile z = new ZipFile(detector)) {
            coefficients = org.apache.commons.io.IOUtils.toByteArray(z.getInputStream(z.getEntry("coefficients.bin")));
        }
        coefficients[coefficients.length / 2] ^= 1;
        File tampered = rewrite(detector, "coefficients.bin", coefficients);
        try {
            DetectorFile.read(tampered.toPath(), false);
            fail("a tampered zip was loaded");
        } catch (ModelCheck.ModelIntegrityException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("entry 'coefficients.bin' differs from the manifest"));
        }
        assertEquals(3, launcher("score", "--model", tampered.getPath(), "--input", tmp.newFile("a.log").getPath()));
        assertTrue(LAST_STDERR, LAST_STDERR.contains("'coefficients.bin' differs from the manifest"));
        assertNotNull("--trusted skips the manifest", DetectorFile.read(tampered.toPath(), true));
    }

    @Test
    public void aFileSavedBeforeManifestsLoadsWithAWarning() throws Exception {
        File detector = TestDetectorsAccess.nextEventZip(tmp.newFolder());
        File old = rewrite(detector, ModelCheck.MANIFEST_ENTRY, null);
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            assertNotNull(DetectorFile.read(old.toPath(), false));
        } finally {
            System.setErr(err);
        }
        String warning = new String(captured.toByteArray(), StandardCharsets.UTF_8);
        assertTrue(warning, warning.contains("has no dl4j_bridge.manifest.json") && warning.contains("save it again"));
    }

    @Test
    public void aNewerManifestSaysToUpgrade() throws Exception {
        File detector = TestDetectorsAccess.nextEventZip(tmp.newFolder());
        String manifest;
        try (ZipFile z = new ZipFile(detector)) {
            manifest = new String(org.apache.commons.io.IOUtils.toByteArray(z.getInputStream(z.getEntry(
                    ModelCheck.MANIFEST_ENTRY))), StandardCharsets.UTF_8);
        }
        File newer = rewrite(detector, ModelCheck.MANIFEST_ENTRY,
                manifest.replace("\"version\" : 1", "\"version\" : 2").getBytes(StandardCharsets.UTF_8));
        try {
            DetectorFile.read(newer.toPath(), false);
            fail("a newer manifest was accepted");
        } catch (ModelCheck.NewerModelException e) {   // typed: an embedder tells "upgrade" from "damaged"
            assertTrue(e.getMessage(), e.getMessage().contains("newer dl4j_bridge (manifest version 2")
                    && e.getMessage().contains("upgrade"));
        }
    }

    @Test
    public void classNamesOutsideTheAllowListAreRefused() throws Exception {
        String[] evil = {
            "{\"a\": {\"@class\": \"com.evil.Gadget\"}}",
            "{\"distribution\": {\"type\": \"com.evil.Gadget\"}}",
            "{\"activationFn\": [\"com.evil.Gadget\", {}]}",
            "{\"activationFn\": {\"com.evil.Gadget\": {}}}",
            "{\"a\": {\"@class\": \"org.nd4j.Ok\", \"@class\": \"com.evil.Gadget\"}}",
        };
        for (String json : evil) {
            try {
                ModelCheck.checkClasses(json, "configuration.json");
                fail("accepted " + json);
            } catch (ModelCheck.UntrustedModelException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("com.evil.Gadget") || e.getMessage().contains("repeats"));
            }
        }
        ModelCheck.checkClasses("{\"layer\": {\"@class\": \"org.deeplearning4j.nn.conf.layers.GravesLSTM\"},"
                + " \"variables\": [\"W\", \"RW\"]}", "configuration.json");
    }

    @Test
    public void anArrayHeaderDeclaringMoreThanTheEntryHoldsIsRefusedBeforeDl4jAllocatesIt() throws Exception {
        // 2^40 values in a 16 KB file crashed the JVM (SIGSEGV in Nd4j.read): refused first, trusted or not
        File detector = TestDetectorsAccess.nextEventZip(tmp.newFolder());
        byte[] coefficients;
        try (ZipFile z = new ZipFile(detector)) {
            coefficients = org.apache.commons.io.IOUtils.toByteArray(z.getInputStream(z.getEntry("coefficients.bin")));
        }
        String text = new String(coefficients, StandardCharsets.ISO_8859_1);
        int data = text.indexOf("MIXED_DATA_TYPES", text.indexOf("MIXED_DATA_TYPES") + 1) + "MIXED_DATA_TYPES".length();
        java.nio.ByteBuffer.wrap(coefficients).putLong(data, 1L << 40);
        File crafted = rewrite(detector, "coefficients.bin", coefficients);
        for (boolean trusted : new boolean[]{false, true}) {
            try {
                ModelCheck.read(crafted.toPath(), trusted);
                fail("the crafted zip was read");
            } catch (ModelCheck.ModelIntegrityException e) {
                String expected = trusted ? "entry 'coefficients.bin' is not a readable ND4J array: the array's data"
                        + " declares 1099511627776 FLOAT values (4398046511104 bytes) but only"
                        : "entry 'coefficients.bin' differs from the manifest";   // (its manifest was not recomputed)
                assertTrue(e.getMessage(), e.getMessage().contains(expected));
            }
        }
        assertEquals(3, launcher("score", "--model", crafted.getPath(), "--input", tmp.newFile("b.log").getPath(),
                "--trusted"));
        assertTrue(LAST_STDERR, LAST_STDERR.contains("is not a readable ND4J array"));
    }

    @Test
    public void theRulesAreTheOnesPythonReads() throws Exception {
        byte[] python = Files.readAllBytes(Paths.get("dl4j_bridge", "model_policy.json"));
        byte[] jar = org.apache.commons.io.IOUtils.toByteArray(ModelCheck.class.getResourceAsStream(ModelCheck.POLICY_RESOURCE));
        assertArrayEquals(python, jar);
        Map<String, String> refused = ModelCheck.POLICY.refusedEntries;
        assertTrue(refused.containsKey("preprocessor.bin") && refused.containsKey("objects/"));
        assertEquals(Collections.singletonList("org.deeplearning4j."), ModelCheck.POLICY.allowedClassPrefixes.subList(0, 1));
    }
}
