package io.dl4jbridge.scorer;

import org.junit.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/** {@link GzipMembers} reads .gz input as Python's gzip does, where GZIPInputStream drops data without a word. */
public class GzipMembersTest {
    private static final byte[] A = "a 1\na 2\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] B = "b 1\nb 2\nb 3".getBytes(StandardCharsets.UTF_8);

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    /** A member with every optional header field (extra, name, comment, header CRC), as gzip tools may write. */
    static byte[] gzipWithHeaderFields(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x1f);
        out.write(0x8b);
        out.write(8);
        out.write(2 | 4 | 8 | 16);
        out.write(new byte[]{1, 2, 3, 4, 0, 3}, 0, 6);
        out.write(3);
        out.write(0);
        out.write(new byte[]{9, 9, 9}, 0, 3);
        byte[] name = "app.log\0".getBytes(StandardCharsets.US_ASCII);
        out.write(name, 0, name.length);
        byte[] comment = "a comment\0".getBytes(StandardCharsets.US_ASCII);
        out.write(comment, 0, comment.length);
        out.write(0x12);
        out.write(0x34);
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        deflater.setInput(data);
        deflater.finish();
        byte[] buf = new byte[4096];
        while (!deflater.finished()) {
            int n = deflater.deflate(buf);
            out.write(buf, 0, n);
        }
        deflater.end();
        CRC32 crc = new CRC32();
        crc.update(data);
        writeInt(out, crc.getValue());
        writeInt(out, data.length);
        return out.toByteArray();
    }

    private static void writeInt(ByteArrayOutputStream out, long value) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (value >>> (8 * i)) & 0xff);
        }
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.write(p, 0, p.length);
        }
        return out.toByteArray();
    }

    /** A pipe whose writer is slow: one byte per read, and never a byte said to be waiting. */
    static InputStream pipeLike(byte[] data) {
        return new FilterInputStream(new ByteArrayInputStream(data)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, 1));
            }

            @Override
            public int available() {
                return 0;
            }
        };
    }

    static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[5];   // small reads: members end in the middle of them
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    static byte[] read(byte[] gz, int bufferSize) throws IOException {
        try (InputStream in = new GzipMembers(new ByteArrayInputStream(gz), bufferSize)) {
            return readAll(in);
        }
    }

    @Test
    public void readsEveryMemberOfAConcatenatedFileWhateverTheBufferAndHeaderFields() throws IOException {
        byte[] both = concat(A, B);
        byte[] empty = gzip(new byte[0]);
        for (int size : new int[]{1, 3, 17, 65536}) {
            assertArrayEquals(A, read(gzip(A), size));
            assertArrayEquals(both, read(concat(gzip(A), gzip(B)), size));
            assertArrayEquals(both, read(concat(empty, gzip(A), empty, gzipWithHeaderFields(B), empty), size));
            assertArrayEquals("zero padding after a member is skipped, as Python's gzip and GNU gzip do",
                    both, read(concat(gzip(A), new byte[3], gzip(B), new byte[5]), size));
        }
    }

    @Test
    public void readsEveryMemberFromAPipeWhoseNextMemberHasNotArrived() throws IOException {
        byte[] gz = concat(gzip(A), gzip(B));
        try (InputStream in = new GzipMembers(pipeLike(gz), 65536)) {
            assertArrayEquals(concat(A, B), readAll(in));
        }
        // GZIPInputStream asks available() whether a next member follows: on such a pipe it ends after the first
        try (InputStream in = new GZIPInputStream(pipeLike(gz), 65536)) {
            assertArrayEquals("the JDK's behaviour this class exists for", A, readAll(in));
        }
    }

    @Test
    public void refusesDataAfterTheGzipStreamOnceTheMembersBeforeItAreRead() throws IOException {
        byte[][] tails = {"junk".getBytes(StandardCharsets.US_ASCII), {'j'}, {0x1f}, {0x1f, (byte) 0x8c, 1, 2}, {0, 0, 'x'}};
        for (byte[] tail : tails) {
            for (byte[] gz : new byte[][]{concat(gzip(A), tail), concat(gzip(A), gzip(B), tail)}) {
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                try (InputStream in = new GzipMembers(pipeLike(gz), 7)) {
                    byte[] buf = new byte[3];
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        got.write(buf, 0, n);
                    }
                    fail("data after the gzip stream must be refused: " + new String(tail, StandardCharsets.ISO_8859_1));
                } catch (GzipMembers.TrailingDataException e) {
                    int members = gz.length - tail.length == gzip(A).length ? 1 : 2;
                    assertArrayEquals("every member before it is read", members == 1 ? A : concat(A, B),
                            got.toByteArray());
                    int zeros = tail[0] == 0 ? 2 : 0;
                    assertEquals("the data after the gzip stream is not gzip (from byte "
                            + (gz.length - tail.length + zeros) + ")", e.getMessage());
                }
            }
            // GZIPInputStream reads these files without a word, the tail dropped
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(concat(gzip(A), tail)))) {
                assertArrayEquals(A, readAll(in));
            } catch (IOException e) {
                // some tails (a gzip magic number) make it fail: not what this test is about
            }
        }
    }

    @Test
    public void truncatedCorruptAndNonGzipInputFailAsGzipInputStreamDid() throws IOException {
        byte[] gz = gzip(A);
        try {
            read(java.util.Arrays.copyOf(gz, gz.length - 3), 4);
            fail("truncated");
        } catch (EOFException e) {
            assertEquals("Unexpected end of ZLIB input stream", e.getMessage());
        }
        byte[] badCrc = gz.clone();
        badCrc[gz.length - 8] ^= 1;
        try {
            read(badCrc, 4);
            fail("bad CRC");
        } catch (ZipException e) {
            assertEquals("Corrupt GZIP trailer", e.getMessage());
        }
        try {
            read(A, 4);
            fail("not gzip");
        } catch (ZipException e) {
            assertEquals("Not in GZIP format", e.getMessage());
            assertTrue(!(e instanceof GzipMembers.TrailingDataException));
        }
        byte[] corrupt = concat(java.util.Arrays.copyOf(gz, 10), new byte[]{(byte) 0xff, (byte) 0xff, 0, 0, 0, 0, 0, 0, 0});
        try {
            read(corrupt, 4);
            fail("corrupt deflate data");
        } catch (ZipException e) {   // a deflate block of the reserved type 3
            assertTrue(e.getMessage(), !(e instanceof GzipMembers.TrailingDataException));
        }
    }

    @Test
    public void largeInputIsReadAsGzipInputStreamReadsIt() throws IOException {
        Random random = new Random(7);
        StringBuilder text = new StringBuilder();
        while (text.length() < 3_000_000) {
            text.append("line ").append(random.nextInt(1000)).append(' ').append(Long.toHexString(random.nextLong()))
                    .append('\n');
        }
        byte[] data = text.toString().getBytes(StandardCharsets.UTF_8);
        byte[] gz = concat(gzip(data), gzip(data));
        byte[] expected;
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz), 65536)) {
            expected = readAll(in);
        }
        assertEquals(2 * data.length, expected.length);
        try (InputStream in = new GzipMembers(new ByteArrayInputStream(gz), 65536)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
            }
            assertArrayEquals(expected, out.toByteArray());
            assertEquals(0, in.available());
            assertEquals(-1, in.read());
        }
    }
}
