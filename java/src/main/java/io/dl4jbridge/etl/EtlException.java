package io.dl4jbridge.etl;

/** Base class of every error raised by the Java ETL (mirrors Python's {@code dl4j_bridge.etl.EtlError}). */
public class EtlException extends RuntimeException {
    /** @param message what is wrong, naming the input (file, line, field) and what to do */
    public EtlException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong, naming the input and what to do
     * @param cause   the underlying failure
     */
    public EtlException(String message, Throwable cause) {
        super(message, cause);
    }
}
