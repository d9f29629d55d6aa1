package io.atende.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real-shaped Evolution API 2.3.7 payloads from shared/fixtures/evolution, adjusted per test
 * (instance, message id, text, JIDs) so that tests never share rows.
 */
public final class Payloads {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final ObjectNode root;

    private Payloads(ObjectNode root) {
        this.root = root;
    }

    public static Path fixturesDir() {
        Path dir = Path.of(System.getProperty("user.dir")).resolve("../shared/fixtures/evolution").normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("Evolution fixtures not found at " + dir
                    + " (the repository expects shared/ beside it)");
        }
        return dir;
    }

    public static Payloads fixture(String file) {
        try {
            return new Payloads((ObjectNode) JSON.readTree(fixturesDir().resolve(file).toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Payloads instance(String instance) {
        root.put("instance", instance);
        return this;
    }

    public Payloads id(String id) {
        key().put("id", id);
        return this;
    }

    public Payloads text(String text) {
        ObjectNode message = (ObjectNode) root.path("data").path("message");
        message.put("conversation", text);
        return this;
    }

    public Payloads remoteJid(String jid) {
        key().put("remoteJid", jid);
        return this;
    }

    public Payloads remoteJidAlt(String jidOrNull) {
        if (jidOrNull == null) {
            key().remove("remoteJidAlt");
        } else {
            key().put("remoteJidAlt", jidOrNull);
        }
        return this;
    }

    public Payloads event(String event) {
        root.put("event", event);
        return this;
    }

    public String json() {
        return root.toString();
    }

    private ObjectNode key() {
        return (ObjectNode) root.path("data").path("key");
    }
}
