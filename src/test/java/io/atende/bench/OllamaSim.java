package io.atende.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * An Ollama {@code /api/chat} and {@code /api/generate} simulator with a CPU cost model: {@code parallel} slots, prompt evaluation at
 * {@code promptTokensPerSecond}, generation at {@code genTokensPerSecond}, replies of {@code replyTokens} tokens,
 * and Ollama's bounded queue ({@code OLLAMA_MAX_QUEUE}, default 512) answering 503 with Ollama's own message when
 * full. Every duration is divided by the time-compression factor. Speaks the documented protocol: non-streaming
 * (one JSON object) and streaming (NDJSON, metrics in the final {@code done:true} line), durations in nanoseconds.
 *
 * <p>With {@code llm-prefix-cache} on (the llm-efficiency phase switches it on for its own runs) it models Ollama's
 * per-slot prompt cache instead ({@link PromptCache}): the prompt is rendered with the model's template and tokenized
 * (1 token = 4 chars), each slot keeps its own cache, a request takes the free slot with the longest common prefix and
 * pays prompt evaluation only for the rest, and the reply is a deterministic {@code reply-min-tokens} to
 * {@code reply-max-tokens} tokens (capped by num_predict). Off (the default), every phase keeps the cost model it has
 * always had: prompt tokens = the messages' characters / 4, all evaluated, replies of {@code reply-tokens}.
 *
 * <p>With a {@code realBaseUrl} it is a recording proxy in front of a real Ollama instead: the request goes
 * through unchanged, and the markers of the answered messages are appended to the real model's reply (so lost
 * and duplicate replies can still be counted).
 */
final class OllamaSim implements AutoCloseable {

    static final String BUSY = "server busy, please try again.  maximum pending requests exceeded";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BenchConfig cfg;
    private final Ledger ledger;
    private final SimServer server;
    private final Semaphore slots;
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger rejected503 = new AtomicInteger();
    private final HttpClient upstream;
    /** The slots' prompt caches (used while {@code cfg.prefixCache} is on). */
    final PromptCache cache;

    /** Requests answered 200 (this simulator's share when the gateway has several backends). */
    final AtomicInteger served = new AtomicInteger();
    private final int slotCount;
    /** Above zero: every answer takes this long whatever its tokens (a GPU host or a hosted model; the ceiling phase). */
    private final long fixedNs;

    OllamaSim(BenchConfig cfg, Ledger ledger) throws IOException {
        this(cfg, ledger, cfg.llmSlots, 0);
    }

    /** A simulator with its own number of slots (one of several backends: the scale phase's 2 x 2 slots). */
    OllamaSim(BenchConfig cfg, Ledger ledger, int slotCount) throws IOException {
        this(cfg, ledger, slotCount, 0);
    }

    /** A simulator of {@code slotCount} slots; {@code fixedMillis} above zero replaces the token cost model. */
    OllamaSim(BenchConfig cfg, Ledger ledger, int slotCount, double fixedMillis) throws IOException {
        this.cfg = cfg;
        this.ledger = ledger;
        this.slotCount = slotCount;
        this.fixedNs = (long) (fixedMillis * 1e6);
        this.slots = new Semaphore(slotCount, true);
        this.cache = new PromptCache(slotCount);
        this.upstream = cfg.realOllama == null ? null
                : HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        this.server = new SimServer("ollama-sim", this::handle);
    }

    String baseUrl() {
        return server.baseUrl();
    }

