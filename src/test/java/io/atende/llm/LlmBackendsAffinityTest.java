package io.atende.llm;

import dev.langchain4j.data.message.UserMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A conversation sticks to the backend whose slot holds its prefix, and spills over when that one is busy or open. */
class LlmBackendsAffinityTest {

    final Map<String, LlmBackendsTest.Stub> stubs = new ConcurrentHashMap<>();
    // a has one slot, b two: without affinity every call with both idle goes to b (most free)
    final List<LlmBackends.Spec> specs = LlmBackends.parse("OLLAMA_BASE_URLS", "http://a:1#1,http://b:1#2");
    final LlmSlots memory = LlmSlots.of(specs, true);
    final LlmBackends backends = LlmBackends.create("ollama", specs,
            url -> stubs.computeIfAbsent(url, u -> new LlmBackendsTest.Stub(u.substring(7, 8))),
            LlmBackendsTest.BREAKER, new SimpleMeterRegistry(), memory);

    static LlmPrompt ask(long instance, long conversation) {
        return new LlmPrompt(List.of(UserMessage.from("oi")), null, new LlmPrompt.CacheKey(instance, conversation));
    }

    @Test
    void aConversationGoesBackToTheBackendHoldingItsPrefix() {
        assertThat(backends.chat(ask(9, 90)).text()).as("no memory: most free").isEqualTo("b");
        memory.take("a:1", new LlmPrompt.CacheKey(1, 10)).close();

        assertThat(backends.chat(ask(1, 10)).text()).as("its conversation").isEqualTo("a");
        assertThat(backends.chat(ask(1, 11)).text()).as("its number").isEqualTo("a");
        assertThat(backends.chat(ask(2, 20)).text()).isEqualTo("b");
        assertThat(backends.chat(new LlmPrompt(List.of(UserMessage.from("oi")))).text()).as("no key").isEqualTo("b");
        assertThat(memory.busy("a:1") + memory.busy("b:1")).isZero();
    }

    @Test
    void aReservedSlotsBackendGoesFirst() {
        LlmSlots.Free free = memory.free();
        assertThat(free.slots()).extracting(LlmSlots.Slot::backend).containsExactly("a:1", "b:1", "b:1");
        memory.assign(free, List.of(new LlmSlots.Pick(50, 0)));
        assertThat(backends.chat(ask(5, 50)).text()).isEqualTo("a");
    }

    @Test
    void itSpillsOverWhenItsBackendIsBusyOrOpen() throws Exception {
        memory.take("a:1", new LlmPrompt.CacheKey(1, 10)).close();
        LlmBackendsTest.Stub a = stubs.get("http://a:1");
        CountDownLatch release = new CountDownLatch(1);
        a.hold = release;
        Thread held = new Thread(() -> backends.chat(ask(1, 10)));
        held.start();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (backends.backends().get(0).inFlight() < 1 && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertThat(backends.chat(ask(1, 11)).text()).as("its backend is busy").isEqualTo("b");
        release.countDown();
        held.join(5000);
        a.hold = null;

        backends.backends().get(0).breaker().transitionToOpenState();
        assertThat(backends.chat(ask(1, 10)).text()).as("its backend's breaker is open").isEqualTo("b");
        assertThat(memory.busy("a:1") + memory.busy("b:1")).isZero();
    }
}
