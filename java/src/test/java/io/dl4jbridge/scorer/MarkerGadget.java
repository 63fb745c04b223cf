package io.dl4jbridge.scorer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

/** A test-only deserialisation gadget: its readObject writes a marker file (see ModelCheckTest). */
public class MarkerGadget implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String marker;

    MarkerGadget(String marker) {
        this.marker = marker;
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        Files.write(Paths.get(marker), "MarkerGadget.readObject ran\n".getBytes(StandardCharsets.UTF_8));
    }

    static byte[] serialized(String marker) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new MarkerGadget(marker));
        }
        return bytes.toByteArray();
    }
}
