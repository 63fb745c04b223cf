package io.dl4jbridge.etl;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * CSV with a header row, parsed as Python's {@code csv.reader(strict=True)} with the excel dialect:
 * double quotes, doubled quotes inside quoted cells, quoted cells spanning lines. A row whose cell
 * count differs from the header is bad; empty cells are missing values. A quoted cell never closed (at the
 * end of the input, or within {@link #FIELD_LIMIT} characters) makes the line that opened its record the bad
 * line ("quote opened at line N is never closed"); the lines after it are read again as records. A mapped field none of whose
 * names is in the header is an {@link AbsentFieldException} at line 1, in both modes.
 */
public final class CsvRecordReader extends RecordReader {
    private enum State { START_FIELD, IN_FIELD, IN_QUOTED, QUOTE_IN_QUOTED }

    private final Map<String, List<String>> aliases;  // null = every header column
    private final char delimiter;
    private List<String> header;
    private int[] columns;
    // the row being parsed (may span lines inside quotes)
    private final List<String> cells = new ArrayList<>();
    private final StringBuilder cell = new StringBuilder();
    private final StringBuilder rowText = new StringBuilder();
    private final List<String> rowLines = new ArrayList<>();
    private boolean inQuotedRow;
    private long rowStart;
    /** Lines to parse (again): the line pushed in, and the lines after a record whose quote is never closed. */
    private final ArrayDeque<Object[]> again = new ArrayDeque<>();
    /** Python's csv field limit ({@code csv.field_size_limit()}): a longer cell is a bad line on both sides. */
    public static final int FIELD_LIMIT = 131_072;

    public CsvRecordReader(Map<String, List<String>> aliases, String delimiter, Map<String, String> types) {
        super(types);
        if (delimiter == null || delimiter.length() != 1) {
            throw new SpecException("CSV delimiter must be one character, not '" + delimiter + "'");
        }
        this.aliases = aliases;
        this.delimiter = delimiter.charAt(0);
    }

    @Override
    public List<String> fields() {
        if (aliases != null) {
            return new ArrayList<>(aliases.keySet());
        }
        return header;
    }

    @Override
    public void start(ReadReport report, BadLinePolicy policy) {
        super.start(report, policy);
        header = null;
        columns = null;
        again.clear();
        resetRow();
    }

    private void resetRow() {
        cells.clear();
        cell.setLength(0);
        rowText.setLength(0);
        rowLines.clear();
        inQuotedRow = false;
    }

    @Override
    public void accept(String line, Consumer<Record> out) {
        report.lines++;
        again.addLast(new Object[] {++lineNumber, line});
        drain(out);
    }

    /** Parses the queued lines: the new one, and those after a record whose quote is never closed. */
    private void drain(Consumer<Record> out) {
        while (!again.isEmpty()) {
            Object[] next = again.pollFirst();
            parse((Long) next[0], (String) next[1], out);
        }
    }

    private void parse(long number, String line, Consumer<Record> out) {
        if (!inQuotedRow) {
            rowStart = number;
            cells.clear();
            cell.setLength(0);
            rowText.setLength(0);
            rowLines.clear();
        } else {
            rowText.append('\n');
            report.continuationLines++;  // a quoted cell spanning lines, as Python counts it
        }
        rowText.append(line);
        rowLines.add(line);
        State state = inQuotedRow ? State.IN_QUOTED : State.START_FIELD;
        if (!inQuotedRow && line.isEmpty()) {
            row(null, out);  // csv yields [] for an empty line
            return;
        }
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if ((c == '\r' || c == '\n') && state != State.IN_QUOTED) {
                lineBreak(line, i, state == State.START_FIELD && i == 0 && !inQuotedRow, out);
                return;
            }
            boolean added = true;
            switch (state) {
                case START_FIELD:
                    if (c == '"') {
                        state = State.IN_QUOTED;
                    } else if (c == delimiter) {
                        saveCell();
                    } else {
                        added = add(c);
                        state = State.IN_FIELD;
                    }
                    break;
                case IN_FIELD:
                    if (c == delimiter) {
                        saveCell();
                        state = State.START_FIELD;
                    } else {
                        added = add(c);
                    }
                    break;
                case IN_QUOTED:
                    if (c == '"') {
                        state = State.QUOTE_IN_QUOTED;
                    } else {
                        added = add(c);
                    }
                    break;
                case QUOTE_IN_QUOTED:
                    if (c == '"') {
                        added = add('"');
                        state = State.IN_QUOTED;
                    } else if (c == delimiter) {
                        saveCell();
                        state = State.START_FIELD;
                    } else {
                        if (header == null) {
                            throw policy.fatal(1, null, "malformed CSV header: '" + delimiter + "' expected after '\"'");
                        }
                        // Python's csv: the rest of the line is discarded with the error
                        inQuotedRow = false;
                        String text = rowText.toString();
                        resetRow();
                        policy.bad(rowStart, null, "malformed CSV", "'" + delimiter + "' expected after '\"'", text);
                        return;
                    }
                    break;
                default:
                    throw new IllegalStateException();
            }
            if (!added) {
                tooLarge();
                return;
            }
        }
        if (state == State.IN_QUOTED) {
            if (header == null) {
                throw policy.fatal(1, null, "the CSV header must be one line (a quoted name spans lines)");
            }
            inQuotedRow = true;  // the quoted cell continues on the next line
            if (!add('\n')) {   // Python's csv adds the line break to the cell here
                tooLarge();
            }
            return;
        }
        inQuotedRow = false;
        saveCell();
        row(new ArrayList<>(cells), out);
    }

    /**
     * A line break outside quotes at {@code i} (a CR the line splitter left: CR line endings, or a bare CR in a
     * cell). As Python's csv: it ends the record when only line breaks follow on the line (at the start of a
     * record: a blank line); anything after it makes the record a bad line, {@link #CR_OUTSIDE_QUOTES}.
     */
    private void lineBreak(String line, int i, boolean recordStart, Consumer<Record> out) {
        if (!recordStart) {
            saveCell();
        }
        for (int j = i + 1; j < line.length(); j++) {
            char d = line.charAt(j);
            if (d != '\r' && d != '\n') {
                if (header == null) {
                    throw policy.fatal(1, null, "malformed CSV header: " + CR_OUTSIDE_QUOTES);
                }
                inQuotedRow = false;
                String text = rowText.toString();
                resetRow();
                policy.bad(rowStart, null, "malformed CSV", CR_OUTSIDE_QUOTES, text);
                return;
            }
        }
        inQuotedRow = false;
        row(recordStart ? null : new ArrayList<>(cells), out);
    }

    /** Python's csv error "new-line character seen in unquoted field", in words a user can act on (both sides). */
    public static final String CR_OUTSIDE_QUOTES = "a carriage return (CR) outside quotes: if the file has CR line "
            + "endings, convert them to LF (tr '\\r' '\\n' < in.csv > out.csv); if a cell holds a CR, quote the cell";

    /** Adds to the cell, unless it holds Python csv's field limit already (false). */
    private boolean add(char c) {
        if (cell.length() >= FIELD_LIMIT) {
            return false;
        }
        cell.append(c);
        return true;
    }

    /** A cell beyond the field limit: on one line a bad line, as in Python; in a row spanning lines a quote not
     *  closed within the limit. */
    private void tooLarge() {
        if (header == null) {
            throw policy.fatal(1, null, "malformed CSV header: field larger than field limit (" + FIELD_LIMIT + ")");
        }
        if (rowLines.size() > 1) {
            unclosed("is not closed within " + FIELD_LIMIT + " characters");
            return;
        }
        inQuotedRow = false;
        String text = rowText.toString();
        resetRow();
        policy.bad(rowStart, null, "malformed CSV", "field larger than field limit (" + FIELD_LIMIT + ")", text);
    }

    /**
     * A quoted cell never closed (at the end of the input, or within the field limit): the record's first line
     * is the bad line, and the lines after it are read again as records of their own (as Python does).
     */
    private void unclosed(String how) {
        List<String> lines = new ArrayList<>(rowLines);
        long first = rowStart;
        report.continuationLines -= lines.size() - 1;
        inQuotedRow = false;
        resetRow();
        for (int i = lines.size() - 1; i >= 1; i--) {
            again.addFirst(new Object[] {first + i, lines.get(i)});
        }
        long opened = first + openQuoteOffset(lines, delimiter);
        policy.bad(first, null, "malformed CSV", "quote opened at line " + opened + " " + how, lines.get(0));
    }

    /** Which of a row's lines (0-based) opened the quoted cell still open after the last of them (Python's
     *  {@code _open_quote_offset}). */
    static int openQuoteOffset(List<String> lines, char delimiter) {
        int opened = 0;
        boolean quoted = false;
        boolean afterQuote = false;
        boolean atStart = true;
        for (int index = 0; index < lines.size(); index++) {
            String line = lines.get(index);
            if (!quoted) {
                atStart = true;
            }
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (quoted) {
                    if (afterQuote) {
                        afterQuote = false;
                        if (c != '"') {
                            quoted = false;
                            atStart = c == delimiter;
                        }
                    } else if (c == '"') {
                        afterQuote = true;
                    }
                } else if (atStart && c == '"') {
                    quoted = true;
                    opened = index;
                } else {
                    atStart = c == delimiter;
                }
            }
            if (afterQuote) {
                quoted = false;
                afterQuote = false;
            }
        }
        return opened;
    }

    private void saveCell() {
        cells.add(cell.toString());
        cell.setLength(0);
    }

    @Override
    public void finish(Consumer<Record> out) {
        while (inQuotedRow) {
            unclosed("is never closed");
            drain(out);
        }
    }

    private void row(List<String> row, Consumer<Record> out) {
        String text = rowText.toString();
        if (header == null) {  // an unusable header raises in both modes, as in Python
            if (row == null) {
                throw policy.fatal(1, null, "the first line must be the CSV header and it is empty");
            }
            if (aliases == null) {
                List<String> repeated = new ArrayList<>();
                for (String name : row) {
                    if (row.indexOf(name) != row.lastIndexOf(name) && !repeated.contains(name)) {
                        repeated.add(name);
                    }
                }
                if (!repeated.isEmpty()) {
                    Collections.sort(repeated);
                    List<String> quoted = new ArrayList<>();
                    for (String name : repeated) {
                        quoted.add(pyRepr(name));
                    }
                    throw policy.fatal(1, null, "the CSV header names [" + String.join(", ", quoted)
                            + "] more than once; pick the columns with fields=");
                }
            }
            header = row;
            report.headerLines = 1;
            columns = columnIndexes(header);
            return;
        }
        if (row == null) {
            report.blankLines++;
            return;
        }
        if (row.size() != header.size()) {
            policy.bad(rowStart, null, "wrong column count",
                    "expected " + header.size() + " cells, got " + row.size(), String.join(String.valueOf(delimiter), row));
            return;
        }
        List<String> names = fields();
        Record record = new Record(rowStart, new HashMap<String, Object>());
        for (int i = 0; i < names.size(); i++) {
            String value = columns[i] < 0 ? null : row.get(columns[i]);  // < 0: an absent optional field
            record.values.put(names.get(i), value == null || value.isEmpty() ? null : value);
        }
        emit(record, text, out);
    }

    /** The error for a header naming a read field's column more than once (Python's {@code _repeated_column}). */
    static String repeatedColumn(String name, List<String> header, String field) {
        List<String> at = new ArrayList<>();
        for (int i = 0; i < header.size(); i++) {
            if (header.get(i).equals(name)) {
                at.add(String.valueOf(i + 1));
            }
        }
        return "the CSV header names " + pyRepr(name) + " more than once (columns " + String.join(", ", at)
                + "), so field " + pyRepr(field) + " cannot tell which to read: rename the others";
    }

    private int[] columnIndexes(List<String> header) {
        if (aliases == null) {
            int[] out = new int[header.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = i;
            }
            return out;
        }
        int[] out = new int[aliases.size()];
        int k = 0;
        for (Map.Entry<String, List<String>> e : aliases.entrySet()) {
            out[k] = -1;
            for (String name : e.getValue()) {
                int index = header.indexOf(name);
                if (index >= 0) {
                    if (header.lastIndexOf(name) != index) {   // which of them? (read the same way in Python)
                        throw policy.fatal(1, e.getKey(), repeatedColumn(name, header, e.getKey()));
                    }
                    out[k] = index;
                    break;
                }
            }
            if (out[k] < 0) {  // every row would miss the field: a wrong mapping or the wrong input
                AbsentFieldException absent = new AbsentFieldException(policy.source(), e.getKey(), e.getValue(),
                        header, 0, 1L);
                if (optional == null || !optional.contains(e.getKey())) {
                    throw absent;
                }
                report.absentFields.add(e.getKey());   // scoring without the label column
                if (!expectedAbsent.contains(e.getKey())) {
                    report.absentMessages.add(AbsentFieldException.warning(policy.source(), e.getKey()));
                }
            }
            k++;
        }
        return out;
    }
}
