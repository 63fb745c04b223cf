package io.dl4jbridge;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.Normalizer;
import org.nd4j.linalg.dataset.api.preprocessor.serializer.NormalizerSerializer;

import java.io.File;
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
 * The same model gives the same bytes: entries are written in name order, each stamped {@link #ENTRY_TIME}.
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
        save(net, path, saveUpdater, extraEntries, null);
    }

    /**
     * @param extraEntries entry name -> UTF-8 text (e.g. JSON) added to the zip beside DL4J's own entries
     * @param normalizer   written as DL4J's own {@code normalizer.bin} entry (may be null); a plain DL4J user
     *                     restores it with {@code ModelSerializer.restoreNormalizerFromFile}
     */
    public static void save(MultiLayerNetwork net, String path, boolean saveUpdater, Map<String, String> extraEntries,
                            DataNormalization normalizer) throws IOException {
        save(net, path, saveUpdater, extraEntries, normalizer, null);
    }

    /**
     * @param manifestFields JSON object text with the manifest fields the caller knows (Python: its versions,
     *                       {@code features.names}, {@code detector}); may be null. This method adds the DL4J and
     *                       Java versions, {@code n_in} / {@code n_out}, the ETL spec hash and the size and SHA-256
     *                       of every entry, writes {@code dl4j_bridge.manifest.json} last, and checks the finished
     *                       file against it before renaming it over the target.
     */
    public static void save(MultiLayerNetwork net, String path, boolean saveUpdater, Map<String, String> extraEntries,
                            DataNormalization normalizer, String manifestFields) throws IOException {
        for (String name : extraEntries == null ? Collections.<String>emptySet() : extraEntries.keySet()) {
            // ModelSerializer refuses to restore a zip that holds a directory entry
            if (name.isEmpty() || name.contains("/") || name.contains("\\")) {
                throw new IllegalArgumentException("extra entry names must be flat file names, got '" + name + "'");
            }
            if (ModelCheck.entryRefusal(name) != null || ModelCheck.MANIFEST_ENTRY.equals(name)) {
                throw new IllegalArgumentException("extra entry '" + name + "' would make the file unloadable without"
                        + " trusted=true: the checked loader accepts only " + ModelCheck.POLICY.allowedEntries
                        + " (the manifest is written by the save itself); add a new entry name to"
                        + " dl4j_bridge/model_policy.json's allowed_entries first");
            }
        }
        Path target = Paths.get(path).toAbsolutePath();
        try {
            write(net, target, saveUpdater, extraEntries, normalizer, manifestFields);
        } catch (IOException e) {   // named by the target, not the work directory; the file there is unchanged
            IOException named = new IOException(saveFailure(target, e));   // no cause: callers show the root cause's
            named.addSuppressed(e);                                        // message; the stack trace keeps it
            throw named;
        }
    }

    /** The message of a failed save: the target file and what stopped it, in words (not a temporary path). */
    static String saveFailure(Path target, IOException e) {
        String reason = e instanceof java.nio.file.FileSystemException
                ? ((java.nio.file.FileSystemException) e).getReason() : e.getMessage();
        if (e instanceof java.nio.file.FileAlreadyExistsException && ((java.nio.file.FileSystemException) e).getFile() != null
                && Files.exists(Paths.get(((java.nio.file.FileSystemException) e).getFile()))
                && !Files.isDirectory(Paths.get(((java.nio.file.FileSystemException) e).getFile()))) {
            reason = ((java.nio.file.FileSystemException) e).getFile() + " is not a directory";
        } else if (reason == null) {
            reason = e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : e instanceof java.nio.file.NoSuchFileException ? "no such file or directory" : e.toString();
        }
        return "cannot save the model to " + target + ": " + reason + " (the file there, if any, is unchanged)";
    }

    private static void write(MultiLayerNetwork net, Path target, boolean saveUpdater, Map<String, String> extraEntries,
                              DataNormalization normalizer, String manifestFields) throws IOException {
        Path dir = target.getParent();
        Files.createDirectories(dir);
        removeStaleWork(dir, target);
        // Everything of the save happens in a work directory of its own beside the target, named by this
        // process: the partial file and the temporary file the zip file system writes on close. A save cut short
        // by a signal or a crash leaves only that directory, and the next save of the same target removes it
        // once its process is gone. The file is created new (CREATE_NEW), so it gets the permissions any new
        // file gets here (0666 less the umask), not createTempFile's 0600: another service account can read it.
        Path work = null;
        for (int attempt = 0; work == null; attempt++) {
            Path candidate = dir.resolve(workPrefix(target) + ProcessHandle.current().pid() + "@" + HOST + "." + Long.toUnsignedString(
                    java.util.concurrent.ThreadLocalRandom.current().nextLong(), 36) + WORK_SUFFIX);
            try {
                Files.createDirectory(candidate);
                work = candidate;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
        Path tmp = work.resolve(target.getFileName());
        Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW).close();
        try {
            // writeModel(..., normalizer) fails in 1.0.0-M2.1 ("flush() failed: stream is closed"), so the
            // normalizer goes in as DL4J's own normalizer.bin entry, written by DL4J's own serializer
            ModelSerializer.writeModel(net, tmp.toFile(), saveUpdater);
            boolean hasExtras = extraEntries != null && !extraEntries.isEmpty();
            String manifest;
            URI uri = URI.create("jar:" + tmp.toUri());
            try (FileSystem zip = FileSystems.newFileSystem(uri, Collections.<String, Object>emptyMap())) {
                if (normalizer != null) {
                    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                    NormalizerSerializer.getDefault().write(normalizer, bytes);
                    Files.write(zip.getPath(ModelSerializer.NORMALIZER_BIN), bytes.toByteArray());
                }
                for (Map.Entry<String, String> e : hasExtras ? extraEntries.entrySet()
                        : Collections.<String, String>emptyMap().entrySet()) {
                    Path entry = zip.getPath(e.getKey());
                    Files.write(entry, e.getValue().getBytes(StandardCharsets.UTF_8));
                }
                manifest = Manifest.build(net, zip, manifestFields);
                Files.write(zip.getPath(ModelCheck.MANIFEST_ENTRY), manifest.getBytes(StandardCharsets.UTF_8));
            }
            canonicalise(tmp, work);
            // the bytes actually written: read the finished file back and compare it with its manifest
            ModelCheck.verifyManifest(tmp);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            if (Files.exists(target)) {   // a replaced model keeps its permissions
                try {
                    Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(target));
                } catch (UnsupportedOperationException ignored) {
                    // not a POSIX file system: the new file's default permissions stay
                }
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
                ch.force(true);
            } catch (IOException ignored) {
                // some file systems cannot sync a directory; the rename itself is still atomic
            }
        } finally {
            deleteTree(work);
        }
    }

    /**
     * The time every entry of a saved zip carries: two seconds after the first date a zip (DOS) time can hold. A zip
     * entry otherwise records the clock time of the save, so two saves of the same model would differ in those bytes
     * only. Not 1980-01-01 00:00:00 itself: {@code ZipEntry} takes that value for "before 1980" and then adds an
     * extended-timestamp field holding the instant in the JVM's time zone, so the file's bytes (and SHA-256) would
     * depend on {@code TZ}.
     */
    static final java.time.LocalDateTime ENTRY_TIME = java.time.LocalDateTime.of(1980, 1, 1, 0, 0, 2);

    /**
     * Rewrites {@code zipFile} (in {@code work}, then renamed over it) with its entries in name order, each stamped
     * {@link #ENTRY_TIME}, with no extra fields: the same entries give the same bytes. The entries' content is
     * copied unchanged (the manifest's sizes and SHA-256 still hold).
     */
    static void canonicalise(Path zipFile, Path work) throws IOException {
        Path out = work.resolve(zipFile.getFileName() + ".canonical");
        try (ZipFile in = new ZipFile(zipFile.toFile());
             java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(
                     new java.io.BufferedOutputStream(Files.newOutputStream(out, StandardOpenOption.CREATE_NEW)))) {
            java.util.List<String> names = new java.util.ArrayList<>();
            for (java.util.Enumeration<? extends ZipEntry> e = in.entries(); e.hasMoreElements();) {
                names.add(e.nextElement().getName());
            }
            Collections.sort(names);
            for (String name : names) {
                ZipEntry entry = new ZipEntry(name);
                entry.setTimeLocal(ENTRY_TIME);
                zip.putNextEntry(entry);
                try (InputStream content = in.getInputStream(in.getEntry(name))) {
                    content.transferTo(zip);
                }
                zip.closeEntry();
            }
        }
        Files.move(out, zipFile, StandardCopyOption.REPLACE_EXISTING);
    }

    private static final String WORK_SUFFIX = ".partial.d";

    /**
     * This machine's name in work directory names: a process id means something only on the host (and in the
     * PID namespace) that gave it, so a directory another host or container left on a shared volume is not
     * judged by this host's process table.
     */
    static final String HOST = hostName();

    private static String hostName() {
        String name = null;
        try {
            name = new String(Files.readAllBytes(Paths.get("/proc/sys/kernel/hostname")), StandardCharsets.UTF_8).trim();
        } catch (IOException | RuntimeException e) {
            name = System.getenv("HOSTNAME");
        }
        name = name == null || name.isEmpty() ? "localhost" : name;
        return name.replaceAll("[^A-Za-z0-9-]", "-");
    }

    private static String workPrefix(Path target) {
        return "." + target.getFileName() + ".";
    }

    /**
     * Removes the work directories earlier saves of {@code target} left behind (killed mid-save): those named by a
     * process that no longer runs. A live process's save in progress is never touched.
     */
    static void removeStaleWork(Path dir, Path target) {
        String prefix = workPrefix(target);
        try (java.nio.file.DirectoryStream<Path> entries = Files.newDirectoryStream(dir, p -> {
            String name = p.getFileName().toString();
            return name.startsWith(prefix) && name.endsWith(WORK_SUFFIX);
        })) {
            for (Path entry : entries) {
                // <pid>@<host>.<random>.partial.d
                String rest = entry.getFileName().toString().substring(prefix.length());
                int at = rest.indexOf('@');
                String owner = at < 1 ? "" : rest.substring(at + 1, rest.length() - WORK_SUFFIX.length());
                int dot = owner.lastIndexOf('.');
                if (at < 1 || dot < 0 || !owner.substring(0, dot).equals(HOST)
                        || !rest.substring(0, at).chars().allMatch(Character::isDigit)
                        || !Files.isDirectory(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    continue;   // another host's (or not ours): only its own host can tell whether it is alive
                }
                long pid;
                try {
                    pid = Long.parseLong(rest.substring(0, at));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (!ProcessHandle.of(pid).isPresent()) {
                    deleteTree(entry);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // best effort: a leftover that cannot be listed or removed does not stop this save
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (root == null || !Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (java.util.stream.Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * The network a save without the updater and a load without it would give ({@link #save} then {@link #load},
     * both with {@code false}), made in memory: the same configuration (through its JSON, iteration and epoch
     * counts included) and parameters, and no updater state (a first fit starts it afresh, Adam's moments and
     * momentum zero). {@code net} is left as it is. A detector's {@code update} trains such a copy, so its result
     * depends only on what a detector file holds, not on whether the detector was saved and loaded first.
     */
    public static MultiLayerNetwork restartedCopy(MultiLayerNetwork net) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, false);
        return ModelSerializer.restoreMultiLayerNetwork(new java.io.ByteArrayInputStream(bytes.toByteArray()), false);
    }

    /**
     * The network a detector's {@code update} trains: a {@link #restartedCopy} whose iteration and epoch counts start
     * at 0 and whose learning rate is {@code learningRate}, fixed (DL4J's {@code setLearningRate}: a schedule is
     * dropped). Its updater state is new (Adam's moments zero), so its counts are too: Adam's bias correction
     * divides the moments by 1 - beta^(iteration + 1), which fits moments that started at that iteration; with
     * the fit's count kept, the first steps of an update were not those of {@code learningRate} (0.64 times it
     * after 40 iterations, 3.2 to 6.8 times it over its first 20 steps after 5000). {@code net} is left as it is;
     * its counts (those a detector file saves) stay the fit's.
     */
    public static MultiLayerNetwork updateCopy(MultiLayerNetwork net, double learningRate) throws IOException {
        MultiLayerNetwork copy = restartedCopy(net);
        copy.getLayerWiseConfigurations().setIterationCount(0);
        copy.getLayerWiseConfigurations().setEpochCount(0);
        copy.setLearningRate(learningRate);
        return copy;
    }

    public static MultiLayerNetwork load(String path, boolean loadUpdater) throws IOException {
        Path p = Paths.get(path);
        if (!Files.isRegularFile(p)) {
            throw new java.io.FileNotFoundException("no model file at " + p.toAbsolutePath());
        }
        return ModelSerializer.restoreMultiLayerNetwork(p.toFile(), loadUpdater);
    }

    /**
     * The normalizer saved in a model zip ({@code normalizer.bin}), or null when it has none.
     * Only DL4J's standard normalizer types are restored; a custom (Java-serialised) one needs
     * {@code trusted}, because restoring it runs code named by the file.
     */
    public static DataNormalization loadNormalizer(String path, boolean trusted) throws IOException {
        String type = normalizerType(path);
        if (type == null) {
            return null;
        }
        if (!trusted && "CUSTOM".equals(type)) {
            throw new IOException(path + " holds a custom (Java-serialised) normalizer; load it only if you trust the file"
                    + " (trusted=true)");
        }
        try (ZipFile zip = new ZipFile(path)) {
            ZipEntry entry = zip.getEntry(ModelSerializer.NORMALIZER_BIN);
            try (InputStream in = zip.getInputStream(entry)) {
                return restoreNormalizer(org.apache.commons.io.IOUtils.toByteArray(in), path, trusted);
            }
        }
    }

    /**
     * A normalizer from the bytes of a {@code normalizer.bin} entry (null for null), restored with DL4J's
     * {@code NormalizerSerializer} alone: unlike {@code ModelSerializer.restoreNormalizerFromFile}, it never falls
     * back to Java deserialisation nor rewrites the model file. A CUSTOM normalizer needs {@code trusted}.
     */
    public static DataNormalization restoreNormalizer(byte[] data, String where, boolean trusted) throws IOException {
        if (data == null) {
            return null;
        }
        String type = normalizerType(data, where);
        if (!trusted && "CUSTOM".equals(type)) {
            throw new ModelCheck.UntrustedModelException(where + " holds a custom (Java-serialised) normalizer; load it"
                    + " only if you trust the file (trusted=true)");
        }
        Normalizer<?> normalizer;
        try {
            normalizer = NormalizerSerializer.getDefault().restore(new java.io.ByteArrayInputStream(data));
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(where + ": normalizer.bin cannot be restored: " + e, e);
        }
        if (normalizer != null && !(normalizer instanceof DataNormalization)) {
            throw new IOException(where + ": normalizer " + normalizer.getClass().getName() + " is not a DataNormalization");
        }
        return (DataNormalization) normalizer;
    }

    private static String normalizerType(byte[] data, String where) throws IOException {
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(data))) {
            String header = in.readUTF();
            if (!"NORMALIZER".equals(header)) {
                throw new IOException(where + ": normalizer.bin does not start with DL4J's NORMALIZER header");
            }
            in.readInt();           // serializer version
            return in.readUTF();    // NormalizerType name
        }
    }

    /** The NormalizerType name in the header of the zip's {@code normalizer.bin} (e.g. STANDARDIZE), or null. */
    public static String normalizerType(String path) throws IOException {
        try (ZipFile zip = new ZipFile(path)) {
            ZipEntry entry = zip.getEntry(ModelSerializer.NORMALIZER_BIN);
            if (entry == null) {
                return null;
            }
            try (java.io.DataInputStream in = new java.io.DataInputStream(zip.getInputStream(entry))) {
                String header = in.readUTF();
                if (!"NORMALIZER".equals(header)) {
                    throw new IOException(path + ": normalizer.bin does not start with DL4J's NORMALIZER header");
                }
                in.readInt();           // serializer version
                return in.readUTF();    // NormalizerType name
            }
        }
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
