package io.atende.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A whisper.cpp {@code whisper-server} simulator for {@code POST /inference} with the cost model of docs/voice-rtf.md:
 * one note costs {@code stt-fixed-s} (the encoder's pass over its 30 s window) plus {@code stt-per-audio-s} per second
 * of audio (decoding), divided by the time-compression factor like the LLM's durations. whisper.cpp {@code base} on
 * 4 vCPU: 1.8 s + 0.06 s per audio second (the defaults); {@code small}: 5.4 s + 0.18 s. Like whisper-server, which
 * holds one mutex for a whole inference, it transcribes {@code stt-parallel} (1) requests at a time; the others wait.
 *
 * <p>The multipart request is parsed (boundary, parts, the {@code file} part's bytes). It decodes no audio: the audio
 * the Evolution simulator served names its note ({@link EvolutionSim#audio}), whose length and marker the ledger
 * holds, and the transcript carries the marker, so that the reply to the note can be found like any other.
 */
final class SttSim implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.regex.Pattern PART_NAME = java.util.regex.Pattern.compile("(?<![A-Za-z])name=\"([^\"]*)\"");
    private static final String[] TEXTS = {
            "Oi, boa tarde! Queria saber se vocês entregam aqui no bairro e até que horas.",
            "Olá, fiz um pedido ontem e ainda não chegou, vocês podem ver para mim?",
            "Bom dia, vocês têm horário disponível no sábado de manhã?",
            "Oi, qual é o valor da entrega para o centro da cidade?"};

    private final BenchConfig cfg;
    private final Ledger ledger;
    private final SimServer server;
    private final Semaphore mutex;
    final AtomicInteger rejected = new AtomicInteger();

    SttSim(BenchConfig cfg, Ledger ledger) throws IOException {
        this.cfg = cfg;
        this.ledger = ledger;
        this.mutex = new Semaphore(cfg.sttParallel, true);
        this.server = new SimServer("stt-sim", this::handle);
    }

    /** The URL for ATENDE_STT_URL. */
    String inferenceUrl() {
        return server.baseUrl() + "/inference";
    }

    private void handle(HttpExchange ex) throws IOException {
        long arrival = SimServer.arrivalNs();
        try (ex) {
            String path = ex.getRequestURI().getPath();
            if ("GET".equals(ex.getRequestMethod()) && "/health".equals(path)) {
                SimServer.writeJson(ex, 200, "{\"status\":\"ok\"}");
                return;
            }
            if (!"POST".equals(ex.getRequestMethod()) || !"/inference".equals(path)) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            byte[] body = ex.getRequestBody().readAllBytes();
            Map<String, byte[]> parts = multipart(ex.getRequestHeaders().getFirst("Content-Type"), body);
            byte[] file = parts == null ? null : parts.get("file");
            String waId = file == null ? null : noteId(file);
            Ledger.Sent note = waId == null ? null : ledger.voiceNotes.get(waId);
            if (note == null) {
                rejected.incrementAndGet();
                SimServer.writeJson(ex, 400, file == null ? "{\"error\":\"no 'file' field in the request\"}"
                        : "{\"error\":\"failed to read audio data\"}");
                ledger.sttCalls.add(new Ledger.SttCall(arrival, arrival, System.nanoTime(), waId, null, 0, 400));
                return;
            }
            ledger.inFlight.enter(InFlight.Kind.STT);
            Runnable done = OllamaSim.once(() -> ledger.inFlight.exit(InFlight.Kind.STT));
            try {
                mutex.acquireUninterruptibly();
                long slotAt = System.nanoTime();
                long doneNs;
                try {
                    double seconds = cfg.sttFixedSeconds + cfg.sttPerAudioSecond * note.voiceSeconds;
                    sleepUntil(slotAt + (long) (seconds * 1e9 / cfg.compression));
                    String text = " " + TEXTS[(int) (Math.abs((long) waId.hashCode()) % TEXTS.length)] + " "
                            + Markers.of(note.marker) + "\n";
                    String answer = JSON.createObjectNode().put("text", text).toString();
                    doneNs = System.nanoTime();
                    done.run();
                    SimServer.writeJson(ex, 200, answer);
                } finally {
                    mutex.release();
                }
                ledger.sttCalls.add(new Ledger.SttCall(arrival, slotAt, doneNs, waId, note.marker, note.voiceSeconds,
                        200));
            } finally {
                done.run();
            }
        }
    }

    /** The key id the Evolution simulator wrote into the audio ("\nBENCH-NOTE id\n"), or null. */
    static String noteId(byte[] audio) {
        String s = new String(audio, StandardCharsets.ISO_8859_1);
        int i = s.indexOf("\nBENCH-NOTE ");
        if (i < 0) {
            return null;
        }
        int from = i + 12;
        int to = s.indexOf('\n', from);
        return to < 0 ? null : s.substring(from, to);
    }

    /** name -> content of each part of a multipart/form-data body; null when it is not one. */
    static Map<String, byte[]> multipart(String contentType, byte[] body) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            return null;
        }
        int b = contentType.indexOf("boundary=");
        if (b < 0) {
            return null;
        }
        String boundary = contentType.substring(b + 9).split(";", 2)[0].trim().replace("\"", "");
        String text = new String(body, StandardCharsets.ISO_8859_1);
        String delimiter = "--" + boundary;
        Map<String, byte[]> parts = new HashMap<>();
        int pos = text.indexOf(delimiter);
        while (pos >= 0) {
            int start = pos + delimiter.length();
            if (text.startsWith("--", start)) {
                return parts;
            }
            int headersEnd = text.indexOf("\r\n\r\n", start);
            int next = text.indexOf("\r\n" + delimiter, start);
            if (headersEnd < 0 || next < 0 || headersEnd > next) {
                return null;
            }
            String headers = text.substring(start, headersEnd);
            java.util.regex.Matcher n = PART_NAME.matcher(headers);
            if (n.find()) {
                parts.putIfAbsent(n.group(1), java.util.Arrays.copyOfRange(body, headersEnd + 4, next));
            }
            pos = next + 2;
        }
        return null;
    }

    private static void sleepUntil(long deadlineNs) {
        long left;
        while ((left = deadlineNs - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
