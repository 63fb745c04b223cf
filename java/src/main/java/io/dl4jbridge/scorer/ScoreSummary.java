package io.dl4jbridge.scorer;

import io.dl4jbridge.etl.ReadReport;
import io.dl4jbridge.etl.SessionAssembler;
import io.dl4jbridge.etl.WindowAssembler;
import io.dl4jbridge.etl.TimestampTransform;
import io.dl4jbridge.etl.Transform;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a scoring pass counted, with the launcher's summary keys and Python's meanings: {@code summary} (the
 * source), {@code lines}, {@code header_lines} (CSV), {@code records}, {@code blank_lines},
 * {@code continuation_lines}, {@code bad_lines}, {@code bad_by_reason}, then when they happened
 * {@code absent_fields}, {@code undecodable_lines}, {@code duplicate_key_lines}, {@code unparsable_times},
 * {@code backward_times},
 * {@code non_numeric_values}, {@code unknown_template_records}, {@code unwindowed_records}, for sessions
 * {@code records_without_key}, {@code split_sessions} / {@code extra_parts}, {@code truncated_sessions} /
 * {@code truncated_records}, then {@code unjudged_sequences}, and always {@code sequences}, {@code flagged},
 * {@code threshold}. {@link #warnings} holds what the launcher prints as warnings, one sentence each, in the same
 * words as Python's {@code dl4j-bridge score}.
 */
public final class ScoreSummary {
    /** The counts, in the launcher's order (unmodifiable; JSON-ready). */
    public final Map<String, Object> counts;
    /** What needs a user's attention (bad lines, absent fields, sessions cut, ...), without a prefix. */
    public final List<String> warnings;

    private ScoreSummary(Map<String, Object> counts, List<String> warnings) {
        this.counts = Collections.unmodifiableMap(counts);
        this.warnings = Collections.unmodifiableList(warnings);
    }

    /** Every line of the input was bad (lenient mode) and none a record: almost surely the wrong model or format. */
    public boolean everyLineBad() {
        return ((Number) counts.get("records")).longValue() == 0 && ((Number) counts.get("bad_lines")).longValue() > 0;
    }

    static ScoreSummary of(ScoringStream stream, LogAnomalyScorer scorer) {
        return of(stream, scorer, stream.scored(), stream.flagged(), stream.unjudged());
    }

    /** The summary with these sequence counts: an interrupted {@code score}'s, of the sequences whose rows were written. */
    static ScoreSummary of(ScoringStream stream, LogAnomalyScorer scorer, long scored, long flagged, long unjudged) {
        ReadReport report = stream.etl().report();
        Map<String, Object> s = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        s.put("summary", report.source);
        s.put("lines", report.lines);
        if (report.headerLines > 0) {   // as Python: lines = header_lines + records + continuation + blank + bad
            s.put("header_lines", report.headerLines);
        }
        s.put("records", report.records);
        s.put("blank_lines", report.blankLines);
        s.put("continuation_lines", report.continuationLines);
        s.put("bad_lines", report.badLines);
        s.put("bad_by_reason", new LinkedHashMap<>(report.badByReason));
        if (report.badLines > 0) {   // Python's reader warning, word for word (its dict as Python prints it)
            warnings.add(report.badLinesWarning());
        }
        if (!report.absentFields.isEmpty()) {
            s.put("absent_fields", new ArrayList<>(report.absentFields));
            warnings.addAll(report.absentMessages);
        }
        if (report.undecodableLines > 0) {
            s.put("undecodable_lines", report.undecodableLines);
            warnings.add(report.undecodableWarning(scorer.etlSpec().encoding()));
        }
        if (report.duplicateKeyLines > 0) {
            s.put("duplicate_key_lines", report.duplicateKeyLines);
            warnings.add(report.duplicateKeyWarning());
        }
        if (report.carriageReturnLines > 0) {   // a text file with CR line endings reads as one line: said
            warnings.add(report.carriageReturnWarning());
        }
        long unparsableTimes = 0;
        for (Transform t : stream.etl().transforms()) {
            if (t instanceof TimestampTransform && ((TimestampTransform) t).unparsableTimes() > 0) {
                unparsableTimes += ((TimestampTransform) t).unparsableTimes();
                warnings.add(((TimestampTransform) t).unparsableWarning(report.source));
            }
        }
        if (unparsableTimes > 0) {
            s.put("unparsable_times", unparsableTimes);
        }
        long backwardTimes = 0;
        for (Transform t : stream.etl().transforms()) {   // out of time order: their delta taken as 0, counted
            if (t instanceof TimestampTransform && ((TimestampTransform) t).backwardTimes() > 0) {
                backwardTimes += ((TimestampTransform) t).backwardTimes();
                warnings.add(((TimestampTransform) t).backwardWarning(report.source));
            }
        }
        if (backwardTimes > 0) {
            s.put("backward_times", backwardTimes);
        }
        long nonNumbers = 0;
        for (Transform t : stream.etl().transforms()) {   // given but no number: read as missing, never silently
            if (t instanceof io.dl4jbridge.etl.NumericTransform && ((io.dl4jbridge.etl.NumericTransform) t).nonNumbers() > 0) {
                nonNumbers += ((io.dl4jbridge.etl.NumericTransform) t).nonNumbers();
                warnings.add(((io.dl4jbridge.etl.NumericTransform) t).nonNumberWarning(report.source));
            }
        }
        if (nonNumbers > 0) {
            s.put("non_numeric_values", nonNumbers);
        }
        long unknownTemplates = 0;
        for (Transform t : stream.etl().transforms()) {   // a template never seen in training: mostly, the wrong log
            if (t instanceof io.dl4jbridge.etl.TemplateTransform) {
                io.dl4jbridge.etl.TemplateTransform template = (io.dl4jbridge.etl.TemplateTransform) t;
                unknownTemplates += template.unknownRecords();
                String warning = template.unknownTemplateWarning(report.source);
                if (warning != null) {
                    warnings.add(warning);
                }
            }
        }
        if (unknownTemplates > 0) {
            s.put("unknown_template_records", unknownTemplates);
        }
        if (stream.etl().assembler() instanceof WindowAssembler) {   // in no window: not scored, counted
            WindowAssembler windows = (WindowAssembler) stream.etl().assembler();
            if (windows.unwindowedRecords() > 0) {
                s.put("unwindowed_records", windows.unwindowedRecords());
                warnings.add(windows.unwindowedWarning());
            }
        }
        if (stream.etl().assembler() instanceof SessionAssembler) {   // left out of every session: counted
            SessionAssembler sessions = (SessionAssembler) stream.etl().assembler();
            s.put("records_without_key", sessions.recordsWithoutKey());
            if (sessions.recordsWithoutKey() > 0) {   // as Python's warning, word for word
                warnings.add(sessions.recordsWithoutKeyWarning(stream.etl().sessionKey()));
            }
            if (sessions.gapSessions() > 0) {   // started by a gap ([sequence] gap): what was asked for, no warning
                s.put("gap_sessions", sessions.gapSessions());
            }
            if (sessions.splitSessions() > 0) {   // longer than max_length: split into parts, every record scored
                s.put("split_sessions", sessions.splitSessions());
                s.put("extra_parts", sessions.extraParts());
                warnings.add(sessions.splitSessions() + " session(s) longer than max_length="   // Python's words
                        + sessions.maxLength() + " steps: each was split into consecutive parts of at most "
                        + sessions.maxLength() + " steps, scored as sequences of their own (" + sessions.extraParts()
                        + " more sequence(s); rows and summaries: part, split_sessions, extra_parts). To keep such "
                        + "sessions whole, raise max_length (run.toml: [sequence] max_length) and retrain");
            }
            if (sessions.truncatedSessions() > 0) {   // overflow "truncate" (specs saved before overflow): counted
                s.put("truncated_sessions", sessions.truncatedSessions());
                s.put("truncated_records", sessions.truncatedRecords());
                warnings.add(sessions.truncatedSessions() + " session(s) longer than "
                        + "max_length=" + sessions.maxLength() + " steps were truncated to their first "
                        + sessions.maxLength() + " steps: " + sessions.truncatedRecords() + " record(s) beyond them "
                        + "were not scored (the model's spec has overflow \"truncate\", as every spec saved before "
                        + "overflow existed). To score every record, retrain with overflow = \"split\" ([sequence] "
                        + "overflow) or a larger max_length");
            }
        }
        if (unjudged > 0) {
            s.put("unjudged_sequences", unjudged);
            warnings.add(unjudgedWarning(unjudged, scorer.kind()));
        }
        s.put("sequences", scored);
        s.put("flagged", flagged);
        s.put("threshold", scorer.threshold());
        return new ScoreSummary(s, warnings);
    }

    /** Python's {@code dl4j_bridge.cli.EVERY_LINE_BAD}, word for word. */
    public static String everyLineBadAdvice() {
        return "is this the model for this log (its reader and fields)? Check the first bad line with --strict, "
                + "or list them all with --quarantine BAD.jsonl";
    }

    /** The error of a lenient read whose every line was bad (exit 3), without a quarantine file. */
    public static String everyLineBadError(String source, long badLines) {
        return everyLineBadError(source, badLines, null, null);
    }

    /**
     * The error of a lenient read whose every line was bad (exit 3): Python's {@code every_line_bad_error}, word for
     * word. With a quarantine file the advice points at it (and at the reasons counted) instead of at
     * {@code --quarantine}.
     */
    public static String everyLineBadError(String source, long badLines, Map<String, Long> byReason,
                                           String quarantine) {
        String text = source + ": every line was bad (" + badLines + " bad line(s), no record): nothing was scored; ";
        if (quarantine == null) {
            return text + everyLineBadAdvice();
        }
        return text + "is this the model for this log (its reader and fields)? The bad lines are in " + quarantine
                + ", each with its reason (" + ReadReport.reasonsRepr(byReason == null ? Collections.emptyMap() : byReason)
                + "): compare one with the fields the model reads, or see the first one's error with --strict";
    }

    /**
     * The warning of {@code score} when the input held no record and no bad line (an empty file, or only blank lines
     * or a CSV header): exit 0 all the same. Python's {@code dl4j_bridge.cli.no_record_warning}, word for word.
     */
    public static String noRecordWarning(String source, long lines) {
        return source + ": the input holds no log line" + (lines == 0 ? "" : " (" + lines + " line(s), blank or a "
                + "CSV header)") + ": nothing was scored; is it the log you meant (one rotated away, or not yet "
                + "written)?";
    }

    /** Python's {@code dl4j_bridge.cli.unjudged_warning} for a next-event model, word for word. */
    public static String unjudgedWarning(long unjudged) {
        return unjudgedWarning(unjudged, "next_event");
    }

    /**
     * Python's {@code dl4j_bridge.cli.unjudged_warning}, word for word, in the words of the model's {@code kind}: a
     * next-value model predicts each record's values from the records before it in its session or part only.
     */
    public static String unjudgedWarning(long unjudged, String kind) {
        if ("next_value".equals(kind)) {
            return unjudged + " sequence(s) had no step to judge (sequences of one record: a next-value model predicts "
                    + "each record's values from the records before it in its session or part, so a first record is "
                    + "never judged and a sequence of one has nothing to judge): they score 0, flagged only by a "
                    + "threshold below 0 (unjudged_sequences). To judge every record but the log's first, train on "
                    + "windows ([sequence] kind = \"windows\") with a stride shorter than their length";
        }
        return unjudged + " sequence(s) had no step to judge (sessions of one event: nothing predicts a session's "
                + "first event, and it has no next one): they score 0, flagged only by a threshold below 0 "
                + "(unjudged_sequences). To judge every event, train on windows ([sequence] kind = \"windows\", "
                + "next_event = true)";
    }
}
