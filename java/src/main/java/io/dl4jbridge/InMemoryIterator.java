package io.dl4jbridge;

import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.BooleanSupplier;

/**
 * Iterates prepared minibatches; ends early when {@code cancelled} says so, which is how a Python
 * callback stops a running {@code fit} between two minibatches. Not asynchronous: the data is in memory.
 */
final class InMemoryIterator implements DataSetIterator {
    private final List<DataSet> batches;
    private final BooleanSupplier cancelled;
    private int position;

    InMemoryIterator(List<DataSet> batches, BooleanSupplier cancelled) {
        this.batches = batches;
        this.cancelled = cancelled;
    }

    @Override public boolean hasNext() { return position < batches.size() && !cancelled.getAsBoolean(); }
    @Override public DataSet next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return batches.get(position++);
    }
    @Override public DataSet next(int num) { return next(); }
    @Override public int inputColumns() { return (int) batches.get(0).getFeatures().size(1); }
    @Override public int totalOutcomes() { return (int) batches.get(0).getLabels().size(1); }
    @Override public boolean resetSupported() { return true; }
    @Override public boolean asyncSupported() { return false; }
    @Override public void reset() { position = 0; }
    @Override public int batch() { return batches.isEmpty() ? 0 : batches.get(0).numExamples(); }
    @Override public void setPreProcessor(DataSetPreProcessor preProcessor) {
        throw new UnsupportedOperationException("normalise before training; the iterator takes no preprocessor");
    }
    @Override public DataSetPreProcessor getPreProcessor() { return null; }
    @Override public List<String> getLabels() { return null; }
}
