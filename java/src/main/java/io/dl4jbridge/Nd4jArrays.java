package io.dl4jbridge;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The headers of the ND4J arrays in a model zip ({@code coefficients.bin}, {@code updaterState.bin}, the arrays of
 * {@code normalizer.bin}), checked before DL4J reads them: the same rules as Python's
 * {@code dl4j_bridge.modelfile.check_arrays}, with the limits of {@code model_policy.json}.
 *
 * <p>{@code Nd4j.write} writes, per buffer (the shape, then the data), an allocation mode (Java UTF), a length
 * (an int for the first three modes, a long otherwise), a data type (Java UTF), then the values.
 * {@code Nd4j.read} allocates the declared number of values before reading any: a length of 2^40 in a 16 KB
 * file crashed the JVM (SIGSEGV). So every buffer's length times its value size must fit in the bytes left in
 * the entry, and the shape must stay within the data. Applied to every load, trusted ones too.
 */
final class Nd4jArrays {
    static final String[] ARRAY_ENTRIES = {"coefficients.bin", "updaterState.bin"};

    private Nd4jArrays() {}

    /** Why an entry is not what DL4J reads safely (internal). */
    private static class Damage extends Exception {
        Damage(String message) {
            super(message);
        }
    }

    /** A buffer declares more values than the entry holds. */
    private static final class LengthDamage extends Damage {
        LengthDamage(String message) {
            super(message);
        }
    }

    /** A big-endian cursor. */
    private static final class Bytes {
        final byte[] data;
        int pos;

        Bytes(byte[] data, int pos) {
            this.data = data;
            this.pos = pos;
        }

        long left() {
            return data.length - (long) pos;
        }

        void need(long n, String what) throws Damage {
            if (n > left()) {
                throw new Damage("it ends inside " + what + " (at byte " + pos + ")");
            }
        }

        long number(int n, String what) throws Damage {
            need(n, what);
            long v = data[pos];   // sign-extended first byte
            for (int i = 1; i < n; i++) {
                v = (v << 8) | (data[pos + i] & 0xff);
            }
            pos += n;
            return v;
        }

        String utf(String what) throws Damage {
            int n = (int) (number(2, what) & 0xffff);
            need(n, what);
            String s = new String(data, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }
    }

    /**
     * Checks the array entries of a model zip.
     *
     * @throws ModelCheck.ModelIntegrityException naming the file and entry
     */
    static void check(String file, Map<String, byte[]> entries) throws ModelCheck.ModelIntegrityException {
        String name = null;
        try {
            for (String entry : ARRAY_ENTRIES) {
                if (entries.containsKey(entry)) {
                    name = entry;
                    array(new Bytes(entries.get(entry), 0), "the array");
                }
            }
            if (entries.containsKey(ModelCheck.NORMALIZER_ENTRY)) {
                name = ModelCheck.NORMALIZER_ENTRY;
                normalizerArrays(entries.get(name));
            }
        } catch (Damage damage) {
            throw new ModelCheck.ModelIntegrityException(file + ": entry '" + name + "' is not a readable ND4J array: "
                    + damage.getMessage() + "; the file is damaged (or was altered): " + ModelCheck.DAMAGE_HINT);
        }
    }

    /** One BaseDataBuffer header: {length, bytes per value}; the length must fit in the entry. */
    private static long[] bufferHeader(Bytes r, String what) throws Damage {
        String mode = r.utf(what);
        Integer width = ModelCheck.POLICY.nd4jAllocationModes.get(mode);
        if (width == null) {
            throw new Damage(what + " has allocation mode " + quote(mode) + ", not one of ND4J's");
        }
        long length = r.number(width, what);
        String type = r.utf(what);
        Integer size = ModelCheck.POLICY.nd4jElementBytes.get(type);
        if (size == null) {
            throw new Damage(what + " has data type " + quote(type) + ", not one DL4J writes arrays in");
        }
        if (length < 0) {
            throw new LengthDamage(what + " declares a negative number of values (" + length + ")");
        }
        if (length > r.left() / size) {
            throw new LengthDamage(what + " declares " + length + " " + type + " values (" + bytes(length, size)
                    + " bytes) but only " + r.left() + " bytes follow (DL4J would allocate them before reading)");
        }
        return new long[]{length, size};
    }

