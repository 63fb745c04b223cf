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
    private final boolean firstLine;
    /** Records given a template id since {@link #resetStream}, and those given the unknown-template id. */
    private long minedRecords;
    private long unknownRecords;

    public TemplateTransform(String column, TemplateMatcher matcher, boolean onehot, String missing) {
        this(column, matcher, onehot, missing, "all");
    }

    /**
     * @param messageLines {@code "first"}: a message spanning lines (a text record with its continuation lines) is
     *                     mined by its first line; {@code "all"} (specs saved before the key): all of it
     */
    public TemplateTransform(String column, TemplateMatcher matcher, boolean onehot, String missing,
                             String messageLines) {
        super(column);
        if (!"empty".equals(missing) && !"error".equals(missing)) {
            throw new SpecException("template: missing must be 'empty' or 'error'");
        }
        if (!"first".equals(messageLines) && !"all".equals(messageLines)) {
            throw new SpecException("template: message_lines must be 'first' or 'all', got '" + messageLines + "'");
        }
        this.matcher = matcher;
        this.onehot = onehot;
        this.errorOnMissing = "error".equals(missing);
        this.firstLine = "first".equals(messageLines);
    }

    /** The text mined of a message: its first line under {@code message_lines = "first"}, as Python's. */
    private Object mined(Object value) {
        if (firstLine && value instanceof String) {
            int newline = ((String) value).indexOf('\n');
            return newline < 0 ? value : ((String) value).substring(0, newline);
        }
        return value;
    }

    @Override
    public void resetStream() {
        minedRecords = 0;
        unknownRecords = 0;
    }

    /**
     * Records given the unknown-template id ({@link TemplateMatcher#OOV_ID}: a template the miner never saw in
     * training) since {@link #resetStream} (Python's {@code Template.unknown_records}; the summary's
     * {@code unknown_template_records}).
     */
    public long unknownRecords() {
        return unknownRecords;
    }

    /** Records given a template id since {@link #resetStream}. */
    public long minedRecords() {
        return minedRecords;
    }

    /** The warning for {@link #unknownRecords} when they are more than half of the records, or null. */
    public String unknownTemplateWarning(String source) {
        return unknownTemplateWarning(source, unknownRecords, minedRecords);
    }

    /**
     * Python's {@code dl4j_bridge.etl.transforms.unknown_template_warning}, word for word: null when {@code unknown}
     * is at most half of {@code records}; the share rounded down to a whole percent.
     */
    public static String unknownTemplateWarning(String source, long unknown, long records) {
        if (records <= 0 || 2 * unknown <= records) {
            return null;
        }
        return source + ": " + unknown + " of " + records + " records (" + (100 * unknown / records) + "%) hold a "
                + "template the model never saw in training (unknown_template_records): is this the log the model "
                + "was trained for? Fit a model on this log, or check that the reader's log_format or fields give "
                + "the message field the model was trained on";
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
        return matcher.valueCheck(mined(value));
    }

    @Override
    public void derive(Record record) {
        Object value = mined(record.get(column));
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
        minedRecords++;
        if (record.templateId == TemplateMatcher.OOV_ID) {
            unknownRecords++;
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
