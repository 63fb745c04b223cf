package io.dl4jbridge.etl;

/** Base class of every error raised by the Java ETL (mirrors Python's {@code dl4j_bridge.etl.EtlError}). */
public class EtlException extends RuntimeException {
    public EtlException(String message) {
        super(message);
    }

    public EtlException(String message, Throwable cause) {
        super(message, cause);
    }
}
