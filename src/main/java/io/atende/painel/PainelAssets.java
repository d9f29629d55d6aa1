package io.atende.painel;

import io.atende.support.SecretToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The page's files, read once from the jar ({@code painel/} on the classpath): plain HTML, CSS and one JS file, no
 * build step. Only these names are served. Each has an ETag, so a revisit on a slow connection costs a 304.
 */
public final class PainelAssets {

    /** The files of the first load, with their types. */
    public static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "painel.css", "text/css; charset=utf-8",
            "painel.js", "text/javascript; charset=utf-8");

    /** What a GET answers: 200 with the file, or 304 when the browser's copy is current. */
    public record Asset(int status, String contentType, String etag, byte[] body) {
    }

    private final Map<String, Asset> assets = new LinkedHashMap<>();

    public PainelAssets() {
        FILES.forEach((name, type) -> {
            byte[] bytes = read("painel/" + name);
            assets.put(name, new Asset(200, type, "\"" + SecretToken.sha256Hex(bytes).substring(0, 16) + "\"", bytes));
        });
    }

    /**
     * @param name        the file ({@code null} or empty: the page itself)
     * @param ifNoneMatch the browser's {@code If-None-Match}
     * @throws PainelException 404 for any other name
     */
    public Asset asset(String name, String ifNoneMatch) {
        Asset a = assets.get(name == null || name.isEmpty() ? "index.html" : name);
        if (a == null) {
            throw PainelException.notFound();
        }
        // Camel's bean binding may hand the header over without its quotes: compare the tag itself
        if (ifNoneMatch != null && ifNoneMatch.contains(a.etag().replace("\"", ""))) {
            return new Asset(304, a.contentType(), a.etag(), new byte[0]);
        }
        return a;
    }

    /** Bytes of the first load: the page, its style sheet and its script. */
    public int firstLoadBytes() {
        return assets.values().stream().mapToInt(a -> a.body().length).sum();
    }

    private static byte[] read(String resource) {
        try (InputStream in = PainelAssets.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
