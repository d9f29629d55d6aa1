package io.atende.llm;

import dev.langchain4j.data.message.UserMessage;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Parsing of OLLAMA_BASE_URLS / OPENAI_BASE_URLS and the dispatch rules, with stand-in clients (no network). */
class LlmBackendsTest {

    static final LlmBackends.BreakerSettings BREAKER = new LlmBackends.BreakerSettings(50, 2, 4, Duration.ofSeconds(60));

    /** A stand-in client: answers with its name, or fails while {@code down} says so. */
    static final class Stub implements LlmClient {
        final String name;
        volatile boolean down;
        volatile CountDownLatch hold;
        final List<String> seen = new ArrayList<>();

        Stub(String name) {
            this.name = name;
        }

        @Override
        public LlmAnswer chat(LlmPrompt request) {
            synchronized (seen) {
                seen.add(request.messages().get(0).toString());
            }
            if (down) {
                throw new RuntimeException(name + " is down");
            }
            CountDownLatch h = hold;
            if (h != null) {
                try {
                    h.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return LlmAnswer.of(name, 1, 1, 1, null);
        }
    }

    static LlmPrompt ask() {
        return new LlmPrompt(List.of(UserMessage.from("oi")));
    }

    @Test
    void parsesUrlsWithSlots() {
        List<LlmBackends.Spec> specs = LlmBackends.parse("OLLAMA_BASE_URLS", " http://a:11434#2 , http://b:11434#1,https://c ");
        assertThat(specs).extracting(LlmBackends.Spec::baseUrl).containsExactly("http://a:11434", "http://b:11434", "https://c");
        assertThat(specs).extracting(LlmBackends.Spec::slots).containsExactly(2, 1, 1);
        assertThat(specs).extracting(LlmBackends.Spec::name).containsExactly("a:11434", "b:11434", "c:443");
        assertThat(LlmBackends.parse("OLLAMA_BASE_URLS", "")).isEmpty();
    }

    @Test
    void rejectsBadSpecs() {
        assertThatThrownBy(() -> LlmBackends.parse("OLLAMA_BASE_URLS", "http://a:11434#x"))
                .hasMessageStartingWith("OLLAMA_BASE_URLS:").hasMessageContaining("whole number");
        assertThatThrownBy(() -> LlmBackends.parse("OLLAMA_BASE_URLS", "http://a:11434#0")).hasMessageContaining("at least one slot");
        assertThatThrownBy(() -> LlmBackends.parse("OLLAMA_BASE_URLS", "a:11434")).hasMessageContaining("http(s)");
        assertThatThrownBy(() -> LlmBackends.parse("OLLAMA_BASE_URLS", "http://a:1#1,http://a:1#2")).hasMessageContaining("twice");
    }

    @Test
    void leastBusyBackendGoesFirstAndTiesGoToTheBigger() throws Exception {
        Map<String, Stub> stubs = new ConcurrentHashMap<>();
        LlmBackends backends = LlmBackends.create("ollama", LlmBackends.parse("OLLAMA_BASE_URLS", "http://a:1#2,http://b:1#3"),
                url -> stubs.computeIfAbsent(url, u -> new Stub(u.substring(7, 8))), BREAKER, new SimpleMeterRegistry());
        assertThat(backends.chat(ask()).text()).isEqualTo("b");
        // Hold two calls: b (3 slots) takes the first, then a and b are tied at 2 free -> b (bigger), then a (2 vs 1).
        Stub a = stubs.get("http://a:1");
        Stub b = stubs.get("http://b:1");
        CountDownLatch release = new CountDownLatch(1);
        a.hold = release;
        b.hold = release;
        List<Thread> threads = new ArrayList<>();
        List<String> answers = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 3; i++) {
            Thread t = new Thread(() -> answers.add(backends.chat(ask()).text()));
            t.start();
            threads.add(t);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            int expected = i + 1;
            while (backends.backends().stream().mapToInt(LlmBackends.Backend::inFlight).sum() < expected
                    && System.nanoTime() < until) {
                Thread.sleep(5);
            }
        }
        assertThat(backends.backends().get(0).inFlight()).as("a").isEqualTo(1);
        assertThat(backends.backends().get(1).inFlight()).as("b").isEqualTo(2);
        release.countDown();
        for (Thread t : threads) {
            t.join(5000);
        }
        assertThat(answers).containsExactlyInAnyOrder("b", "b", "a");
    }

    @Test
    void failsOverAndOpensTheFailingBackendsBreaker() {
        Map<String, Stub> stubs = new ConcurrentHashMap<>();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        LlmBackends backends = LlmBackends.create("ollama", LlmBackends.parse("OLLAMA_BASE_URLS", "http://a:1#2,http://b:1#1"),
                url -> stubs.computeIfAbsent(url, u -> new Stub(u.substring(7, 8))), BREAKER, meters);
        stubs.get("http://a:1").down = true;
        for (int i = 0; i < 4; i++) {
            assertThat(backends.chat(ask()).text()).isEqualTo("b");
        }
        CircuitBreaker a = backends.backends().get(0).breaker();
        assertThat(a.getName()).isEqualTo("ollama-a:1");
        assertThat(a.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(stubs.get("http://a:1").seen).as("open: no more calls to a").hasSize(2);
        assertThat(backends.healthySlots()).isEqualTo(1);
        assertThat(meters.get("atende_llm_backend_calls_total").tags("backend", "a:1", "outcome", "failed").counter().count())
                .isEqualTo(2.0);
        assertThat(meters.get("atende_llm_backend_breaker_state").tags("backend", "a:1").gauge().value()).isEqualTo(2.0);

        stubs.get("http://b:1").down = true;
        assertThatThrownBy(() -> backends.chat(ask())).isInstanceOf(LlmBackends.NoBackendAvailableException.class)
                .hasMessageContaining("b is down");
        assertThat(backends.healthySlots()).as("never below one, so failures surface as fallbacks").isGreaterThanOrEqualTo(1);
    }
}
