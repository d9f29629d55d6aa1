package io.atende.it;

import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.support.Payloads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * kill -9 mid-load, several times, then restart on the same data dir: every acknowledged message is answered exactly
 * once, in order. The real jar runs as a child JVM on an embedded PostgreSQL; Ollama and Evolution are the protocol
 * fixtures in this JVM. The kills are aimed at the dangerous windows: a sendText Evolution has accepted (and stored)
 * but whose 201 it holds back, and an LLM call in flight; webhooks in flight are hit along the way.
 * <p>
 * The driver behaves like Evolution: it retries a webhook until it gets a 2xx, and only acknowledged messages count.
 * The Ollama fixture answers with the markers of the pending customer messages (the user messages after the last
 * assistant message), so debounced and re-asked turns are counted right. Every fourth conversation gets answers long
 * enough to be split in two parts, tagged #1 and #2.
 */
class CrashRecoveryIT {

    static final int CONVERSATIONS = 24;
    static final int MESSAGES_EACH = 4;
    static final String[] INSTANCES = {"loja-a", "loja-b", "loja-c"};
    static final Pattern MARKER = Pattern.compile("m:(\\d+):(\\d+)");
    static final Pattern TAG = Pattern.compile("R#(\\d)");
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dataDir;

    OllamaFixture ollama;
    EvolutionFixture evolution;
    GatewayProcess gateway;
    ExecutorService drivers;

    @AfterEach
    void cleanUp() {
        if (drivers != null) {
            drivers.shutdownNow();
        }
        if (gateway != null) {
            gateway.cleanUp();
        }
        if (ollama != null) {
            ollama.close();
        }
        if (evolution != null) {
            evolution.close();
        }
    }

    @Test
    void killMinus9MidLoadAnswersEveryAcknowledgedMessageExactlyOnceInOrder() throws Exception {
        ollama = OllamaFixture.start().processingTime(Duration.ofMillis(500)).slowTokens(Duration.ofMillis(2))
                .replyWith(CrashRecoveryIT::markerReply);
        evolution = EvolutionFixture.start("k").acceptThenDelay(Duration.ofMillis(700));
        gateway = new GatewayProcess("crash-it", dataDir)
                .env("OLLAMA_BASE_URL", ollama.baseUrl())
                .env("EVOLUTION_BASE_URL", evolution.baseUrl())
                .env("EVOLUTION_API_KEY", "k")
                .env("ATENDE_WEBHOOK_TOKEN", "t")
                .env("ATENDE_ADMIN_TOKEN", "a")
                .env("ATENDE_LLM_PARALLEL", "2")
                .env("ATENDE_DEBOUNCE_MS", "400")
                .env("ATENDE_DEBOUNCE_MAX_MS", "2000")
                .env("ATENDE_DISPATCH_POLL_MS", "100")
                .env("ATENDE_BUSY_NOTICE_TEXT", "")
                .env("ATENDE_FALLBACK_TEXT", "")
                .env("ATENDE_LLM_EXPECTED_S", "1")
                .env("ATENDE_LLM_RETRY_BASE_MS", "200")
                .env("ATENDE_LLM_RETRY_MAX_MS", "1000")
                .env("ATENDE_SEND_RETRY_DELAY_MS", "200")
                .env("ATENDE_SEND_RETRY_MAX_DELAY_MS", "1000")
                .env("ATENDE_SEND_MAX_ATTEMPTS", "60")
                // above the 4 s pause before a later part: Evolution may still be holding that sendText
                .env("ATENDE_SEND_RECONCILE_AFTER_S", "5")
                .env("EVOLUTION_RESPONSE_TIMEOUT_MS", "5000")
                .env("ATENDE_SHUTDOWN_S", "5")
                .start(Duration.ofSeconds(90));

        // The load: each conversation sends its messages one after another, with pauses that are sometimes shorter
        // than the debounce (merged turns) and sometimes longer.
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        drivers = Executors.newFixedThreadPool(CONVERSATIONS);
        List<Future<?>> load = new ArrayList<>();
        for (int c = 1; c <= CONVERSATIONS; c++) {
            int conv = c;
            load.add(drivers.submit(() -> {
                for (int s = 1; s <= MESSAGES_EACH; s++) {
                    GatewayProcess.sleep(ThreadLocalRandom.current().nextInt(100, 1500));
                    deliverUntilAcknowledged(conv, s);
                    acknowledged.add("m:" + conv + ":" + s);
                }
                return null;
            }));
        }

        // Kill -9 three times, each inside a dangerous window, and restart on the same data dir.
        int kills = 0;
        List<String> windows = new ArrayList<>();
        for (String window : List.of("sendText accepted, 201 held back", "LLM call in flight",
                "sendText accepted, 201 held back")) {
            BooleanSupplier inWindow = window.startsWith("LLM") ? () -> ollama.inFlight() > 0 : () -> evolution.inFlight() > 0;
            boolean hit = waitUntil(inWindow, Duration.ofSeconds(30));
            gateway.kill();
            kills++;
            windows.add(window + (hit ? "" : " (missed: killed anyway)"));
            GatewayProcess.sleep(ThreadLocalRandom.current().nextInt(0, 500));
            gateway.start(Duration.ofSeconds(90));
        }
        for (Future<?> f : load) {
            f.get(3, TimeUnit.MINUTES);
        }
        assertThat(acknowledged).hasSize(CONVERSATIONS * MESSAGES_EACH);

        // Every acknowledged message answered (each part of a long answer too) ...
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                .until(() -> deliveredCounts().keySet().containsAll(expectedParts(acknowledged)));
        // ... and nothing more arrives: the counts are final.
        int settled = evolution.sent().size();
        GatewayProcess.sleep(3000);
        assertThat(evolution.sent()).hasSize(settled);

        Map<String, Integer> counts = deliveredCounts();
        Map<String, Integer> duplicates = new TreeMap<>();
        counts.forEach((part, n) -> {
            if (n != 1) {
                duplicates.put(part, n);
            }
        });
        assertThat(duplicates).as("parts delivered more than once (logs: %s)", gateway.logs()).isEmpty();
        assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(expectedParts(acknowledged));
        assertPerConversationOrder();

        // The kills did land in the windows that matter: some part had to be reconciled with findMessages.
        assertThat(windows).as("kill windows").allSatisfy(w -> assertThat(w).doesNotContain("missed"));
        assertThat(kills).isEqualTo(3);
        assertThat(evolution.findMessagesCalls()).as("reconciliation after a kill in the sendText window").isNotEmpty();
        System.out.printf("CrashRecoveryIT: %d messages, %d kills (%s), %d sendTexts accepted, %d findMessages%n",
                acknowledged.size(), kills, windows, evolution.sent().size(), evolution.findMessagesCalls().size());
    }

