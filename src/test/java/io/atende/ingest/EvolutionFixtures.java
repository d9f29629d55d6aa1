package io.atende.ingest;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.atende.support.Payloads;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Webhook bodies for tests, all on the test classpath: the real-shaped Evolution 2.3.7 reference payloads in
 * {@code src/test/resources/evolution/reference/} and the variants we built ourselves in
 * {@code src/test/resources/evolution/}.
 */
final class EvolutionFixtures {

    private static final ObjectMapper JSON = new ObjectMapper();

    private EvolutionFixtures() {
    }

    static byte[] reference(String fileName) {
        return resource(Payloads.REFERENCE_DIR + fileName);
    }

    static List<Path> allReference() {
        try (Stream<Path> files = Files.list(Payloads.referenceDir())) {
            List<Path> json = files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
            if (json.isEmpty()) {
                fail("No *.json reference payloads in " + Payloads.referenceDir());
            }
            return json;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A variant from {@code src/test/resources/evolution/}. */
    static byte[] variant(String fileName) {
        return resource("/evolution/" + fileName);
    }

    /** A reference payload as a mutable tree, to derive a variant that differs in one field. */
    static ObjectNode referenceTree(String fileName) {
        try {
            return (ObjectNode) JSON.readTree(reference(fileName));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] bytes(ObjectNode tree) {
        try {
            return JSON.writeValueAsBytes(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] resource(String path) {
        try (InputStream in = EvolutionFixtures.class.getResourceAsStream(path)) {
            if (in == null) {
                fail("Test payload missing from the test classpath: " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
