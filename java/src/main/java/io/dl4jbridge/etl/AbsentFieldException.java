package io.dl4jbridge.etl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A field the reader maps is not in the input at all (Python's {@code AbsentFieldError}, same message): CSV, no
 * header column has any of its names; JSON lines, none of its paths is in any record of the read. Reading on
 * would make the field missing on every record, silently. Raised in both bad-line modes.
 */
public class AbsentFieldException extends EtlException {
    /** JSON lines: the records whose keys the message lists (Python's {@code KEY_SAMPLE_RECORDS}). */
    public static final int KEY_SAMPLE_RECORDS = 1000;

    private final String file;
    private final String field;
    private final List<String> names;
    private final List<String> available;
    private final long records;
    private final Long line;

    /** What scoring says of a field the model allows to be absent (Python's {@code absent_field_warning}). */
    public static String warning(String file, String field) {
        return file + ": the field " + RecordReader.pyRepr(field) + " is absent from the input, so it is missing on every row; "
                + "scored without it, as the model allows (a label, or a field some training records lacked too)";
    }

    /**
     * @param file      the input's name
     * @param field     the reader's output field
     * @param names     the header names or JSON paths the field is mapped to
     * @param available the fields the input has (CSV: the header; JSON lines: the dotted keys of its first records)
     * @param records   JSON lines: the JSON objects read
     * @param line      1 for a CSV header, null for JSON lines (the whole input)
     */
    public AbsentFieldException(String file, String field, List<String> names, List<String> available, long records,
                                Long line) {
        super(message(file, field, names, available, records, line));
        this.file = file;
        this.field = field;
        this.names = Collections.unmodifiableList(new ArrayList<>(names));
        this.available = Collections.unmodifiableList(new ArrayList<>(available));
        this.records = records;
        this.line = line;
    }

    static String message(String file, String field, List<String> names, List<String> available, long records,
                          Long line) {
        String mapped = names.size() == 1 ? RecordReader.pyRepr(names.get(0)) : pyList(names);
        String where;
        if (line != null) {
            where = file + ":" + line + ": the CSV header has no column " + mapped + " for field "
                    + RecordReader.pyRepr(field) + "; its columns are";
        } else {
            String some = records <= KEY_SAMPLE_RECORDS ? "their" : "the first " + KEY_SAMPLE_RECORDS + " records'";
            where = file + ": field " + RecordReader.pyRepr(field) + " (path " + mapped + ") is in none of its "
                    + records + " JSON records; " + some + " fields are";
        }
        return where + " " + pyList(available) + ": map " + RecordReader.pyRepr(field)
                + " to one of them in the reader's fields (run.toml [reader] fields), or check that this is the right input"
                + (line != null ? delimiterHint(available, names) : "");
    }

    /** Separators a CSV header read as one column may hold, in the order {@link #delimiterHint} tries them. */
    static final String[] CSV_DELIMITERS = {",", ";", "\t", "|"};

    /**
     * What to add when the CSV header was read as one column that another delimiter would split into a column
     * wanted (a {@code ;}-separated file read with {@code ,}); Python's {@code delimiter_hint} says the same.
     */
    static String delimiterHint(List<String> available, List<String> wanted) {
        if (available.size() != 1) {
            return "";
        }
        for (String delimiter : CSV_DELIMITERS) {
            List<String> parts = new ArrayList<>();
            for (String part : available.get(0).split(java.util.regex.Pattern.quote(delimiter), -1)) {
                parts.add(part.strip());
            }
            boolean hit = false;
            for (String name : wanted) {
                hit |= parts.contains(name);
            }
            if (parts.size() > 1 && hit) {
                return "; the header splits at " + RecordReader.pyRepr(delimiter) + " into " + pyList(parts)
                        + ": read the file with delimiter=" + RecordReader.pyRepr(delimiter) + " (run.toml [reader] "
                        + "delimiter)";
            }
        }
        return "";
    }

    static String pyList(List<String> values) {
        List<String> quoted = new ArrayList<>();
        for (String value : values) {
            quoted.add(RecordReader.pyRepr(value));
        }
        return "[" + String.join(", ", quoted) + "]";
    }

    /** The input's name (a path, or the name given to {@code open}). */
    public String file() {
        return file;
    }

    /** The reader's output field. */
    public String field() {
        return field;
    }

    /** The header names or JSON paths {@link #field()} is mapped to. */
    public List<String> names() {
        return names;
    }

    /** The fields the input has (CSV: the header; JSON lines: the dotted keys of its first records). */
    public List<String> available() {
        return available;
    }

    /** JSON lines: the JSON objects read. */
    public long records() {
        return records;
    }

    /** 1 for a CSV header, null for JSON lines. */
    public Long line() {
        return line;
    }
}
