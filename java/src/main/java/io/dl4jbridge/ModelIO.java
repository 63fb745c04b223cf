package io.dl4jbridge;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * ModelSerializer zips, written atomically: the model goes to a temporary file beside the target, is
 * flushed to disk, then renamed over the target. An interrupted save leaves the previous file intact.
 * Extra entries (our own metadata) are stored as flat UTF-8 text entries, never Java serialization.
 */
public final class ModelIO {
    private ModelIO() {}

    public static void save(MultiLayerNetwork net, String path, boolean saveUpdater) throws IOException {
        save(net, path, saveUpdater, Collections.<String, String>emptyMap());
    }

    /**
     * @param extraEntries entry name -> UTF-8 text (e.g. JSON) added to the zip beside DL4J's own entries
     */
    public static void save(MultiLayerNetwork net, String path, boolean saveUpdater, Map<String, String> extraEntries)
            throws IOException {
        for (String name : extraEntries == null ? Collections.<String>emptySet() : extraEntries.keySet()) {
            // ModelSerializer refuses to restore a zip that holds a directory entry
            if (name.isEmpty() || name.contains("/") || name.contains("\\")) {
                throw new IllegalArgumentException("extra entry names must be flat file names, got '" + name + "'");
            }
        }
        Path target = Paths.get(path).toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".partial");
        try {
            ModelSerializer.writeModel(net, tmp.toFile(), saveUpdater);
            if (extraEntries != null && !extraEntries.isEmpty()) {
                URI uri = URI.create("jar:" + tmp.toUri());
                try (FileSystem zip = FileSystems.newFileSystem(uri, Collections.<String, Object>emptyMap())) {
                    for (Map.Entry<String, String> e : extraEntries.entrySet()) {
                        Path entry = zip.getPath(e.getKey());
                        Files.write(entry, e.getValue().getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
                ch.force(true);
            } catch (IOException ignored) {
                // some file systems cannot sync a directory; the rename itself is still atomic
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static MultiLayerNetwork load(String path, boolean loadUpdater) throws IOException {
        Path p = Paths.get(path);
        if (!Files.isRegularFile(p)) {
            throw new java.io.FileNotFoundException("no model file at " + p.toAbsolutePath());
        }
        return ModelSerializer.restoreMultiLayerNetwork(p.toFile(), loadUpdater);
    }

    /** The text of one entry of a model zip, or null when the zip has no such entry. */
    public static String readEntry(String path, String name) throws IOException {
        try (ZipFile zip = new ZipFile(path)) {
            ZipEntry entry = zip.getEntry(name);
            if (entry == null) {
                return null;
            }
            try (InputStream in = zip.getInputStream(entry)) {
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                }
                return new String(out.toByteArray(), StandardCharsets.UTF_8);
            }
        }
    }
}
