package io.dl4jbridge.etl;

import java.nio.charset.Charset;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The Python codecs the JVM reads exactly as Python does, by Python name (and every alias Python 3.11's
 * {@code codecs.lookup} resolves to them), each with the Java charset that decodes every byte sequence to the
 * same text, replacing invalid bytes with the same number of U+FFFD on the same lines.
 *
 * <p>Verified by a codec table check (every single byte, every two-byte sequence starting at 0x80 or above and
 * random runs, read by Python's {@code iter_line_blocks} and by {@link CountingDecoder} with
 * {@code LineSplitter}). A codec not listed is refused, never mapped to a Java charset of the same name: Java's
 * {@code cp932}/{@code cp949}/{@code cp950} are IBM code pages, not Microsoft's; the multi-byte decoders
 * (shift_jis, cp932, euc_jp, euc_kr, cp949, gbk, gb2312, gb18030, big5, johab) map some bytes differently or
 * replace invalid bytes with a different number of U+FFFD (euc_jp even takes the line feed after one); the EBCDIC
 * code pages (cp037, cp500, ...) swap 0x15 and 0x25 (line feed and NEL); cp856, cp1006, tis-620 and the other
 * mac-* codecs map some bytes differently.</p>
 */
final class PythonCodecs {
    private PythonCodecs() {}

    /** Python codec name -> Java charset name. */
    private static final Map<String, String> CHARSETS = new LinkedHashMap<>();
    /** Normalized alias (as {@code encodings.normalize_encoding} makes it) -> Python codec name. */
    private static final Map<String, String> ALIASES = new LinkedHashMap<>();

    private static void codec(String python, String java, String aliases) {
        CHARSETS.put(python, java);
        ALIASES.put(normalize(python), python);
        for (String alias : aliases.split(" ")) {
            ALIASES.put(alias, python);
        }
    }