    private void handle(HttpExchange ex) throws IOException {
        long arrival = SimServer.arrivalNs();
        try (ex) {
            String path = ex.getRequestURI().getPath();
            if ("GET".equals(ex.getRequestMethod()) && "/api/version".equals(path)) {
                write(ex, 200, "{\"version\":\"0.12.0\"}");
                return;
            }
            boolean generate = "/api/generate".equals(path);
            if (!"POST".equals(ex.getRequestMethod()) || !("/api/chat".equals(path) || generate)) {
                write(ex, 404, "{\"error\":\"not found\"}");
                return;
            }
            byte[] body = ex.getRequestBody().readAllBytes();
            JsonNode req = JSON.readTree(body);
            if (req == null || !req.hasNonNull("model")) {
                write(ex, 400, "{\"error\":\"model is required\"}");
                return;
            }
            PromptCache.Template template = PromptCache.Template.of(cfg.llmTemplate, req.path("model").asText());
            // Rendered only where it is used: /api/generate, and /api/chat under the cache model.
            String rendered = generate
                    ? (req.path("raw").asBoolean(false) ? req.path("prompt").asText("")
                    : PromptCache.renderGenerate(template, req.path("system").asText(""), req.path("prompt").asText("")))
                    : cfg.prefixCache ? PromptCache.renderChat(template, req.path("messages")) : null;
            List<String> markers = generate ? Markers.in(PromptCache.lastUserTurn(template, rendered))
                    : pendingMarkers(req.path("messages"));
            int promptTokens = generate ? Math.max(1, rendered.length() / 4) : promptTokens(req.path("messages"));
            if (upstream != null && generate) {
                write(ex, 404, "{\"error\":\"the recording proxy forwards /api/chat only\"}");
                return;
            }
            if (upstream != null) {
                proxy(ex, body, arrival, markers, promptTokens);
                return;
            }
            // Open at the simulator from here until just before the answer's last part (voice phase's CPU share).
            ledger.inFlight.enter(InFlight.Kind.LLM);
            Runnable done = once(() -> ledger.inFlight.exit(InFlight.Kind.LLM));
            try {
                // Ollama's scheduler queue: beyond OLLAMA_MAX_QUEUE waiting requests it answers 503.
                if (waiting.incrementAndGet() > cfg.llmMaxQueue) {
                    waiting.decrementAndGet();
                    rejected503.incrementAndGet();
                    long doneNs = System.nanoTime();
                    done.run();
                    write(ex, 503, "{\"error\":\"" + BUSY + "\"}");
                    ledger.recordLlm(new Ledger.LlmCall(arrival, arrival, doneNs, System.nanoTime(), false, markers,
                            promptTokens, 0, 503));
                    return;
                }
                boolean free = slots.tryAcquire();
                try {
                    if (!free) {
                        slots.acquireUninterruptibly();
                    }
                } finally {
                    waiting.decrementAndGet();
                }
                long slotAt = System.nanoTime();
                try {
                    if (cfg.prefixCache && rendered != null) {
                        serveCached(ex, req, generate, template, rendered, arrival, slotAt, free, markers, done);
                    } else {
                        serve(ex, req, generate, arrival, slotAt, free, markers, promptTokens, done);
                    }
                } finally {
                    slots.release();
                }
            } finally {
                done.run();
            }
        }
    }

    /** Runs {@code r} the first time it is called, never again. */
    static Runnable once(Runnable r) {
        java.util.concurrent.atomic.AtomicBoolean ran = new java.util.concurrent.atomic.AtomicBoolean();
        return () -> {
            if (ran.compareAndSet(false, true)) {
                r.run();
            }
        };
    }

    private void serve(HttpExchange ex, JsonNode req, boolean generate, long arrival, long slotAt, boolean free,
                       List<String> markers, int promptTokens, Runnable done) throws IOException {
        int replyTokens = cfg.replyTokens;
        double c = cfg.compression;
        long promptNs = fixedNs > 0 ? fixedNs / 5 : (long) (promptTokens / cfg.promptTokensPerSecond * 1e9 / c);
        long genNs = fixedNs > 0 ? fixedNs - promptNs : (long) (replyTokens / cfg.genTokensPerSecond * 1e9 / c);
        String text = replyText(replyTokens, markers);
        long[] times = answer(ex, req, generate, text, slotAt, promptNs, genNs, promptTokens, replyTokens, arrival, done);
        ledger.recordLlm(new Ledger.LlmCall(arrival, slotAt, times[0], times[1], free, markers, promptTokens, replyTokens, 200));
        served.incrementAndGet();
    }

