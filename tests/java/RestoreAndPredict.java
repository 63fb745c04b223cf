import java.io.File;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A plain Java program (DL4J API only, nothing of dl4j_bridge): restore a model, predict, write .npy. */
public class RestoreAndPredict {
    public static void main(String[] args) throws Exception {
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(new File(args[0]));
        INDArray x = Nd4j.createFromNpyFile(new File(args[1]));   // [batch, features, time]
        INDArray y = net.output(x);                               // [batch, classes, time]
        Nd4j.writeAsNumpy(y.dup('c'), new File(args[2]));
    }
}
