package io.dl4jbridge.etl;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One pass over raw lines: reader -> transforms -> windows or sessions. Push lines with
 * {@link #accept}; each complete sequence is handed to the consumer at once, so a stream of windows
 * runs in constant memory. Call {@link #finish} at the end of input.
 */
public final class EtlStream {
    private final RecordReader reader;
    private final List<Transform> transforms;
    private final SequenceAssembler assembler;
    private final String sessionKey;
    private final int nFeatures;
    private final ReadReport report;
    private final Consumer<Record> onRecord;
    private final int[] widths;  // features per transform (featureNames() builds a list: not per record)
    private Consumer<Sequence> out;
    private boolean schemaChecked;

    EtlStream(RecordReader reader, List<Transform> transforms, SequenceAssembler assembler, String sessionKey,
              int nFeatures, ReadReport report) {
        this.reader = reader;
        this.transforms = transforms;
        this.assembler = assembler;
        this.sessionKey = sessionKey;
        this.nFeatures = nFeatures;
        this.report = report;
        this.widths = new int[transforms.size()];
        for (int i = 0; i < widths.length; i++) {
            transforms.get(i).resetStream();
            widths[i] = transforms.get(i).featureNames().size();
        }
        this.onRecord = this::step;
    }

    /** The stream's transforms, for their counters (e.g. {@link TimestampTransform#unparsableTimes}). */
    public List<Transform> transforms() {
        return java.util.Collections.unmodifiableList(transforms);
    }

    /** One physical line without its terminator (a byte order mark starting the first line is dropped). */
    public void accept(String line, Consumer<Sequence> out) {
        this.out = out;
        if (report.lines == 0 && line.startsWith("\uFEFF")) {
            line = line.substring(1);
        }
        reader.accept(line, onRecord);
    }

    /** The input paused (a live stream): a held-back bad line is counted and quarantined now. */
    public void pause() {
        reader.pause();
    }

    /** End of input: flushes a held-back record, a padded window, open sessions. */
    public void finish(Consumer<Sequence> out) {
        this.out = out;
        reader.finish(onRecord);
        assembler.finish(out);
    }

    public ReadReport report() {
        return report;
    }

    /** The session key field, or null (windows). */
    public String sessionKey() {
        return sessionKey;
    }

    public SequenceAssembler assembler() {
        return assembler;
    }

    private void step(Record record) {
        if (!schemaChecked) {
            checkSchema();
        }
        for (Transform t : transforms) {
            t.derive(record);
        }
        float[] x = new float[nFeatures];
        int offset = 0;
        for (int i = 0; i < widths.length; i++) {
            transforms.get(i).write(record, x, offset);
            offset += widths[i];
        }
        Object key = sessionKey == null ? null : record.get(sessionKey);
        Step step = new Step(x, record.templateId, record.stepLabel, record.line, key,
                record.order == null ? 0.0 : record.order, record.order == null || record.timed,
                record.deltas == null ? null : record.deltas.toArray(new SessionDelta[0]));
        assembler.add(step, out);
    }

    /** Input columns the transforms need must come from the reader (as Python's _check_schema). */
    private void checkSchema() {
        schemaChecked = true;
        List<String> fields = reader.fields();
        if (fields == null) {
            return;  // JSON lines without declared fields: absent keys are missing values
        }
        List<String> derived = new ArrayList<>();
        derived.add(TemplateTransform.TEMPLATE_ID);
        derived.add(LabelTransform.STEP_LABEL);
        List<String> missing = new ArrayList<>();
        for (Transform t : transforms) {
            if (t.derivedColumn() != null) {
                derived.add(t.derivedColumn());
            }
        }
        for (Transform t : transforms) {
            for (String name : t.inputColumns()) {
                if (!derived.contains(name) && !fields.contains(name) && !missing.contains(name)) {
                    missing.add(name);
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new EtlException(report.source + ": input columns " + missing + " are missing (have " + fields + ")");
        }
    }
}
