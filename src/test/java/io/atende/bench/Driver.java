package io.atende.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Posts Evolution API v2.3.7 {@code messages.upsert} webhooks (the shape of a real captured payload) to the
 * gateway's real HTTP endpoint, with the Bearer token, and records each acknowledgement in the ledger.
 */
final class Driver {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] TEXTS = {
            "Olá! Vocês abrem amanhã?", "Qual o preço da entrega para o centro?", "Vocês aceitam pix?",
            "Meu pedido ainda não chegou, pode verificar?", "Tem horário disponível no sábado de manhã?",
            "Quero trocar um produto, como faço?", "Obrigado! Mais uma dúvida:", "Qual o endereço da loja?"};

    private final Ledger ledger;
    private final URI webhook;
    private final String token;
    private final String nonce = Long.toHexString(System.currentTimeMillis()).toUpperCase(Locale.ROOT);
    /** Shared by every driver of a run: markers must stay unique across the two gateway runs. */
    private static final AtomicLong SEQ = new AtomicLong();
    private final RawHttpClient client;

    Driver(Ledger ledger, String gatewayUrl, String token) {
        this.ledger = ledger;
        this.webhook = URI.create(gatewayUrl + "/webhooks/evolution");
        this.token = token;
        this.client = new RawHttpClient(webhook);
    }

    static String instanceName(int instance) {
        return String.format(Locale.ROOT, "loja-%02d", instance);
    }

    static String phone(int instance, int customer) {
        return String.format(Locale.ROOT, "5511%03d%06d", instance, customer);
    }

    /** Posts one customer text and waits for the acknowledgement. */
    Ledger.Sent post(String phase, int instance, int customer) {
        long n = SEQ.incrementAndGet();
        String marker = phase.charAt(0) + Long.toString(n);
        String text = TEXTS[(int) (n % TEXTS.length)] + " " + Markers.of(marker);
        String id = "BENCH" + nonce + String.format(Locale.ROOT, "%08X", n);
        String body = payload(instance, customer, id, text);
        Ledger.Sent s = ledger.recordSent(marker, phase, instance, customer);
        s.waId = id; // what the scale phase looks up in the database
        return send(s, body);
    }

    /**
     * Posts one customer voice note of {@code seconds} (a WhatsApp push-to-talk audio, Ogg/Opus, as Evolution 2.3.7
     * sends it without its base64) and waits for the acknowledgement. Its marker comes back in the transcript.
     */
    Ledger.Sent postVoice(String phase, int instance, int customer, int seconds) {
        long n = SEQ.incrementAndGet();
        String marker = phase.charAt(0) + Long.toString(n);
        String id = "BENCH" + nonce + String.format(Locale.ROOT, "%08X", n);
        Ledger.Sent s = ledger.recordSent(marker, phase, instance, customer);
        ledger.recordVoiceNote(s, id, seconds); // before the webhook: the gateway may ask Evolution for it at once
        return send(s, voicePayload(instance, customer, id, seconds));
    }

    private Ledger.Sent send(Ledger.Sent s, String body) {
        try {
            RawHttpClient.Response r = client.postJson(token, body, 30_000);
            s.ackNs = System.nanoTime();
            s.httpStatus = r.status();
            s.ackStatus = status(r.body());
        } catch (Exception e) {
            s.ackNs = System.nanoTime();
            s.httpStatus = -1;
            s.ackStatus = e.getClass().getSimpleName();
        }
        return s;
    }

    private static String status(String body) {
        int i = body.indexOf("\"status\":\"");
        if (i < 0) {
            return "";
        }
        int from = i + 10;
        int to = body.indexOf('"', from);
        return to < 0 ? "" : body.substring(from, to);
    }

    private static String payload(int instance, int customer, String id, String text) {
        ObjectNode message = JSON.createObjectNode();
        message.put("conversation", text);
        return envelope(instance, customer, id, message, "conversation");
    }

    /** The audioMessage of a WhatsApp voice note (reference payload 04-audio-ptt.json, without its media keys). */
    private static String voicePayload(int instance, int customer, String id, int seconds) {
        ObjectNode message = JSON.createObjectNode();
        ObjectNode audio = message.putObject("audioMessage");
        audio.put("url", "https://mmg.whatsapp.net/v/t62.7117-24/bench_" + id + ".enc?mms3=true");
        audio.put("mimetype", "audio/ogg; codecs=opus");
        audio.putObject("fileLength").put("low", seconds * EvolutionSim.BYTES_PER_SECOND).put("high", 0)
                .put("unsigned", true);
        audio.put("seconds", seconds).put("ptt", true);
        return envelope(instance, customer, id, message, "audioMessage");
    }

    private static String envelope(int instance, int customer, String id, ObjectNode message, String messageType) {
        String jid = phone(instance, customer) + "@s.whatsapp.net";
        long now = System.currentTimeMillis();
        ObjectNode root = JSON.createObjectNode();
        root.put("event", "messages.upsert").put("instance", instanceName(instance));
        ObjectNode data = root.putObject("data");
        data.putObject("key").put("remoteJid", jid).put("remoteJidAlt", jid).put("fromMe", false).put("id", id)
                .put("participant", "").put("addressingMode", "lid");
        data.put("pushName", "Cliente " + customer).put("status", "DELIVERY_ACK");
        data.set("message", message);
        message.putObject("messageContextInfo").put("deviceListMetadataVersion", 2);
        data.put("messageType", messageType).put("messageTimestamp", now / 1000)
                .put("instanceId", "bench-" + instanceName(instance)).put("source", "android");
        root.put("destination", "http://atende:8080/webhooks/evolution").put("date_time", Instant.ofEpochMilli(now).toString())
                .put("sender", "5511940000000@s.whatsapp.net").put("server_url", "http://evolution:8080")
                .put("apikey", "bench-evolution-key");
        return root.toString();
    }
}