    static {
        codec("ascii", "US-ASCII", "646 ansi_x3.4_1968 ansi_x3.4_1986 ansi_x3_4_1968 ascii cp367 csascii ibm367 iso646_us iso_646.irv_1991 iso_ir_6 us us_ascii");
        codec("utf-8", "UTF-8", "cp65001 u8 utf utf8 utf8_ucs2 utf8_ucs4 utf_8");
        codec("utf-8-sig", "UTF-8", "utf_8_sig");
        codec("cp1250", "windows-1250", "1250 cp1250 windows_1250");
        codec("cp1251", "windows-1251", "1251 cp1251 windows_1251");
        codec("cp1252", "windows-1252", "1252 cp1252 windows_1252");
        codec("cp1253", "windows-1253", "1253 cp1253 windows_1253");
        codec("cp1254", "windows-1254", "1254 cp1254 windows_1254");
        codec("cp1255", "windows-1255", "1255 cp1255 windows_1255");
        codec("cp1256", "windows-1256", "1256 cp1256 windows_1256");
        codec("cp1257", "windows-1257", "1257 cp1257 windows_1257");
        codec("cp1258", "windows-1258", "1258 cp1258 windows_1258");
        codec("cp437", "IBM437", "437 cp437 cspc8codepage437 ibm437");
        codec("cp737", "x-IBM737", "cp737");
        codec("cp775", "IBM775", "775 cp775 cspc775baltic ibm775");
        codec("cp850", "IBM850", "850 cp850 cspc850multilingual ibm850");
        codec("cp852", "IBM852", "852 cp852 cspcp852 ibm852");
        codec("cp855", "IBM855", "855 cp855 csibm855 ibm855");
        codec("cp857", "IBM857", "857 cp857 csibm857 ibm857");
        codec("cp858", "IBM00858", "858 cp858 csibm858 ibm858");
        codec("cp860", "IBM860", "860 cp860 csibm860 ibm860");
        codec("cp861", "IBM861", "861 cp861 cp_is csibm861 ibm861");
        codec("cp862", "IBM862", "862 cp862 cspc862latinhebrew ibm862");
        codec("cp863", "IBM863", "863 cp863 csibm863 ibm863");
        codec("cp864", "IBM864", "864 cp864 csibm864 ibm864");
        codec("cp865", "IBM865", "865 cp865 csibm865 ibm865");
        codec("cp866", "IBM866", "866 cp866 csibm866 ibm866");
        codec("cp869", "IBM869", "869 cp869 cp_gr csibm869 ibm869");
        codec("cp874", "x-windows-874", "cp874");
        codec("iso8859-1", "ISO-8859-1", "8859 cp819 csisolatin1 ibm819 iso8859 iso8859_1 iso_8859_1 iso_8859_1_1987 iso_ir_100 l1 latin latin1 latin_1");
        codec("iso8859-2", "ISO-8859-2", "csisolatin2 iso8859_2 iso_8859_2 iso_8859_2_1987 iso_ir_101 l2 latin2");
        codec("iso8859-3", "ISO-8859-3", "csisolatin3 iso8859_3 iso_8859_3 iso_8859_3_1988 iso_ir_109 l3 latin3");
        codec("iso8859-4", "ISO-8859-4", "csisolatin4 iso8859_4 iso_8859_4 iso_8859_4_1988 iso_ir_110 l4 latin4");
        codec("iso8859-5", "ISO-8859-5", "csisolatincyrillic cyrillic iso8859_5 iso_8859_5 iso_8859_5_1988 iso_ir_144");
        codec("iso8859-6", "ISO-8859-6", "arabic asmo_708 csisolatinarabic ecma_114 iso8859_6 iso_8859_6 iso_8859_6_1987 iso_ir_127");
        codec("iso8859-7", "ISO-8859-7", "csisolatingreek ecma_118 elot_928 greek greek8 iso8859_7 iso_8859_7 iso_8859_7_1987 iso_ir_126");
        codec("iso8859-8", "ISO-8859-8", "csisolatinhebrew hebrew iso8859_8 iso_8859_8 iso_8859_8_1988 iso_ir_138");
        codec("iso8859-9", "ISO-8859-9", "csisolatin5 iso8859_9 iso_8859_9 iso_8859_9_1989 iso_ir_148 l5 latin5");
        codec("iso8859-13", "ISO-8859-13", "iso8859_13 iso_8859_13 l7 latin7");
        codec("iso8859-15", "ISO-8859-15", "iso8859_15 iso_8859_15 l9 latin9");
        codec("iso8859-16", "ISO-8859-16", "iso8859_16 iso_8859_16 iso_8859_16_2001 iso_ir_226 l10 latin10");
        codec("iso8859-11", "x-iso-8859-11", "iso8859_11 iso_8859_11 iso_8859_11_2001 thai");
        codec("koi8-r", "KOI8-R", "cskoi8r koi8_r");
        codec("koi8-u", "KOI8-U", "koi8_u");
        codec("mac-roman", "x-MacRoman", "mac_roman macintosh macroman");
        codec("utf-16", "UTF-16", "u16 utf16 utf_16");
        codec("utf-16-le", "UTF-16LE", "unicodelittleunmarked utf_16_le utf_16le");
        codec("utf-16-be", "UTF-16BE", "unicodebigunmarked utf_16_be utf_16be");
        codec("utf-32", "UTF-32", "u32 utf32 utf_32");
        codec("utf-32-le", "UTF-32LE", "utf_32_le utf_32le");
        codec("utf-32-be", "UTF-32BE", "utf_32_be utf_32be");
    }

    /** Python's {@code encodings.normalize_encoding} of the lowercased name. */
    static String normalize(String name) {
        StringBuilder out = new StringBuilder();
        boolean punct = false;
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            i += Character.charCount(c);
            if (Character.isLetterOrDigit(c) || c == '.') {
                if (punct && out.length() > 0) {
                    out.append('_');
                }
                if (c < 128) {
                    out.append(Character.toLowerCase((char) c));
                }
                punct = false;
            } else {
                punct = true;
            }
        }
        return out.toString();
    }

    /** The Python codec name of a name or alias, or null when it is not one the JVM reads as Python does. */
    static String pythonName(String name) {
        // as encodings.search_function: the alias, else the alias with '.' as '_'
        String key = normalize(name.toLowerCase(Locale.ROOT));
        String found = ALIASES.get(key);
        return found != null ? found : ALIASES.get(key.replace('.', '_'));
    }

    /** The Java charset of a Python codec name or alias, or null when the JVM cannot read it as Python does. */
    static Charset charset(String name) {
        String python = pythonName(name);
        return python == null ? null : Charset.forName(CHARSETS.get(python));
    }

    /** The Python codec names the JVM reads, in a stable order. */
    static Iterable<String> supported() {
        return Collections.unmodifiableSet(CHARSETS.keySet());
    }
}
