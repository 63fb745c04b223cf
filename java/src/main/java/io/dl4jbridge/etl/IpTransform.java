package io.dl4jbridge.etl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * IP address -> one-hot of its {@code /prefix} network ({@code <column>_net=<unknown>} first; IPv6
 * uses {@code min(4 * prefix, 128)} bits), {@code <column>_private} (the address is in one of the
 * spec's {@code private_networks}) and {@code <column>_missing}. Unparsable text counts as missing.
 */
public final class IpTransform extends Transform {
    private final int prefix;
    private final boolean errorOnMissing;
    private final List<String> privateNetworks;
    private final CategoricalTransform networks;
    private final Map<String, Object[]> cache = new HashMap<>();

    public IpTransform(String column, int prefix, String missing, List<String> categories, List<String> privateNetworks) {
        super(column);
        if (!"unknown".equals(missing) && !"error".equals(missing)) {
            throw new SpecException("ip '" + column + "': missing must be 'unknown' or 'error'");
        }
        this.prefix = prefix;
        this.errorOnMissing = "error".equals(missing);
        this.privateNetworks = new ArrayList<>(privateNetworks);
        this.networks = new CategoricalTransform(column + "_net", "onehot", "unknown", categories);
    }

    @Override
    public List<String> featureNames() {
        List<String> out = new ArrayList<>(networks.featureNames());
        out.add(column + "_private");
        out.add(column + "_missing");
        return out;
    }

    /** {network text or null, private flag} of a value. */
    Object[] parse(Object value) {
        if (!(value instanceof String) || ((String) value).isEmpty()) {
            return new Object[]{null, 0f};
        }
        Object[] found = cache.get(value);
        if (found != null) {
            return found;
        }
        IpAddresses.Address parsed = IpAddresses.parseAddress(PyCompat.strip((String) value));
        int bits = parsed == null ? 0 : parsed.bytes.length == 4 ? prefix : (int) Math.min(4L * prefix, 128L);
        if (parsed == null || bits < 0 || bits > 8 * parsed.bytes.length) {
            // a prefix outside 0..32 (a spec saved with it): Python's ip_network refuses "/40" and "/-4", so missing
            found = new Object[]{null, 0f};
        } else {
            byte[] address = parsed.bytes;
            byte[] net = IpAddresses.network(address, bits);
            // Python's ip_network("fe80::1%eth0/96", strict=False): a zone id stays only when no host bit was
            // cleared (fe80::1%eth0/128, fe80::%eth0/96); else the network is fe80::/96
            String zone = parsed.scope != null && java.util.Arrays.equals(net, address) ? "%" + parsed.scope : "";
            String network = IpAddresses.format(net) + zone + "/" + bits;
            float isPrivate = 0f;
            for (String cidr : privateNetworks) {
                if (IpAddresses.contains(cidr, address)) {
                    isPrivate = 1f;
                    break;
                }
            }
            found = new Object[]{network, isPrivate};
        }
        if (cache.size() < 100_000) {
            cache.put((String) value, found);
        }
        return found;
    }

    @Override
    public void write(Record record, float[] out, int offset) {
        Object[] found = parse(record.get(column));
        if (found[0] == null && errorOnMissing) {
            throw missing(record, column);
        }
        networks.writeValue(found[0], record, out, offset);
        int width = networks.width();
        out[offset + width] = (Float) found[1];
        out[offset + width + 1] = found[0] == null ? 1f : 0f;
    }
}
