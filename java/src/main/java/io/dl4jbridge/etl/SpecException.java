package io.dl4jbridge.etl;

/** A saved spec (ETL pipeline or detector) is malformed, has an unknown version, or cannot be ported. */
public class SpecException extends EtlException {
    public SpecException(String message) {
        super(message);
    }

    public SpecException(String message, Throwable cause) {
        super(message, cause);
    }
}
