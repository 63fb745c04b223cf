package io.dl4jbridge.etl;

import org.junit.Test;

import java.util.Arrays;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

/** Python behaviours the port relies on; expected values were printed by CPython 3.11 / pandas. */
public class PyCompatTest {
    @Test
    public void floatReprIsPythons() {
        double[] values = {0.1, 1e16, 1234567890123456.0, 1e-5, 0.0001, 5.0, -2.5e-7, 1.0 / 3, 1e22, 123.456};
        String[] python = {"0.1", "1e+16", "1234567890123456.0", "1e-05", "0.0001", "5.0", "-2.5e-07",
            "0.3333333333333333", "1e+22", "123.456"};
        for (int i = 0; i < values.length; i++) {
            assertEquals(python[i], PyCompat.floatRepr(values[i]));
        }
        assertEquals("True", PyCompat.str(Boolean.TRUE));
        assertEquals("443", PyCompat.str(443L));
    }

    @Test
    public void aFloatFieldTakesFiniteNumbersOnlyAsPythonsReaderDoes() {
        for (Object bad : new Object[]{"NaN", "inf", "-Infinity", "1e400", Double.POSITIVE_INFINITY, "abc", true}) {
            try {
                RecordReader.convert(bad, "float");
                throw new AssertionError("accepted " + bad);
            } catch (IllegalArgumentException expected) {
                // a wrong type: the line is bad (quarantined in lenient mode)
            }
        }
        assertEquals(1.5, (Double) RecordReader.convert("1.5", "float"), 0.0);
        assertEquals(1e300, (Double) RecordReader.convert("1e300", "float"), 0.0);
        assertNull(RecordReader.convert(null, "float"));
        assertNull(RecordReader.convert(Double.NaN, "float"));   // a JSON NaN is a missing value, as null is
    }

    @Test
    public void pythonCodecNamesMapToJavaCharsets() {
        // the names codecs.lookup(...).name gives (what a saved spec holds), and spellings users type (Python aliases)
        String[][] cases = {{"utf-8", "UTF-8"}, {"utf_8", "UTF-8"}, {"UTF8", "UTF-8"}, {"iso8859-1", "ISO-8859-1"},
            {"latin-1", "ISO-8859-1"}, {"L1", "ISO-8859-1"}, {"cp1252", "windows-1252"}, {"windows-1252", "windows-1252"},
            {"ascii", "US-ASCII"}, {"mac-roman", "x-MacRoman"}, {"utf-16-le", "UTF-16LE"}, {"koi8-r", "KOI8-R"},
            {"iso8859-15", "ISO-8859-15"}, {"cp874", "x-windows-874"}, {"cp437", "IBM437"}, {"utf-8-sig", "UTF-8"},
            {"ANSI_X3.4-1968", "US-ASCII"}, {"ansi_x3_4_1968", "US-ASCII"}, {" Latin 1 ", "ISO-8859-1"}};
        for (String[] c : cases) {
            assertEquals(c[0], c[1], EtlSpec.charsetOf(c[0]).name());
        }
        // Java decodes these unlike Python (Java's cp932/cp949/cp950 are IBM code pages; the CJK decoders map or
        // replace some bytes differently; EBCDIC swaps line feed and NEL): refused, never read differently
        for (String refused : new String[]{"klingon", "shift_jis", "cp932", "euc_jp", "cp949", "cp950", "gbk",
            "gb2312", "gb18030", "big5", "euc_kr", "cp037", "cp500", "tis-620", "mac-greek", "ms932"}) {
            try {
                EtlSpec.charsetOf(refused);
                throw new AssertionError("accepted " + refused);
            } catch (SpecException expected) {
                String m = expected.getMessage();
                assertTrue(m, m.contains("'" + refused + "'") && m.contains("utf-8, ") && m.contains("cp1252"));
            }
        }
    }

