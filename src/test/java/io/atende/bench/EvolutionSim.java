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
 */
final class EvolutionSim implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Ledger ledger;
    private final String apiKey;
    private final SimServer server;
    final AtomicInteger rejected = new AtomicInteger();

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

    private static void write(HttpExchange ex, int status, String body) throws IOException {
        SimServer.writeJson(ex, status, body);
    }

    @Override
    public void close() {
        server.close();
    }
}
