package io.atende.ingest;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Webhook bodies for tests: the shared, real-shaped fixtures in {@code ../shared/fixtures/evolution/} and
 * the variants we built ourselves in {@code src/test/resources/evolution/}.
 */
final class EvolutionFixtures {

    private static final ObjectMapper JSON = new ObjectMapper();

    private EvolutionFixtures() {
    }

    /** The shared fixture directory, resolved from the Maven basedir. */
    static Path sharedDir() {
        Path dir = Path.of(System.getProperty("user.dir"))
                .resolve(Path.of("..", "shared", "fixtures", "evolution"))
                .normalize();
        if (!Files.isDirectory(dir)) {
            fail("Shared Evolution fixtures not found at " + dir
                    + ": run the tests from the project directory (Maven basedir) next to ../shared");
        }
        return dir;
    }

    static byte[] shared(String fileName) {
        Path file = sharedDir().resolve(fileName);
        if (!Files.isRegularFile(file)) {
            fail("Shared Evolution fixture missing: " + file);
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Path> allShared() {
        try (Stream<Path> files = Files.list(sharedDir())) {
            List<Path> json = files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
            if (json.isEmpty()) {
                fail("No *.json fixtures in " + sharedDir());
            }
            return json;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A variant from {@code src/test/resources/evolution/}. */
    static byte[] variant(String fileName) {
        try (InputStream in = EvolutionFixtures.class.getResourceAsStream("/evolution/" + fileName)) {
            if (in == null) {
                fail("Test variant missing from src/test/resources/evolution/: " + fileName);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A shared fixture as a mutable tree, to derive a variant that differs in one field. */
    static ObjectNode sharedTree(String fileName) {
        try {
            return (ObjectNode) JSON.readTree(shared(fileName));
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
}
