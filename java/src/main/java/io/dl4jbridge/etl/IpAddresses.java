package io.dl4jbridge.etl;

import java.util.ArrayList;
import java.util.List;

/**
 * IPv4 / IPv6 text -> address bytes, network text and membership, as Python's {@code ipaddress}:
 * IPv4 needs four decimal octets without leading zeros; IPv6 accepts {@code ::} once and a dotted
 * IPv4 tail; networks print as {@code 10.0.3.0/24} and compressed IPv6 ({@code 2001:db8::/48}).
 */
public final class IpAddresses {
    private IpAddresses() {}

    /**
     * An address as Python's {@code ipaddress.ip_address} reads it: its bytes (4 or 16) and, for IPv6,
     * the zone id after {@code %} (null without one).
     */
    public static final class Address {
        public final byte[] bytes;
        public final String scope;

        Address(byte[] bytes, String scope) {
            this.bytes = bytes;
            this.scope = scope;
        }
    }

    /** The address bytes (4 or 16), or null when the text is not an address (a zone id is dropped). */
    public static byte[] parse(String text) {
        Address address = parseAddress(text);
        return address == null ? null : address.bytes;
    }

    /**
     * Python 3.11's {@code ip_address(text)}: IPv4 first, then IPv6 (no {@code /} anywhere; an optional
     * zone id after the first {@code %}, non-empty and without another {@code %}); null when neither.
     */
    public static Address parseAddress(String text) {
        if (text == null) {
            return null;
        }
        byte[] v4 = parse4(text);
        if (v4 != null) {
            return new Address(v4, null);
        }
        if (text.indexOf('/') >= 0) {
            return null;
        }
        String scope = null;
        int percent = text.indexOf('%');
        if (percent >= 0) {
            scope = text.substring(percent + 1);
            if (scope.isEmpty() || scope.indexOf('%') >= 0) {
                return null;
            }
            text = text.substring(0, percent);
        }
        byte[] v6 = parse6(text);
        return v6 == null ? null : new Address(v6, scope);
    }

    static byte[] parse4(String text) {
        if (text.isEmpty()) {
            return null;
        }
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
                return null;
            }
            for (int k = 0; k < p.length(); k++) {
                if (p.charAt(k) < '0' || p.charAt(k) > '9') {
                    return null;
                }
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }

    /** Python 3.11's {@code IPv6Address._ip_int_from_string} (no zone id), step by step. */
    static byte[] parse6(String text) {
        if (text.isEmpty()) {
            return null;
        }
        List<String> parts = new ArrayList<>(java.util.Arrays.asList(text.split(":", -1)));
        if (parts.size() < 3) {
            return null;
        }
        // an IPv4 dotted quad as the last part becomes two hextets (after any '::' or none)
        if (parts.get(parts.size() - 1).indexOf('.') >= 0) {
            byte[] v4 = parse4(parts.remove(parts.size() - 1));
            if (v4 == null) {
                return null;
            }
            parts.add(Integer.toHexString(((v4[0] & 0xff) << 8) | (v4[1] & 0xff)));
            parts.add(Integer.toHexString(((v4[2] & 0xff) << 8) | (v4[3] & 0xff)));
        }
        if (parts.size() > 9) {
            return null;
        }
        int skip = -1;
        for (int i = 1; i < parts.size() - 1; i++) {
            if (parts.get(i).isEmpty()) {
                if (skip >= 0) {
                    return null;  // more than one '::'
                }
                skip = i;
            }
        }
        int hi;
        int lo;
        int skipped;
        if (skip >= 0) {
            hi = skip;
            lo = parts.size() - skip - 1;
            if (parts.get(0).isEmpty()) {
                hi--;
                if (hi != 0) {
                    return null;
                }
            }
            if (parts.get(parts.size() - 1).isEmpty()) {
                lo--;
                if (lo != 0) {
                    return null;
                }
            }
            skipped = 8 - (hi + lo);
            if (skipped < 1) {
                return null;
            }
        } else {
            if (parts.size() != 8 || parts.get(0).isEmpty() || parts.get(7).isEmpty()) {
                return null;
            }
            hi = 8;
            lo = 0;
            skipped = 0;
        }
        int[] hextets = new int[8];
        int k = 0;
        for (int i = 0; i < hi; i++) {
            Integer v = hextet(parts.get(i));
            if (v == null) {
                return null;
            }
            hextets[k++] = v;
        }
        k += skipped;
        for (int i = parts.size() - lo; i < parts.size(); i++) {
            Integer v = hextet(parts.get(i));
            if (v == null) {
                return null;
            }
            hextets[k++] = v;
        }
        byte[] out = new byte[16];
        for (int i = 0; i < 8; i++) {
            out[2 * i] = (byte) (hextets[i] >> 8);
            out[2 * i + 1] = (byte) hextets[i];
        }
        return out;
    }

    private static Integer hextet(String s) {
        if (s.isEmpty() || s.length() > 4) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), 16) < 0 || s.charAt(i) > 'f') {
                return null;
            }
        }
        return Integer.parseInt(s, 16);
    }

    /** The address with host bits cleared. */
    public static byte[] network(byte[] address, int bits) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, bits - 8 * i));
            int mask = keep == 0 ? 0 : (0xff << (8 - keep)) & 0xff;
            out[i] = (byte) (out[i] & mask);
        }
        return out;
    }

    /** Python's {@code str()} of an address. */
    public static String format(byte[] address) {
        if (address.length == 4) {
            return (address[0] & 0xff) + "." + (address[1] & 0xff) + "." + (address[2] & 0xff) + "." + (address[3] & 0xff);
        }
        int[] h = new int[8];
        for (int i = 0; i < 8; i++) {
            h[i] = ((address[2 * i] & 0xff) << 8) | (address[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 0;
        int start = -1;
        for (int i = 0; i < 8; i++) {
            if (h[i] == 0) {
                if (start < 0) {
                    start = i;
                }
                if (i - start + 1 > bestLen) {
                    bestLen = i - start + 1;
                    bestStart = start;
                }
            } else {
                start = -1;
            }
        }
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            parts.add(Integer.toHexString(h[i]));
        }
        if (bestLen > 1) {
            List<String> out = new ArrayList<>(parts.subList(0, bestStart));
            out.add("");
            out.addAll(parts.subList(bestStart + bestLen, 8));
            if (bestStart + bestLen == 8) {
                out.add("");
            }
            if (bestStart == 0) {
                out.add(0, "");
            }
            parts = out;
        }
        return String.join(":", parts);
    }

    /** True when {@code address} lies in the CIDR network {@code cidr} of the same IP version. */
    public static boolean contains(String cidr, byte[] address) {
        int slash = cidr.indexOf('/');
        byte[] net = parse(slash < 0 ? cidr : cidr.substring(0, slash));
        if (net == null) {
            throw new SpecException("not a network: " + cidr);
        }
        if (net.length != address.length) {
            return false;
        }
        int bits = slash < 0 ? net.length * 8 : Integer.parseInt(cidr.substring(slash + 1));
        byte[] a = network(address, bits);
        byte[] b = network(net, bits);
        return java.util.Arrays.equals(a, b);
    }
}