    /** Reply naming the pending messages: "R#0 m:c:s …", or two long paragraphs "R#1 …" and "R#2 …". */
    static String markerReply(OllamaFixture.ChatCall call) {
        List<OllamaFixture.Msg> messages = call.messages();
        int lastAssistant = -1;
        for (int i = 0; i < messages.size(); i++) {
            if ("assistant".equals(messages.get(i).role())) {
                lastAssistant = i;
            }
        }
        List<String> markers = new ArrayList<>();
        for (int i = lastAssistant + 1; i < messages.size(); i++) {
            if ("user".equals(messages.get(i).role())) {
                Matcher m = MARKER.matcher(messages.get(i).content());
                while (m.find()) {
                    markers.add(m.group());
                }
            }
        }
        String names = String.join(" ", markers);
        if (markers.isEmpty() || !longAnswers(conversationOf(markers.get(0)))) {
            return "R#0 " + names;
        }
        // Two paragraphs of ~2,500 characters: together above WhatsApp's 4,096, so two parts.
        String filler = " lorem ipsum dolor".repeat(140);
        return "R#1 " + names + filler + "\n\nR#2 " + names + filler;
    }

    static boolean longAnswers(int conversation) {
        return conversation % 4 == 0;
    }

    static int conversationOf(String marker) {
        Matcher m = MARKER.matcher(marker);
        if (!m.find()) {
            throw new IllegalArgumentException(marker);
        }
        return Integer.parseInt(m.group(1));
    }

    static Set<String> expectedParts(Set<String> acknowledged) {
        Set<String> parts = new java.util.TreeSet<>();
        for (String marker : acknowledged) {
            if (longAnswers(conversationOf(marker))) {
                parts.add(marker + "#1");
                parts.add(marker + "#2");
            } else {
                parts.add(marker + "#0");
            }
        }
        return parts;
    }

    /** "m:c:s#tag" → how many delivered texts carry it. */
    Map<String, Integer> deliveredCounts() {
        Map<String, Integer> counts = new TreeMap<>();
        for (EvolutionFixture.SentText sent : evolution.sent()) {
            Matcher tag = TAG.matcher(sent.text());
            String t = tag.find() ? tag.group(1) : "?";
            Matcher m = MARKER.matcher(sent.text());
            while (m.find()) {
                counts.merge(m.group() + "#" + t, 1, Integer::sum);
            }
        }
        return counts;
    }

    /** Per contact, in delivery order: the answers' messages only move forward, part #1 before #2. */
    void assertPerConversationOrder() {
        Map<String, List<int[]>> perContact = new TreeMap<>();
        for (EvolutionFixture.SentText sent : evolution.sent()) {
            Matcher tag = TAG.matcher(sent.text());
            int t = tag.find() ? Integer.parseInt(tag.group(1)) : -1;
            Matcher m = MARKER.matcher(sent.text());
            int first = Integer.MAX_VALUE;
            while (m.find()) {
                first = Math.min(first, Integer.parseInt(m.group(2)));
            }
            perContact.computeIfAbsent(sent.instance() + "/" + sent.number(), k -> new ArrayList<>())
                    .add(new int[] {first, t});
        }
        perContact.forEach((contact, seq) -> {
            for (int i = 1; i < seq.size(); i++) {
                int[] a = seq.get(i - 1);
                int[] b = seq.get(i);
                boolean forward = b[0] > a[0] || (b[0] == a[0] && b[1] > a[1]);
                assertThat(forward).as("order of answers to %s: %s", contact,
                        seq.stream().map(x -> x[0] + "#" + x[1]).toList()).isTrue();
            }
        });
    }

    /** Like Evolution: POST the webhook until a 2xx arrives (connection refused and 503 while the gateway is down). */
    void deliverUntilAcknowledged(int conv, int seq) {
        String instance = INSTANCES[conv % INSTANCES.length];
        String phone = "55219" + String.format("%08d", 70000000 + conv);
        String body = Payloads.fixture("01-text-conversation.json").instance(instance)
                .id(String.format("3ACRASH%05d%04d", conv, seq))
                .remoteJid(phone + "@s.whatsapp.net").remoteJidAlt(phone + "@s.whatsapp.net")
                .text("Pergunta m:" + conv + ":" + seq).json();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/webhooks/evolution"))
                        .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                        .header("Authorization", "Bearer t").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() / 100 == 2) {
                    return;
                }
            } catch (IOException e) {
                // down or killed mid-request: Evolution retries
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            GatewayProcess.sleep(200);
        }
        throw new AssertionError("webhook m:" + conv + ":" + seq + " never acknowledged");
    }

    static boolean waitUntil(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            GatewayProcess.sleep(5);
        }
        return false;
    }
}
