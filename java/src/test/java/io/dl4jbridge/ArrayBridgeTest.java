package io.dl4jbridge;

import org.junit.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

public class ArrayBridgeTest {
    @Test
    public void bufferRoundTripIsExactAndHandlesViews() {
        float[] values = new float[2 * 3 * 4];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.5f - 3f;
        }
        ByteBuffer src = ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.nativeOrder());
        src.asFloatBuffer().put(values);
        INDArray a = ArrayBridge.fromBuffer(src, new long[]{2, 3, 4});
        assertArrayEquals(values, a.data().asFloat(), 0f);

        INDArray permuted = a.permute(2, 0, 1);
        ByteBuffer dst = ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.nativeOrder());
        ArrayBridge.copyTo(permuted, dst);
        float[] back = new float[values.length];
        dst.asFloatBuffer().get(back);
        assertArrayEquals(permuted.dup('c').data().asFloat(), back, 0f);
    }

    @Test(expected = IllegalArgumentException.class)
    public void wrongBufferSizeIsRefused() {
        ArrayBridge.fromBuffer(ByteBuffer.allocateDirect(12), new long[]{2, 2});
    }

    @Test
    public void oneHotLabelsAndMasks() {
        INDArray ids = Nd4j.create(new float[]{0, 2, -1, 1, 1, 0}, new long[]{2, 3}, 'c');
        INDArray[] out = ArrayBridge.oneHotLabels(ids, 3, null);
        assertArrayEquals(new long[]{2, 3, 3}, out[0].shape());
        assertEquals(1f, out[0].getFloat(0, 0, 0), 0f);
        assertEquals(1f, out[0].getFloat(0, 2, 1), 0f);
        assertEquals(0f, out[0].sum(1).getFloat(0, 2), 0f);     // unlabelled step
        assertEquals(1f, out[0].getFloat(1, 1, 0), 0f);
        assertArrayEquals(new float[]{1, 1, 0, 1, 1, 1}, out[1].data().asFloat(), 0f);

        INDArray allLabelled = Nd4j.create(new float[]{0, 1}, new long[]{1, 2}, 'c');
        assertNull(ArrayBridge.oneHotLabels(allLabelled, 2, null)[1]);
        INDArray mask = Nd4j.create(new float[]{1, 0}, new long[]{1, 2}, 'c');
        assertArrayEquals(new float[]{1, 0}, ArrayBridge.oneHotLabels(allLabelled, 2, mask)[1].data().asFloat(), 0f);
    }

    @Test(expected = IllegalArgumentException.class)
    public void labelIdsBeyondNOutAreRefused() {
        ArrayBridge.oneHotLabels(Nd4j.create(new float[]{0, 5}, new long[]{1, 2}, 'c'), 3, null);
    }
}