    /**
     * The cache model: the rendered prompt against the slots' caches (the semaphore guarantees a free slot), prompt
     * evaluation for the uncached rest only, a reply of a deterministic length, then prompt + answer in the slot.
     */
    private void serveCached(HttpExchange ex, JsonNode req, boolean generate, PromptCache.Template template,
                             String rendered, long arrival, long slotAt, boolean free, List<String> markers,
                             Runnable done) throws IOException {
        JsonNode opts = req.path("options");
        int numCtx = opts.path("num_ctx").asInt(cfg.llmDefaultNumCtx);
        int numKeep = opts.path("num_keep").asInt(4);
        int numPredict = opts.path("num_predict").asInt(-1);
        PromptCache.Lease lease = cache.acquire(rendered, numCtx, numKeep);
        String suffix = "";
        try {
            int want = replyLength(rendered, cfg.replyMinTokens, cfg.replyMaxTokens);
            if (numPredict > 0) {
                want = Math.min(want, numPredict);
            }
            String text = portugueseReply(want, markers, rendered.hashCode());
            int replyTokens = PromptCache.tokens(text);
            double c = cfg.compression;
            double promptS = lease.evaluatedTokens() / cfg.promptTokensPerSecond;
            double genS = replyTokens / cfg.genTokensPerSecond;
            long promptNs = (long) (promptS * 1e9 / c);
            long genNs = (long) (genS * 1e9 / c);
            long[] times = answer(ex, req, generate, text, slotAt, promptNs, genNs, lease.evaluatedTokens(), replyTokens,
                    arrival, done);
            suffix = PromptCache.answerSuffix(template, text);
            ledger.recordLlm(new Ledger.LlmCall(arrival, slotAt, times[0], times[1], free, markers, lease.sentTokens(),
                    replyTokens, 200, lease.evaluatedTokens(), lease.cachedTokens(), promptS + genS, lease.slot(),
                    generate ? "generate" : "chat"));
            served.incrementAndGet();
        } finally {
            cache.release(lease, suffix, numCtx, numKeep);
        }
    }