    @Test
    public void whitespaceAndNumbersFollowPython() {
        assertEquals(Arrays.asList("a", "b", "c"), PyCompat.split("\u00a0a \u2003b\u001fc\n"));
        assertEquals("x", PyCompat.strip("\u3000 x\u0085"));
        assertEquals(12.0, PyCompat.toNumeric(" 12"), 0);
        assertEquals(1000.0, PyCompat.toNumeric("1e3"), 0);
        assertTrue(Double.isNaN(PyCompat.toNumeric("0x10")));
        assertTrue(Double.isNaN(PyCompat.toNumeric("1,000")));
        assertTrue(Double.isInfinite(PyCompat.toNumeric("-inf")));
        assertEquals(-0.5, PyCompat.toNumeric("-.5"), 0);
        assertEquals(1.0, PyCompat.mod(-6.0, 7.0), 0);
    }

    @Test
    public void timesParseAsPandasDoes() {
        TimeParser syslog = new TimeParser("%Y %b %d %H:%M:%S");
        assertEquals(Long.valueOf(1709546400000000000L), syslog.parseNanos("2024 Mar  4 10:00:00"));
        assertEquals(Long.valueOf(1709514123000000000L), syslog.parseNanos("2024 mar 4 1:2:3"));
        assertNull(syslog.parseNanos("2023 Feb 29 10:00:00"));
        TimeParser iso = new TimeParser(null);
        assertEquals(Long.valueOf(1709539200500000000L), iso.parseNanos("2024-03-04T10:00:00.5+02:00"));
        assertEquals(Long.valueOf(1709510400000000000L), iso.parseNanos("2024-03-04"));
        assertEquals(Long.valueOf(1709546400000000000L), iso.parseNanos("2024-03-04 10:00"));
        assertNull(iso.parseNanos("garbage"));
    }

    /** An ISO-shaped format takes what its regex takes (CPython's strptime): pandas' own ISO parser took more,
     *  and Python now refuses those times too (tests/etl/test_iso_shaped_formats.py). */
    @Test
    public void isoShapedFormatsTakeOnlyWhatTheirRegexTakes() {
        TimeParser zoned = new TimeParser("%Y-%m-%dT%H:%M:%S%z");
        for (String loose : new String[] {"2026-01-06T08:00:05+00", "2026-01-06T08:00:05+1", "2026-01-06T08:00:05+013",
                                          "2026-01-06T08:00:05+1:00", "-2026-01-06T08:00:05+01:00"}) {
            assertNull(loose, zoned.parseNanos(loose));
        }
        assertEquals(Long.valueOf(1767682805000000000L), zoned.parseNanos("2026-01-06T08:00:05+01:00"));
        TimeParser fraction = new TimeParser("%Y-%m-%dT%H:%M:%S.%f");
        assertNull(fraction.parseNanos("2026-01-06T08:00:05."));
        assertNull(fraction.parseNanos("2026-01-06T08:00:05.1234567891"));
        assertEquals(Long.valueOf(1767686405123456789L), fraction.parseNanos("2026-01-06T08:00:05.123456789"));
        assertNull(new TimeParser("%Y-%m-%d").parseNanos("-26-01-06"));
    }

    @Test
    public void ipNetworksPrintAsPythons() {
        String[][] cases = {{"2001:db8::1", "2001:db8::/96"}, {"::1", "::/96"}, {"fe80::1:2:3:4", "fe80::1:2:0:0/96"},
            {"::ffff:1.2.3.4", "::ffff:0:0/96"}, {"1:0:0:1:0:0:0:1", "1:0:0:1::/96"}, {"::", "::/96"}};
        for (String[] c : cases) {
            byte[] address = IpAddresses.parse(c[0]);
            assertEquals(c[1], IpAddresses.format(IpAddresses.network(address, 96)) + "/96");
        }
        assertNull("leading zeros are refused", IpAddresses.parse("010.0.0.1"));
        assertNull(IpAddresses.parse("1.2.3.256"));
        assertNull(IpAddresses.parse("1::2::3"));
        assertEquals("10.0.3.0", IpAddresses.format(IpAddresses.network(IpAddresses.parse("10.0.3.77"), 24)));
        assertTrue(IpAddresses.contains("172.16.0.0/12", IpAddresses.parse("172.31.255.1")));
    }

