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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * SIGTERM while an LLM call is in flight: webhooks get 503 (with a JSON body) while the gateway shuts down, the
 * process exits within ATENDE_SHUTDOWN_S plus a small margin (JVM exit, embedded PostgreSQL stop), and after a
 * restart every acknowledged message, the one whose LLM call was cut short included, is answered exactly once.
 */
class GracefulShutdownIT {

    static final int SHUTDOWN_S = 5;
    /** JVM exit and the embedded PostgreSQL's own shutdown, on a busy 2-core CI machine. */
    static final Duration MARGIN = Duration.ofSeconds(10);
    static final String PHONE = "5521977776666";
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dataDir;

    OllamaFixture ollama;
    EvolutionFixture evolution;
    GatewayProcess gateway;

    @AfterEach
    void cleanUp() {
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
    void sigtermWithAnLlmCallInFlightAnswers503ExitsInTimeAndLosesNothing() throws Exception {
        // The model takes a minute: far longer than the shutdown timeout.
        ollama = OllamaFixture.start().processingTime(Duration.ofSeconds(60)).replyWith(CrashRecoveryIT::markerReply);
        evolution = EvolutionFixture.start("k");
        gateway = new GatewayProcess("graceful-shutdown-it", dataDir)
                .env("OLLAMA_BASE_URL", ollama.baseUrl())
                .env("EVOLUTION_BASE_URL", evolution.baseUrl())
                .env("EVOLUTION_API_KEY", "k")
                .env("ATENDE_WEBHOOK_TOKEN", "t")
                .env("ATENDE_ADMIN_TOKEN", "a")
                .env("ATENDE_DEBOUNCE_MS", "0")
                .env("ATENDE_DISPATCH_POLL_MS", "100")
                .env("ATENDE_BUSY_NOTICE_TEXT", "")
                .env("ATENDE_FALLBACK_TEXT", "")
                .env("ATENDE_SHUTDOWN_S", String.valueOf(SHUTDOWN_S))
                .start(Duration.ofSeconds(90));

        Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        assertThat(post(1).statusCode()).isEqualTo(200);
        acknowledged.add(1);
        await().atMost(Duration.ofSeconds(20)).until(() -> ollama.inFlight() == 1);

        // SIGTERM, and keep posting new messages while the gateway goes down.
        long t0 = System.nanoTime();
        gateway.terminate();
        List<HttpResponse<String>> duringShutdown = new CopyOnWriteArrayList<>();
        List<Integer> refused = new ArrayList<>();
        int next = 2;
        while (gateway.alive() && System.nanoTime() - t0 < Duration.ofSeconds(SHUTDOWN_S).plus(MARGIN).toNanos()) {
            try {
                HttpResponse<String> r = post(next);
                duringShutdown.add(r);
                if (r.statusCode() / 100 == 2) {
                    acknowledged.add(next); // acknowledged: it must be answered after the restart
                } else {
                    refused.add(next);
                }
            } catch (IOException e) {
                refused.add(next); // the listener is gone already: Evolution retries
            }
            next++;
            GatewayProcess.sleep(100);
        }
        boolean exited = gateway.waitFor(Duration.ofSeconds(60));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(exited).as("the gateway exited after SIGTERM").isTrue();
        assertThat(took).as("time to exit after SIGTERM (log: %s)", gateway.lastLog())
                .isLessThanOrEqualTo(Duration.ofSeconds(SHUTDOWN_S).plus(MARGIN));
        List<HttpResponse<String>> unavailable = duringShutdown.stream().filter(r -> r.statusCode() == 503).toList();
        assertThat(unavailable).as("webhooks answered 503 while shutting down").isNotEmpty();
        assertThat(unavailable).allSatisfy(r -> {
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("json"));
            assertThat(r.body()).startsWith("{").doesNotContain("Exception").doesNotContain("\tat ");
        });
        // A webhook may still slip in before the gate closes (it is then acknowledged and counted); none after.
        int firstClosed = duringShutdown.indexOf(unavailable.get(0));
        assertThat(duringShutdown.subList(firstClosed, duringShutdown.size())).as("only 503 once intake closed")
                .allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(503));
        assertThat(evolution.sent()).as("the cut LLM call produced no reply").isEmpty();

        // Restart with a quick model; Evolution retries the refused webhooks until they are acknowledged.
        ollama.processingTime(Duration.ofMillis(100));
        gateway.start(Duration.ofSeconds(90));
        for (int id : refused) {
            assertThat(post(id).statusCode()).isEqualTo(200);
            acknowledged.add(id);
        }
        Set<String> expected = new java.util.TreeSet<>();
        acknowledged.forEach(id -> expected.add("m:1:" + id));
        await().atMost(Duration.ofSeconds(60)).until(() -> delivered().keySet().containsAll(expected));
        int settled = evolution.sent().size();
        GatewayProcess.sleep(2000);
        assertThat(evolution.sent()).hasSize(settled);
        assertThat(delivered()).as("one answer per acknowledged message").containsOnlyKeys(expected)
                .allSatisfy((marker, n) -> assertThat(n).as(marker).isEqualTo(1));
        java.util.regex.Pattern first = java.util.regex.Pattern.compile("m:1:1(?!\\d)");
        assertThat(ollama.calls().stream().filter(c -> first.matcher(c.lastUserContent()).find()).count())
                .as("the message whose LLM call was cut short is asked again").isGreaterThanOrEqualTo(2);
        System.out.printf("GracefulShutdownIT: exited %d ms after SIGTERM, %d webhooks got 503 meanwhile, %d messages answered%n",
                took.toMillis(), unavailable.size(), expected.size());
    }

    Map<String, Integer> delivered() {
        Map<String, Integer> counts = new TreeMap<>();
        for (EvolutionFixture.SentText sent : evolution.sent()) {
            Matcher m = CrashRecoveryIT.MARKER.matcher(sent.text());
            while (m.find()) {
                counts.merge(m.group(), 1, Integer::sum);
            }
        }
        return counts;
    }

    HttpResponse<String> post(int id) throws IOException, InterruptedException {
        String body = Payloads.fixture("01-text-conversation.json").instance("loja")
                .id(String.format("3AGRACE%013d", id))
                .remoteJid(PHONE + "@s.whatsapp.net").remoteJidAlt(PHONE + "@s.whatsapp.net")
                .text("Pergunta m:1:" + id).json();
        return HTTP.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/webhooks/evolution"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer t").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