    /** One Nd4j.write array: its shape buffer, then its data buffer, whose values the shape must stay within. */
    private static void array(Bytes r, String what) throws Damage {
        long[] shape = bufferHeader(r, what + "'s shape");
        long length = shape[0];
        int maxRank = ModelCheck.POLICY.nd4jMaxRank;
        if (length < 4 || length > 2L * maxRank + 4) {
            throw new Damage(what + "'s shape holds " + length + " values, not an ND4J shape of rank 0 to " + maxRank);
        }
        long[] info = new long[(int) length];
        for (int i = 0; i < info.length; i++) {
            info[i] = r.number((int) shape[1], what + "'s shape");
        }
        long rank = info[0];
        if (length != 2 * rank + 4) {
            throw new Damage(what + "'s shape says rank " + rank + " in " + length + " values");
        }
        int n = (int) rank;
        long[] dims = java.util.Arrays.copyOfRange(info, 1, 1 + n);
        long[] strides = java.util.Arrays.copyOfRange(info, 1 + n, 1 + 2 * n);
        boolean empty = false;
        for (long d : dims) {
            if (d < 0) {
                throw new Damage(what + " has a negative dimension in its shape " + list(dims));
            }
            empty |= d == 0;
        }
        long[] data = bufferHeader(r, what + "'s data");
        long count = data[0];
        if (!empty) {
            // the last value the shape reaches, as Python computes it (exactly: no overflow)
            java.math.BigInteger reach = java.math.BigInteger.ONE;
            for (int i = 0; i < n; i++) {
                reach = reach.add(java.math.BigInteger.valueOf(dims[i] - 1)
                        .multiply(java.math.BigInteger.valueOf(strides[i]).abs()));
            }
            if (reach.compareTo(java.math.BigInteger.valueOf(count)) > 0) {
                throw new Damage(what + "'s shape " + list(dims) + " (strides " + list(strides) + ") reaches value "
                        + reach + " of its " + count);
            }
        }
        r.pos += (int) (count * data[1]);   // fits: checked against the bytes left
    }

    /**
     * The arrays of a normalizer.bin (NormalizerSerializer): read as its strategy reads them for the types whose
     * layout is fixed, else every array header in it.
     */
    private static void normalizerArrays(byte[] raw) throws Damage {
        Bytes r = new Bytes(raw, 0);
        if (!"NORMALIZER".equals(r.utf("the header"))) {
            return;   // not NormalizerSerializer's format: refused by ModelCheck unless trusted
        }
        r.number(4, "the header");
        String kind = r.utf("the header");
        switch (kind) {
            case "STANDARDIZE":
            case "MIN_MAX":
            case "MULTI_STANDARDIZE":
            case "MULTI_MIN_MAX": {
                boolean fitLabels = r.number(1, "the header") != 0;
                long inputs = 1;
                long outputs = 1;
                if (kind.startsWith("MULTI_")) {
                    inputs = r.number(4, "the header");
                    outputs = r.number(4, "the header");
                }
                if (kind.endsWith("MIN_MAX")) {
                    r.number(8, "the header");   // the target range (two doubles)
                    r.number(8, "the header");
                }
                long count = 2 * Math.max(inputs, 0) + (fitLabels ? 2 * Math.max(outputs, 0) : 0);
                for (long i = 0; i < count; i++) {
                    array(r, "array " + (i + 1));
                }
                break;
            }
            case "CUSTOM":   // Java-serialised, the user's own class (trusted only)
                break;
            default:
                for (String mode : ModelCheck.POLICY.nd4jAllocationModes.keySet()) {
                    byte[] name = mode.getBytes(StandardCharsets.UTF_8);
                    for (int at = find(raw, name, 0); at >= 0; at = find(raw, name, at + 1)) {
                        try {
                            bufferHeader(new Bytes(raw, at), "the array header at byte " + at);
                        } catch (LengthDamage damage) {
                            throw damage;
                        } catch (Damage notAHeader) {
                            // not a header DL4J reads (it would fail there, allocating nothing)
                        }
                    }
                }
        }
    }

    /** The offset of the Java UTF encoding of {@code name} (a 2-byte length, then the bytes) at or after {@code from}. */
    private static int find(byte[] raw, byte[] name, int from) {
        int total = name.length + 2;
        outer:
        for (int i = Math.max(from, 0); i + total <= raw.length; i++) {
            if (raw[i] != (byte) (name.length >> 8) || raw[i + 1] != (byte) name.length) {
                continue;
            }
            for (int j = 0; j < name.length; j++) {
                if (raw[i + 2 + j] != name[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String bytes(long length, long size) {
        return java.math.BigInteger.valueOf(length).multiply(java.math.BigInteger.valueOf(size)).toString();
    }

    private static String quote(String s) {
        return "'" + (s.length() > 40 ? s.substring(0, 40) : s) + "'";
    }

    private static String list(long[] values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(values[i]);
        }
        return sb.append("]").toString();
    }
}
