package io.dl4jbridge.etl;

import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/** Runs a record reader over lines as the ETL stream does (one source, one bad-line policy), for reader tests. */
final class ReaderRuns {
    private ReaderRuns() {}

    /**
     * The records {@code reader} gives for {@code lines} read as the source {@code "<lines>"} in {@code mode}
     * ({@code strict} / {@code lenient}); bad lines go to {@code quarantine} (may be null) and the counts to
     * {@code report}.
     */
    static List<Record> read(RecordReader reader, ReadReport report, String mode, StringWriter quarantine,
                             String... lines) {
        report.source = "<lines>";
        reader.start(report, new BadLinePolicy("<lines>", mode, report, quarantine));
        List<Record> records = new ArrayList<>();
        for (String line : lines) {
            reader.accept(line, records::add);
        }
        reader.finish(records::add);
        return records;
    }
}