    /**
     * Every form Python 3.11's {@code ipaddress.ip_address} accepts (zone ids after {@code %}, a dotted
     * IPv4 in the last 32 bits of any IPv6 address) gives the IpAddress transform's network and private
     * flag; the expected values are what {@code IpAddress("ip", prefix=p)._parse} gives (null: missing).
     */
    @Test
    public void ipFormsPythonAcceptsGivePythonsNetworks() {
        String[][] cases = {
            {"fe80::1%eth0", "24", "fe80::/96", "1"},
            {"::10.0.0.1", "24", "::/96", "0"},
            {"64:ff9b::8.8.8.8", "24", "64:ff9b::/96", "0"},
            {"::ffff:1%x", "24", "::/96", "0"},
            {"::ffff:10.0.0.1%a b", "24", "::ffff:0:0/96", "0"},
            {"fe80::%eth0", "24", "fe80::%eth0/96", "1"},
            {" fe80::1%eth0 ", "24", "fe80::/96", "1"},
            {"::1.2.3.4:5", "24", null, "0"},
            {"fe80::1%", "24", null, "0"},
            {"fe80::1%a%b", "24", null, "0"},
            {"fe80::1%a/64", "24", null, "0"},
            {"1.2.3.4%x", "24", null, "0"},
            {"::%0", "24", "::%0/96", "0"},
            {"1:2:3:4:5:6:7::", "24", "1:2:3:4:5:6::/96", "0"},
            {"1:2:3:4:5:6:1.2.3.4", "24", "1:2:3:4:5:6::/96", "0"},
            {"1:2:3:4:5:6:7:1.2.3.4", "24", null, "0"},
            {"::1:2:3:4:5:6:1.2.3.4", "24", null, "0"},
            {"1::1.2.3.4", "24", "1::/96", "0"},
            {"1:2:3:4:5:6::1.2.3.4", "24", null, "0"},
            {":1.2.3.4", "24", null, "0"},
            {"::01.2.3.4", "24", null, "0"},
            {"fc00::1%x", "24", "fc00::/96", "1"},
            {"10.0.0.1", "24", "10.0.0.0/24", "1"},
            {"fe80::1%eth0", "32", "fe80::1%eth0/128", "1"},
            {"::10.0.0.1", "32", "::a00:1/128", "0"},
            {"64:ff9b::8.8.8.8", "32", "64:ff9b::808:808/128", "0"},
            {"::ffff:1%x", "32", "::ffff:1%x/128", "0"},
            {"::ffff:10.0.0.1%a b", "32", "::ffff:a00:1%a b/128", "0"},
            {"1:2:3:4:5:6:7::", "32", "1:2:3:4:5:6:7:0/128", "0"},
            {"1::1.2.3.4", "32", "1::102:304/128", "0"},
            {"::ffff:10.0.0.1", "32", "::ffff:a00:1/128", "0"},
            {"fe80::1%eth0", "0", "::/0", "1"},
            {"fe80::%eth0", "0", "::/0", "1"},
            {"::%0", "0", "::%0/0", "0"},
            {"10.0.0.1", "0", "0.0.0.0/0", "1"},
            // a prefix outside 0..32 (saved specs only): ip_network refuses /40 for IPv4 and any negative one
            {"10.0.0.1", "40", null, "0"},
            {"fe80::1%x", "40", "fe80::1%x/128", "1"},
            {"fe80::1%x", "-1", null, "0"},
        };
        for (String[] c : cases) {
            IpTransform t = new IpTransform("ip", Integer.parseInt(c[1]), "unknown", java.util.Collections.emptyList(),
                    EtlSpec.DEFAULT_PRIVATE_NETWORKS);
            Object[] found = t.parse(c[0]);
            assertEquals(c[0] + " /" + c[1], c[2], found[0]);
            assertEquals(c[0] + " /" + c[1] + " private", Float.parseFloat(c[3]), (Float) found[1], 0f);
        }
    }
}
