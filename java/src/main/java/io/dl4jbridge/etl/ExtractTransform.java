package io.dl4jbridge.etl;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A derived column: group 1 (or the whole match) of the first regex match in another column. */
public final class ExtractTransform extends Transform {
    private final Pattern pattern;
    private final String into;
    private final int group;

    public ExtractTransform(String column, String pattern, String into) {
        super(column);
        this.pattern = PortableRegex.compile(pattern, "extract '" + into + "'").pattern;
        this.into = into;
        this.group = this.pattern.matcher("").groupCount() > 0 ? 1 : 0;
    }

    @Override
    public String derivedColumn() {
        return into;
    }

    @Override
    public void derive(Record record) {
        Object value = record.get(column);
        String found = null;
        if (value instanceof String) {
            Matcher m = pattern.matcher((String) value);
            if (m.find()) {
                found = m.group(group);
            }
        }
        record.values.put(into, found);
    }
}
