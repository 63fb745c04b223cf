package io.dl4jbridge;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.File;
import java.nio.file.Files;
import java.util.AbstractMap;
import java.util.Collections;
import java.util.Map;
import java.util.Set;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

public class ModelIOTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private final TestData data = new TestData(16, 6, 1);

    @Test
    public void savedModelsRestoreWithPlainModelSerializer() throws Exception {
        MultiLayerNetwork net = NetworkFactory.build(TestData.SPEC);
        Trainer.fit(net, data.x, data.ids, null, null, null, null, 1, 8, -1, 0, null, 1000);
        File file = new File(tmp.getRoot(), "m.zip");
        ModelIO.save(net, file.getPath(), true, Collections.singletonMap("dl4j_bridge.detector.json", "{\"a\": 1}"));
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertTrue(restored.output(data.x).equalsWithEps(net.output(data.x), 1e-6));
        assertEquals("{\"a\": 1}", ModelIO.readEntry(file.getPath(), "dl4j_bridge.detector.json"));
        assertEquals(null, ModelIO.readEntry(file.getPath(), "absent.json"));
    }

    @Test
    public void aRestartedCopyIsTheNetworkASaveAndLoadWithoutUpdaterGiveAndTrainsOnAsIt() throws Exception {
        String adam = "{\"n_in\": 3, \"n_out\": 2, \"hidden_sizes\": [8], \"learning_rate\": 0.05, "
                + "\"updater\": \"adam\"}";
        MultiLayerNetwork net = NetworkFactory.build(adam);
        Trainer.fit(net, data.x, data.ids, null, null, null, null, 2, 8, -1, 0, null, 1000);
        org.nd4j.linalg.api.ndarray.INDArray moments = net.getUpdater().getStateViewArray().dup();
        assertTrue("the fit left Adam's moments", moments.amaxNumber().doubleValue() > 0);
        MultiLayerNetwork copy = ModelIO.restartedCopy(net);
        File file = new File(tmp.getRoot(), "m.zip");
        ModelIO.save(net, file.getPath(), false);
        MultiLayerNetwork loaded = ModelIO.load(file.getPath(), false);
        assertEquals(loaded.params(), copy.params());
        assertEquals(net.params(), copy.params());
        assertEquals(loaded.getLayerWiseConfigurations().toJson(), copy.getLayerWiseConfigurations().toJson());
        assertEquals(null, loaded.getUpdater(false));   // no updater state: the first fit starts it afresh
        assertEquals(null, copy.getUpdater(false));
        assertEquals(moments, net.getUpdater().getStateViewArray());   // the original keeps its own
        long[] state = RandomStates.afterInit(loaded);
        Trainer.fit(copy, null, data.x, data.ids, null, null, null, null, null, null, 1, 8, -1, 0, null, 1000,
                state.clone());
        Trainer.fit(loaded, null, data.x, data.ids, null, null, null, null, null, null, 1, 8, -1, 0, null, 1000,
                state.clone());
        assertEquals(loaded.params(), copy.params());
        assertEquals(loaded.getUpdater().getStateViewArray(), copy.getUpdater().getStateViewArray());
        Trainer.fit(net, null, data.x, data.ids, null, null, null, null, null, null, 1, 8, -1, 0, null, 1000,
                state.clone());
        assertTrue("the fit's moments train another way", !net.params().equals(copy.params()));
    }

    @Test
    public void anUpdateCopyStartsItsCountsAtZeroSoAdamsFirstStepIsTheLearningRate() throws Exception {
        String adam = "{\"n_in\": 3, \"n_out\": 2, \"hidden_sizes\": [8], \"learning_rate\": 0.05, "
                + "\"updater\": \"adam\"}";
        MultiLayerNetwork net = NetworkFactory.build(adam);
        Trainer.fit(net, data.x, data.ids, null, null, null, null, 3, 4, -1, 0, null, 1000);   // 12 iterations
        assertEquals(12, net.getLayerWiseConfigurations().getIterationCount());
        MultiLayerNetwork kept = ModelIO.restartedCopy(net);
        kept.setLearningRate(0.02);
        MultiLayerNetwork copy = ModelIO.updateCopy(net, 0.02);
        assertEquals(0, copy.getLayerWiseConfigurations().getIterationCount());
        assertEquals(0, copy.getLayerWiseConfigurations().getEpochCount());
        assertEquals(12, net.getLayerWiseConfigurations().getIterationCount());   // the original keeps its counts
        assertEquals(3, net.getLayerWiseConfigurations().getEpochCount());
        assertEquals(net.params(), copy.params());
        double[] steps = new double[2];
        MultiLayerNetwork[] nets = {copy, kept};
        for (int i = 0; i < 2; i++) {   // one minibatch of every sequence: one Adam step
            org.nd4j.linalg.api.ndarray.INDArray start = nets[i].params().dup();
            Trainer.fit(nets[i], data.x, data.ids, null, null, null, null, 1, 16, -1, 0, null, 1000);
            steps[i] = nets[i].params().sub(start).amaxNumber().doubleValue();
        }
        // Adam's first bias-corrected step moves a parameter with a gradient by the learning rate itself
        assertEquals(0.02, steps[0], 0.02 * 1e-3);
        // with the fit's 12 iterations kept, 1 - beta2^13 instead of 1 - beta2^1: about 0.48 times the rate
        assertTrue("kept counts step " + steps[1], steps[1] < 0.02 * 0.9);
    }

    @Test
    public void theSameModelSavesToTheSameBytesWithEntriesInNameOrderAndOneTime() throws Exception {
        MultiLayerNetwork net = NetworkFactory.build(TestData.SPEC);
        Map<String, String> extras = new java.util.LinkedHashMap<>();
        extras.put("dl4j_bridge.detector.json", "{\"a\": 1}");
        extras.put("dl4j_bridge.etl_spec.json", "{}");
        File first = new File(tmp.getRoot(), "a.zip");
        File second = new File(tmp.getRoot(), "b.zip");
        ModelIO.save(net, first.getPath(), true, extras);
        Thread.sleep(2100);   // a zip time has a 2-second resolution: the clock time would differ now
        ModelIO.save(net, second.getPath(), true, extras);
        assertArrayEquals(Files.readAllBytes(first.toPath()), Files.readAllBytes(second.toPath()));
        java.util.List<String> names = new java.util.ArrayList<>();
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(first)) {
            for (java.util.zip.ZipEntry entry : Collections.list(zip.entries())) {
                names.add(entry.getName());
                assertEquals(entry.getName(), ModelIO.ENTRY_TIME, entry.getTimeLocal());
            }
        }
        java.util.List<String> sorted = new java.util.ArrayList<>(names);
        Collections.sort(sorted);
        assertEquals(sorted, names);
        assertTrue(names.toString(), names.contains("coefficients.bin") && names.contains(ModelCheck.MANIFEST_ENTRY));
        ModelCheck.verifyManifest(first.toPath());
        assertEquals(net.params(), ModelSerializer.restoreMultiLayerNetwork(first, true).params());
    }

    @Test
    public void theSavedBytesDoNotDependOnTheTimeZone() throws Exception {
        MultiLayerNetwork net = NetworkFactory.build(TestData.SPEC);
        java.util.TimeZone before = java.util.TimeZone.getDefault();
        java.util.List<byte[]> saved = new java.util.ArrayList<>();
        try {
            for (String zone : new String[] {"UTC", "America/New_York", "Asia/Kolkata"}) {
                java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone(zone));
                File file = new File(tmp.getRoot(), zone.replace('/', '_') + ".zip");
                ModelIO.save(net, file.getPath(), true, Collections.singletonMap("dl4j_bridge.detector.json", "{}"));
                saved.add(Files.readAllBytes(file.toPath()));
                try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(file)) {
                    for (java.util.zip.ZipEntry entry : Collections.list(zip.entries())) {
                        assertEquals(zone + " " + entry.getName(), null, entry.getExtra());
                    }
                }
            }
        } finally {
            java.util.TimeZone.setDefault(before);
        }
        assertArrayEquals(saved.get(0), saved.get(1));
        assertArrayEquals(saved.get(0), saved.get(2));
    }

    @Test
    public void aSaveThatFailsMidwayLeavesThePreviousFileIntact() throws Exception {
        MultiLayerNetwork net = NetworkFactory.build(TestData.SPEC);
        File file = new File(tmp.getRoot(), "m.zip");
        ModelIO.save(net, file.getPath(), true);
        byte[] before = Files.readAllBytes(file.toPath());
        // Fails after the network has been written to the temporary file, while extra entries are added.
        Map<String, String> failing = new AbstractMap<String, String>() {
            @Override
            public Set<Map.Entry<String, String>> entrySet() {
                throw new IllegalStateException("disk pulled out");
            }
            @Override
            public Set<String> keySet() {
                return Collections.singleton("dl4j_bridge.detector.json");
            }
            @Override
            public boolean isEmpty() {
                return false;
            }
        };
        MultiLayerNetwork other = NetworkFactory.build(TestData.SPEC.replace("0.05", "0.5"));
        try {
            ModelIO.save(other, file.getPath(), true, failing);
            fail("the save should have failed");
        } catch (IllegalStateException expected) {
            assertEquals("disk pulled out", expected.getMessage());
        }
        assertArrayEquals(before, Files.readAllBytes(file.toPath()));
        String[] left = tmp.getRoot().list();
        assertEquals("no temporary file is left behind", 1, left.length);
    }

    @Test
    public void aSaveRemovesWhatSavesKilledMidwayLeftButNeverALiveSavesWork() throws Exception {
        java.nio.file.Path root = tmp.getRoot().toPath();
        // the work directory of a save whose process is gone (no pid is that large), with what it held
        java.nio.file.Path dead = root.resolve(".m.zip.999999999@" + ModelIO.HOST + ".abc.partial.d");
        Files.createDirectories(dead);
        Files.write(dead.resolve("m.zip"), new byte[10]);
        Files.write(dead.resolve("zipfstmp123.tmp"), new byte[3]);
        java.nio.file.Path live = root.resolve(".m.zip." + ProcessHandle.current().pid() + "@" + ModelIO.HOST
                + ".xyz.partial.d");
        Files.createDirectories(live);                     // a save of this (running) process
        java.nio.file.Path otherTarget = root.resolve(".n.zip.999999999@" + ModelIO.HOST + ".abc.partial.d");
        Files.createDirectories(otherTarget);              // another file's: left to that file's next save
        java.nio.file.Path notOurs = root.resolve(".m.zip.notapid.partial.d");
        Files.createDirectories(notOurs);
        java.nio.file.Path otherHost = root.resolve(".m.zip.999999999@some-other-host.abc.partial.d");
        Files.createDirectories(otherHost);               // on a shared volume: this host cannot judge it
        ModelIO.save(NetworkFactory.build(TestData.SPEC), root.resolve("m.zip").toString(), false);
        java.util.Set<String> left = new java.util.TreeSet<>(java.util.Arrays.asList(tmp.getRoot().list()));
        assertEquals(new java.util.TreeSet<>(java.util.Arrays.asList("m.zip", live.getFileName().toString(),
                otherTarget.getFileName().toString(), notOurs.getFileName().toString(),
                otherHost.getFileName().toString())), left);
    }
}
