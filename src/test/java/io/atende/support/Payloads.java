package io.atende.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/**
 * The real-shaped Evolution API 2.3.7 payloads in {@code src/test/resources/evolution/reference/}, adjusted per test
 * (instance, message id, text, JIDs) so that tests never share rows.
 */
public final class Payloads {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final ObjectNode root;

    private Payloads(ObjectNode root) {
        this.root = root;
    }

    /** Classpath folder of the reference payloads. */
    public static final String REFERENCE_DIR = "/evolution/reference/";

    /** The reference payloads' folder on the test classpath (target/test-classes under Maven). */
    public static Path referenceDir() {
        URL url = Payloads.class.getResource(REFERENCE_DIR);
        if (url == null) {
            throw new IllegalStateException("Evolution reference payloads not on the test classpath: " + REFERENCE_DIR);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Payloads fixture(String file) {
        try (InputStream in = Payloads.class.getResourceAsStream(REFERENCE_DIR + file)) {
            if (in == null) {
                throw new IllegalStateException("Evolution reference payload missing: " + REFERENCE_DIR + file);
            }
            return new Payloads((ObjectNode) JSON.readTree(in));
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