    /** Writes the answer (streamed or whole) on the simulator's clock; returns {doneNs, endNs}. */
    private long[] answer(HttpExchange ex, JsonNode req, boolean generate, String text, long slotAt, long promptNs,
                          long genNs, int promptEvalCount, int replyTokens, long arrival, Runnable done)
            throws IOException {
        int promptTokens = promptEvalCount;
        String model = req.path("model").asText();
        boolean stream = req.path("stream").asBoolean(true);
        sleepUntil(slotAt + promptNs);
        long end;
        long doneNs;
        if (!stream) {
            sleepUntil(slotAt + promptNs + genNs);
            ObjectNode r = finalChunk(model, promptTokens, promptNs, replyTokens, genNs, System.nanoTime() - arrival);
            content(r, generate, text);
            doneNs = System.nanoTime();
            done.run();
            write(ex, 200, r.toString());
            end = System.nanoTime();
        } else {
            ex.getResponseHeaders().set("Content-Type", "application/x-ndjson");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            String[] words = text.split("(?<= )");
            int pieces = Math.min(words.length, 16);
            int per = (words.length + pieces - 1) / pieces;
            for (int i = 0, p = 0; i < words.length; i += per, p++) {
                sleepUntil(slotAt + promptNs + genNs * (p + 1) / pieces);
                StringBuilder piece = new StringBuilder();
                for (int j = i; j < Math.min(words.length, i + per); j++) {
                    piece.append(words[j]);
                }
                ObjectNode line = JSON.createObjectNode().put("model", model).put("created_at", Instant.now().toString());
                content(line, generate, piece.toString());
                line.put("done", false);
                out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            ObjectNode last = finalChunk(model, promptTokens, promptNs, replyTokens, genNs, System.nanoTime() - arrival);
            content(last, generate, "");
            doneNs = System.nanoTime();
            done.run();
            out.write((last + "\n").getBytes(StandardCharsets.UTF_8));
            out.close();
            end = System.nanoTime();
        }
        return new long[]{doneNs, end};
    }

    /** /api/chat carries the text in message.content, /api/generate in response. */
    private static void content(ObjectNode node, boolean generate, String text) {
        if (generate) {
            node.put("response", text);
        } else {
            node.putObject("message").put("role", "assistant").put("content", text);
        }
    }

    private void proxy(HttpExchange ex, byte[] body, long arrival, List<String> markers, int promptTokens)
            throws IOException {
        boolean free = inFlight.incrementAndGet() <= slotCount;
        try {
            JsonNode req = JSON.readTree(body);
            ((ObjectNode) req).put("stream", false);
            HttpResponse<String> r = upstream.send(HttpRequest.newBuilder(URI.create(cfg.realOllama + "/api/chat"))
                    .timeout(Duration.ofMinutes(10)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(req.toString())).build(),
                    HttpResponse.BodyHandlers.ofString());
            String out = r.body();
            int replyTokens = 0;
            if (r.statusCode() == 200) {
                ObjectNode resp = (ObjectNode) JSON.readTree(out);
                ObjectNode msg = (ObjectNode) resp.path("message");
                StringBuilder content = new StringBuilder(msg.path("content").asText());
                for (String m : markers) {
                    content.append(' ').append(Markers.of(m));
                }
                msg.put("content", content.toString());
                replyTokens = resp.path("eval_count").asInt();
                promptTokens = resp.path("prompt_eval_count").asInt(promptTokens);
                out = resp.toString();
            }
            long doneNs = System.nanoTime();
            write(ex, r.statusCode(), out);
            ledger.recordLlm(new Ledger.LlmCall(arrival, arrival, doneNs, System.nanoTime(), free, markers,
                    promptTokens, replyTokens, r.statusCode()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            write(ex, 500, "{\"error\":\"interrupted\"}");
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private static ObjectNode finalChunk(String model, int promptTokens, long promptNs, int replyTokens, long genNs,
                                         long totalNs) {
        ObjectNode r = JSON.createObjectNode();
        r.put("model", model).put("created_at", Instant.now().toString());
        r.put("done_reason", "stop").put("done", true);
        r.put("total_duration", totalNs).put("load_duration", 0);
        r.put("prompt_eval_count", promptTokens).put("prompt_eval_duration", promptNs);
        r.put("eval_count", replyTokens).put("eval_duration", genNs);
        return r;
    }

    /** Markers of the messages after the last assistant message: the customer messages this turn answers. */
    static List<String> pendingMarkers(JsonNode messages) {
        List<String> out = new ArrayList<>();
        for (JsonNode m : messages) {
            if ("assistant".equals(m.path("role").asText())) {
                out.clear();
            } else if ("user".equals(m.path("role").asText())) {
                for (String id : Markers.in(m.path("content").asText())) {
                    if (!out.contains(id)) {
                        out.add(id);
                    }
                }
            }
        }
        return out;
    }

    /** About four characters per token, the usual rule of thumb for Latin-script text. */
    static int promptTokens(JsonNode messages) {
        int chars = 0;
        for (JsonNode m : messages) {
            chars += m.path("content").asText().length();
        }
        return Math.max(1, chars / 4);
    }

    private static String replyText(int tokens, List<String> markers) {
        StringBuilder sb = new StringBuilder("Olá! Obrigado pela mensagem.");
        for (int i = 0; i < tokens - 6; i++) {
            sb.append(i % 12 == 11 ? " resposta." : " resposta");
        }
        for (String m : markers) {
            sb.append(' ').append(Markers.of(m));
        }
        return sb.toString();
    }

    /** A deterministic reply length for this prompt, min to max tokens (both included). */
    static int replyLength(String prompt, int min, int max) {
        long h = CapacityBench.mix(prompt.hashCode(), prompt.length());
        return min + (int) Math.floorMod(h, (long) (max - min + 1));
    }

    private static final String[] WORDS = ("Olá! Obrigado pelo contato. Nosso horário de atendimento é de segunda a "
            + "sábado, das nove às dezoito horas. O pedido pode ser retirado na loja ou entregue no seu endereço, e o "
            + "pagamento pode ser feito no pix, no cartão ou em dinheiro. Se precisar de mais alguma informação sobre "
            + "prazos, trocas ou valores, é só me chamar por aqui que eu verifico com a equipe e te respondo.").split(" ");

    /**
     * A reply of about {@code tokens} tokens (4 chars each) of Portuguese text, starting at a word chosen by
     * {@code seed}, the markers of the messages it answers at its end (inside the length when they fit).
     */
    static String portugueseReply(int tokens, List<String> markers, int seed) {
        StringBuilder tail = new StringBuilder();
        for (String m : markers) {
            tail.append(' ').append(Markers.of(m));
        }
        int target = Math.max(1, tokens * PromptCache.CHARS_PER_TOKEN - tail.length());
        StringBuilder sb = new StringBuilder();
        for (int i = Math.floorMod(seed, WORDS.length); sb.length() < target; i = (i + 1) % WORDS.length) {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append(WORDS[i]);
        }
        String body = sb.substring(0, Math.min(sb.length(), target)).strip();
        return body + tail;
    }

    private static void sleepUntil(long deadlineNs) {
        long left;
        while ((left = deadlineNs - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
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
