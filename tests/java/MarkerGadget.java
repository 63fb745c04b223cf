import java.io.FileOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * A test-only deserialisation gadget: its readObject writes a marker file, so a test can prove whether a
 * loader deserialised it. {@code java MarkerGadget MARKER OUT.ser} writes one, serialised, to OUT.ser.
 */
public class MarkerGadget implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String marker;

    public MarkerGadget(String marker) {
        this.marker = marker;
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        Files.write(Paths.get(marker), "MarkerGadget.readObject ran\n".getBytes(StandardCharsets.UTF_8));
    }

    public static void main(String[] args) throws IOException {
        try (ObjectOutputStream out = new ObjectOutputStream(new FileOutputStream(args[1]))) {
            out.writeObject(new MarkerGadget(args[0]));
        }
    }
}
