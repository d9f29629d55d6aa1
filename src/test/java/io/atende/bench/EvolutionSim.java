package io.atende.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An Evolution API v2 simulator for {@code POST /message/sendText/{instance}}: checks the {@code apikey} header
 * and the documented body ({@code number}, non-blank {@code text}), answers 201 with the message record shape
 * Evolution 2.3.7 returns, and records each send (arrival time, instance, number, markers) in the ledger.
 *
 * <p>And {@code POST /chat/getBase64FromMediaMessage/{instance}} for the voice notes the driver posted: 201 with
 * Evolution 2.3.7's answer shape ({@code mediaType}, {@code fileName}, {@code size}, {@code mimetype}, {@code base64},
 * {@code buffer} null; see {@code io.atende.fixtures.EvolutionFixture}), the audio being {@link #audio}; 400
 * {@code Message not found} for an unknown key id.
 */
final class EvolutionSim implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Ledger ledger;
    private final String apiKey;
    private final SimServer server;
    final AtomicInteger rejected = new AtomicInteger();
    /** The test voice note (src/test/resources/voice/nota-de-voz.ogg, 2.944 s, 8760 bytes). */
    private static final byte[] NOTE = testNote();
    /** Opus voice notes run at about 3 KB per second (the test note: 8760 bytes for 2.944 s). */
    static final int BYTES_PER_SECOND = 3000;

    EvolutionSim(Ledger ledger, String apiKey) throws IOException {
        this.ledger = ledger;
        this.apiKey = apiKey;
        this.server = new SimServer("evolution-sim", this::handle);
    }

    String baseUrl() {
        return server.baseUrl();
    }

    private void handle(HttpExchange ex) throws IOException {
        long arrival = SimServer.arrivalNs();
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String prefix = "/message/sendText/";
            if ("POST".equals(ex.getRequestMethod()) && path.startsWith("/chat/getBase64FromMediaMessage/")) {
                media(ex, arrival);
                return;
            }
            if (!"POST".equals(ex.getRequestMethod()) || !path.startsWith(prefix)) {
                write(ex, 404, "{\"status\":404,\"error\":\"Not Found\",\"response\":{\"message\":[\"Cannot "
                        + ex.getRequestMethod() + " " + path + "\"]}}");
                return;
            }
            if (!apiKey.equals(ex.getRequestHeaders().getFirst("apikey"))) {
                rejected.incrementAndGet();
                write(ex, 401, "{\"status\":401,\"error\":\"Unauthorized\",\"response\":{\"message\":\"Unauthorized\"}}");
                return;
            }
            String instance = path.substring(prefix.length());
            JsonNode body = JSON.readTree(ex.getRequestBody().readAllBytes());
            String number = body == null ? "" : body.path("number").asText("");
            String text = body == null ? "" : body.path("text").asText("");
            if (number.isBlank() || text.isBlank()) {
                rejected.incrementAndGet();
                write(ex, 400, "{\"status\":400,\"error\":\"Bad Request\",\"response\":{\"message\":[\"Text is required\"]}}");
                return;
            }
            String jid = number.contains("@") ? number : number + "@s.whatsapp.net";
            ObjectNode r = JSON.createObjectNode();
            byte[] id = new byte[11];
            ThreadLocalRandom.current().nextBytes(id);
            r.putObject("key").put("remoteJid", jid).put("fromMe", true)
                    .put("id", "3EB0" + HexFormat.of().withUpperCase().formatHex(id));
            r.put("pushName", "Você").put("status", "PENDING");
            r.putObject("message").put("conversation", text);
            r.put("messageType", "conversation").put("messageTimestamp", System.currentTimeMillis() / 1000);
            r.put("instanceId", "bench-" + instance).put("source", "web");
            write(ex, 201, r.toString());
            ledger.recordSend(new Ledger.SendText(arrival, instance, number, Markers.in(text), text.length()));
        }
    }

    private void media(HttpExchange ex, long arrival) throws IOException {
        if (!apiKey.equals(ex.getRequestHeaders().getFirst("apikey"))) {
            rejected.incrementAndGet();
            write(ex, 401, "{\"status\":401,\"error\":\"Unauthorized\",\"response\":{\"message\":\"Unauthorized\"}}");
            return;
        }
        JsonNode body = JSON.readTree(ex.getRequestBody().readAllBytes());
        String waId = body == null ? "" : body.path("message").path("key").path("id").asText("");
        Ledger.Sent note = ledger.voiceNotes.get(waId);
        if (note == null) {
            rejected.incrementAndGet();
            write(ex, 400, "{\"status\":400,\"error\":\"Bad Request\",\"response\":{\"message\":[\"Message not found\"]}}");
            ledger.mediaCalls.add(new Ledger.MediaCall(arrival, System.nanoTime(), waId, 0, 400));
            return;
        }
        byte[] audio = audio(waId, note.voiceSeconds);
        ObjectNode r = JSON.createObjectNode();
        r.put("mediaType", "audioMessage").put("fileName", waId + ".oga");
        r.putObject("size").putObject("fileLength").put("low", audio.length).put("high", 0).put("unsigned", true);
        r.put("mimetype", "audio/ogg; codecs=opus");
        r.put("base64", java.util.Base64.getEncoder().encodeToString(audio));
        r.putNull("buffer");
        write(ex, 201, r.toString());
        ledger.mediaCalls.add(new Ledger.MediaCall(arrival, System.nanoTime(), waId, audio.length, 201));
    }

    /**
     * A note of {@code seconds}: the test note's bytes, a line naming the note's key id (which the speech-to-text
     * simulator reads back, as it decodes no audio), and padding to the size of a real note of that length.
     */
    static byte[] audio(String waId, int seconds) {
        byte[] tag = ("\nBENCH-NOTE " + waId + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int size = Math.max(NOTE.length + tag.length, seconds * BYTES_PER_SECOND);
        byte[] out = new byte[size];
        System.arraycopy(NOTE, 0, out, 0, NOTE.length);
        System.arraycopy(tag, 0, out, NOTE.length, tag.length);
        return out;
    }

    private static byte[] testNote() {
        try (java.io.InputStream in = EvolutionSim.class.getResourceAsStream("/voice/nota-de-voz.ogg")) {
            if (in == null) {
                throw new IllegalStateException("src/test/resources/voice/nota-de-voz.ogg is not on the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void write(HttpExchange ex, int status, String body) throws IOException {
        SimServer.writeJson(ex, status, body);
    }

    @Override
    public void close() {
        server.close();
    }
}
