package io.dl4jbridge.etl;

import java.util.ArrayList;
import java.util.List;

/**
 * Message -> template id (derived column {@code template_id}, also the step id of next-event models),
 * optionally one-hot ({@code template=<OOV>, template=1, ...}). Missing and non-text messages are
 * mined as the empty string, or raise under {@code missing = "error"}.
 */
public final class TemplateTransform extends Transform {
    public static final String TEMPLATE_ID = "template_id";

    private final TemplateMatcher matcher;
    private final boolean onehot;
    private final boolean errorOnMissing;

    public TemplateTransform(String column, TemplateMatcher matcher, boolean onehot, String missing) {
        super(column);
        if (!"empty".equals(missing) && !"error".equals(missing)) {
            throw new SpecException("template: missing must be 'empty' or 'error'");
        }
        this.matcher = matcher;
        this.onehot = onehot;
        this.errorOnMissing = "error".equals(missing);
    }

    public TemplateMatcher matcher() {
        return matcher;
    }

    @Override
    public String derivedColumn() {
        return TEMPLATE_ID;
    }

    @Override
    public List<String> featureNames() {
        List<String> out = new ArrayList<>();
        if (onehot) {
            out.add("template=<OOV>");
            for (int i = 1; i < matcher.vocabularySize(); i++) {
                out.add("template=" + i);
            }
        }
        return out;
    }

    /**
     * The reader's check of the message field: null, or {@code "masking too deep: ..."} when a masking rule
     * overflows java.util.regex's stack on the value (a bad line: counted when lenient, an error when strict).
     */
    public String valueCheck(Object value) {
        return matcher.valueCheck(value);
    }

    @Override
    public void derive(Record record) {
        Object value = record.get(column);
        if (value == null || (value instanceof Double && ((Double) value).isNaN())) {
            if (errorOnMissing) {
                throw missing(record, column);
            }
            value = "";
        }
        try {
            record.templateId = matcher.templateId(value instanceof String ? (String) value : "");
        } catch (MaskingTooDeepException e) {   // the reader's check (valueCheck) keeps these out of a stream
            throw new BadRecordException("<records>", record.line, column, e.reason());
        }
        record.values.put(TEMPLATE_ID, (long) record.templateId);
    }

    @Override
    public void write(Record record, float[] out, int offset) {
        if (!onehot) {
            return;
        }
        int n = matcher.vocabularySize();
        for (int k = 0; k < n; k++) {
            out[offset + k] = 0f;
        }
        out[offset + record.templateId] = 1f;
    }
}
