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
    private Object[] parse(Object value) {
        if (!(value instanceof String) || ((String) value).isEmpty()) {
            return new Object[]{null, 0f};
        }
        Object[] found = cache.get(value);
        if (found != null) {
            return found;
        }
        byte[] address = IpAddresses.parse(PyCompat.strip((String) value));
        if (address == null) {
            found = new Object[]{null, 0f};
        } else {
            int bits = address.length == 4 ? prefix : Math.min(prefix * 4, 128);
            String network = IpAddresses.format(IpAddresses.network(address, bits)) + "/" + bits;
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
