package io.dl4jbridge.etl;

import org.junit.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/** The launcher's decoder: Java's replacement text, and the lines holding invalid bytes counted. */
public class CountingDecoderTest {
    private static String decodeAll(byte[] bytes, Charset charset, int chunk, CountingDecoder[] keep) throws IOException {
        // an input stream that hands out at most 7 bytes per read: sequences split across reads
        InputStream trickle = new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 7));
            }
        };
        CountingDecoder decoder = new CountingDecoder(trickle, charset);
        keep[0] = decoder;
        StringBuilder out = new StringBuilder();
        char[] buf = new char[chunk];
        int n;
        while ((n = decoder.read(buf, 0, chunk)) >= 0) {
            out.append(buf, 0, n);
        }
        return out.toString();
    }

    @Test
    public void countsTheLinesHoldingInvalidBytesAndReplacesThemAsJavaDoes() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write("ok line\n".getBytes(StandardCharsets.UTF_8));
        b.write(new byte[]{'a', (byte) 0xff, 'b', (byte) 0xc3, '\n'});            // two bad spots, one line
        b.write("caf\u00e9 \u20ac fine\r\n".getBytes(StandardCharsets.UTF_8));       // valid multi-byte
        b.write(new byte[]{(byte) 0xe2, (byte) 0x82, 'x', '\n', '\n'});              // truncated sequence, blank
        b.write(new byte[]{'e', 'n', 'd', (byte) 0xf0, (byte) 0x9f});                // truncated at the very end
        byte[] bytes = b.toByteArray();
        for (int chunk : new int[]{1, 2, 3, 8192}) {
            CountingDecoder[] d = new CountingDecoder[1];
            assertEquals("chunk " + chunk, new String(bytes, StandardCharsets.UTF_8), decodeAll(bytes, StandardCharsets.UTF_8, chunk, d));
            assertEquals("chunk " + chunk, 3, d[0].undecodableLines());
        }
    }

    @Test
    public void anEncodedSurrogateIsReplacedByteByByteAsPythonDoes() throws IOException {
        // Python's bytes.decode("utf-8", "replace") of each: the JDK reported ED A0 80 as one malformed input
        int[][] cases = {{0xED, 0xA0, 0x80}, {0xED, 0xA0, 'A'}, {0xED, 0xBF, 0xBF}, {0xE0, 0x80, 0x80}, {0xC0, 0xAF},
            {0xF0, 0x80, 0x80, 0x80}, {0xF4, 0x90, 0x80, 0x80}, {0xED, 0xA0}, {0xED, 0x9F, 0xBF}};
        String[] python = {"\uFFFD\uFFFD\uFFFD", "\uFFFD\uFFFDA", "\uFFFD\uFFFD\uFFFD", "\uFFFD\uFFFD\uFFFD",
            "\uFFFD\uFFFD", "\uFFFD\uFFFD\uFFFD\uFFFD", "\uFFFD\uFFFD\uFFFD\uFFFD", "\uFFFD\uFFFD", "\uD7FF"};
        for (int c = 0; c < cases.length; c++) {
            byte[] bytes = new byte[cases[c].length + 4];
            bytes[0] = 'a';
            for (int i = 0; i < cases[c].length; i++) {
                bytes[1 + i] = (byte) cases[c][i];
            }
            bytes[bytes.length - 3] = 'z';
            bytes[bytes.length - 2] = '\n';
            bytes[bytes.length - 1] = 'b';
            for (int chunk : new int[]{1, 8192}) {
                CountingDecoder[] d = new CountingDecoder[1];
                assertEquals("case " + c + " chunk " + chunk, "a" + python[c] + "z\nb",
                        decodeAll(bytes, StandardCharsets.UTF_8, chunk, d));
            }
            byte[] atEnd = java.util.Arrays.copyOf(bytes, cases[c].length + 1);   // the input ends inside it
            CountingDecoder[] d = new CountingDecoder[1];
            assertEquals("case " + c + " at the end", "a" + python[c], decodeAll(atEnd, StandardCharsets.UTF_8, 8192, d));
        }
    }

    @Test
    public void matchesJavasDecodingOnRandomBytesAcrossBufferBoundaries() throws IOException {
        Random random = new Random(7);
        for (int round = 0; round < 20; round++) {
            byte[] bytes = new byte[1 + random.nextInt(200_000)];
            for (int i = 0; i < bytes.length; i++) {   // mostly text, some newlines, now and then a stray byte
                int r = random.nextInt(1000);
                bytes[i] = (byte) (r < 30 ? '\n' : r < 33 ? 0x80 + random.nextInt(128) : 'a' + r % 26);
            }
            String expected = new String(bytes, StandardCharsets.UTF_8);
            long badLines = 0;
            for (String line : expected.split("\n", -1)) {
                badLines += line.indexOf('\uFFFD') >= 0 ? 1 : 0;
            }
            CountingDecoder[] d = new CountingDecoder[1];
            assertEquals(expected, decodeAll(bytes, StandardCharsets.UTF_8, 4096, d));
            assertEquals(badLines, d[0].undecodableLines());
        }
    }

    @Test
    public void strictReturnsEveryCharacterBeforeTheInvalidBytesThenNamesTheirOffset() throws IOException {
        byte[] head = "line one\ncaf\u00e9 two\n".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(head);
        b.write(new byte[]{'x', (byte) 0xff, 'y', '\n'});
        for (int chunk : new int[]{1, 4, 8192}) {
            CountingDecoder strict = CountingDecoder.strict(new ByteArrayInputStream(b.toByteArray()), StandardCharsets.UTF_8);
            StringBuilder out = new StringBuilder();
            char[] buf = new char[chunk];
            try {
                int n;
                while ((n = strict.read(buf, 0, chunk)) >= 0) {
                    out.append(buf, 0, n);
                }
                throw new AssertionError("read invalid UTF-8 without a word");
            } catch (CountingDecoder.MalformedTextException e) {
                assertEquals(head.length + 1, e.byteOffset);
                assertEquals("line one\ncaf\u00e9 two\nx", out.toString());
                assertTrue(e.getMessage(), e.getMessage().contains("not valid UTF-8: malformed bytes at byte offset "
                        + (head.length + 1)));
            }
        }
        CountingDecoder[] d = new CountingDecoder[1];
        byte[] valid = "all fine\n\u20ac".getBytes(StandardCharsets.UTF_8);
        CountingDecoder strict = CountingDecoder.strict(new ByteArrayInputStream(valid), StandardCharsets.UTF_8);
        char[] buf = new char[64];
        assertEquals("all fine\n\u20ac", new String(buf, 0, strict.read(buf, 0, 64)));
        assertEquals(-1, strict.read(buf, 0, 64));
    }

    @Test(timeout = 20000)
    public void aLiveStreamIsHandedOutBeforeMoreInputArrives() throws Exception {
        java.io.PipedOutputStream writer = new java.io.PipedOutputStream();
        CountingDecoder decoder = new CountingDecoder(new java.io.PipedInputStream(writer, 4096), StandardCharsets.UTF_8);
        writer.write("first line\ncaf\u00e9 second\n".getBytes(StandardCharsets.UTF_8));
        writer.flush();
        // the writer stays open: read must return what has arrived, not wait for more
        char[] buf = new char[1024];
        StringBuilder got = new StringBuilder();
        while (got.length() < "first line\ncaf\u00e9 second\n".length()) {
            got.append(buf, 0, decoder.read(buf, 0, buf.length));
        }
        assertEquals("first line\ncaf\u00e9 second\n", got.toString());
        assertTrue(!decoder.ready());
        writer.write(new byte[]{(byte) 0xc3});   // a two-byte character in two writes
        writer.write(new byte[]{(byte) 0xa9, '\n'});
        writer.close();
        got.setLength(0);
        int n;
        while ((n = decoder.read(buf, 0, buf.length)) >= 0) {
            got.append(buf, 0, n);
        }
        assertEquals("\u00e9\n", got.toString());
        assertEquals(0, decoder.undecodableLines());
    }

    @Test
    public void aSingleByteCharsetHasNothingToCount() throws IOException {
        byte[] bytes = {'a', (byte) 0xff, '\n', (byte) 0x80};
        CountingDecoder[] d = new CountingDecoder[1];
        assertEquals(new String(bytes, StandardCharsets.ISO_8859_1), decodeAll(bytes, StandardCharsets.ISO_8859_1, 5, d));
        assertEquals(0, d[0].undecodableLines());
        assertEquals("", decodeAll(new byte[0], StandardCharsets.UTF_8, 5, d));
        assertEquals(0, d[0].undecodableLines());
    }
}
