package io.dl4jbridge;

/**
 * Training produced a loss that is not a finite number: the parameters have blown up, and a network scored
 * with them would flag nothing or everything without saying why. Python raises it as
 * {@code dl4j_bridge.TrainingDivergedError}.
 */
public class TrainingDivergedException extends IllegalStateException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
