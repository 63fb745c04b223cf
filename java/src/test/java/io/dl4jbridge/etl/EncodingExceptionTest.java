package io.dl4jbridge.etl;

import org.junit.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/** A file read as utf-16 / utf-32 without the byte-order mark those need: refused, saying what it looks like. */
public class EncodingExceptionTest {
    private static final String TEXT = "Accepted password for ann\n";

    private static String refused(String encoding, String charset) throws IOException {
        try {
            EncodingException.refuseUtf16Bom(new ByteArrayInputStream(TEXT.getBytes(Charset.forName(charset))), encoding,
                    "app.log");
        } catch (EncodingException e) {
            return e.getMessage();
        }
        fail("not refused: " + encoding + " / " + charset);
        return null;
    }

    @Test
    public void aFileWithoutTheMarkIsRefusedNamingWhatItLooksLike() throws IOException {
        assertEquals("app.log: line 1: the file has no byte-order mark, which encoding 'utf-16' needs to tell the byte "
                + "order; it looks like UTF-16 little-endian without one: convert it (iconv -f UTF-16LE -t UTF-8 FILE "
                + "> FILE.utf8) and read it as UTF-8, or read it as it is (encoding='utf-16-le'; run.toml [reader] "
                + "encoding = \"utf-16-le\"), to train and to score alike: a saved model reads the encoding it "
                + "was trained with", refused("utf-16", "UTF-16LE"));
        assertTrue(refused("utf-16", "UTF-16BE").contains("it looks like UTF-16 big-endian without one"));
        assertTrue(refused("utf-16", "UTF-8").contains("its first bytes do not look like UTF-16 without one either"));
        assertTrue(refused("utf-32", "UTF-32LE").contains("(iconv -f UTF-32LE -t UTF-8 "));
        assertTrue(refused("utf-32", "UTF-32BE").contains("it looks like UTF-32 big-endian without one"));
    }

    @Test
    public void aFileWithItsMarkOrAnEncodingThatNeedsNoneIsReadUnchanged() throws IOException {
        byte[] marked = TEXT.getBytes(StandardCharsets.UTF_16);   // Java writes a big-endian mark
        InputStream in = EncodingException.refuseUtf16Bom(new ByteArrayInputStream(marked), "utf-16", "app.log");
        assertArrayEquals(marked, in.readAllBytes());
        byte[] le = TEXT.getBytes(StandardCharsets.UTF_16LE);
        in = EncodingException.refuseUtf16Bom(new ByteArrayInputStream(le), "utf-16-le", "app.log");
        assertArrayEquals(le, in.readAllBytes());
        assertNull(EncodingException.missingBomMessage(new byte[]{'A'}, "utf-16"));   // too short to tell
        assertNull(EncodingException.missingBomMessage(new byte[0], "utf-32"));
    }
}
