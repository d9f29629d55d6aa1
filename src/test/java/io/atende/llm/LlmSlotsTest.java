package io.atende.llm;

import dev.langchain4j.data.message.UserMessage;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The slot memory: which slot a call takes, busy and free, reservations (on a hand-driven clock). */
class LlmSlotsTest {

    final AtomicLong clock = new AtomicLong(1_000_000);

    LlmSlots slots(int n) {
        return new LlmSlots(Map.of(LlmSlots.SINGLE, n), true, Duration.ofSeconds(5), clock::get);
    }

    static LlmPrompt.CacheKey key(long instance, long conversation) {
        return new LlmPrompt.CacheKey(instance, conversation);
    }

    static int ran(LlmSlots memory, LlmPrompt.CacheKey key) {
        try (LlmSlots.Hold hold = memory.take(LlmSlots.SINGLE, key)) {
            return hold.slot().index();
        }
    }

    @Test
    void aCallTakesItsConversationsSlotElseItsNumbersElseTheLeastRecentlyUsed() {
        LlmSlots memory = slots(3);
        assertThat(ran(memory, key(1, 10))).isEqualTo(0);
        assertThat(ran(memory, key(2, 20))).as("never used first").isEqualTo(1);
        assertThat(ran(memory, key(3, 30))).isEqualTo(2);
        assertThat(ran(memory, key(9, 90))).as("least recently used").isEqualTo(0);
        assertThat(ran(memory, key(2, 21))).as("same number").isEqualTo(1);
        assertThat(ran(memory, key(2, 20))).as("same number, its last conversation gone").isEqualTo(1);
        assertThat(ran(memory, key(3, 30))).as("same conversation").isEqualTo(2);
        // two slots served number 2: the one that served this very conversation beats the more recent one
        try (LlmSlots.Hold busy = memory.take(LlmSlots.SINGLE, key(2, 20))) {
            assertThat(busy.slot().index()).isEqualTo(1);
            assertThat(ran(memory, key(2, 22))).as("its number's slot busy: least recently used").isEqualTo(0);
        }
        assertThat(ran(memory, key(2, 20))).isEqualTo(1);
        assertThat(ran(memory, key(2, 22))).as("same conversation over the number's later slot").isEqualTo(0);
        assertThat(memory.slots()).extracting(LlmSlots.Slot::conversationId).containsExactly(22L, 20L, 30L);
        assertThat(ran(memory, null)).as("no key: least recently used").isEqualTo(2);
        assertThat(memory.slots().get(2).conversationId()).isNull();
    }

    @Test
    void aBusySlotIsNotFreeUntilItsCallEndsAndClosingTwiceFreesOnce() {
        LlmSlots memory = slots(2);
        LlmSlots.Hold one = memory.take(LlmSlots.SINGLE, key(1, 10));
        LlmSlots.Hold two = memory.take(LlmSlots.SINGLE, key(1, 10));
        assertThat(two.slot().index()).as("the busy slot is skipped").isEqualTo(1);
        assertThat(memory.busy(LlmSlots.SINGLE)).isEqualTo(2);
        assertThat(memory.free().slots()).isEmpty();
        LlmSlots.Hold three = memory.take(LlmSlots.SINGLE, key(1, 10));
        assertThat(three.slot()).as("more calls than slots: untracked").isNull();
        three.close();
        one.close();
        one.close();
        assertThat(memory.busy(LlmSlots.SINGLE)).isEqualTo(1);
        assertThat(memory.free().slots()).singleElement().isEqualTo(new LlmSlots.Slot(LlmSlots.SINGLE, 0, 1L, 10L));
        two.close();
        assertThat(memory.free().instanceIds()).containsExactly(1L, 1L);
    }

    @Test
    void aSlotIsFreedWhenTheCallFails() {
        LlmSlots memory = slots(1);
        LlmClient failing = memory.around(LlmSlots.SINGLE, prompt -> {
            throw new IllegalStateException("timeout");
        });
        LlmPrompt prompt = new LlmPrompt(List.of(UserMessage.from("oi")), null, key(4, 40));
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> failing.chat(prompt)).hasMessage("timeout");
        }
        assertThat(memory.busy(LlmSlots.SINGLE)).isZero();
        assertThat(memory.free().conversationIds()).containsExactly(40L);
    }

    @Test
    void aClaimedTurnReservesItsSlotUntilItsCallStartsOrTheReservationExpires() {
        LlmSlots memory = slots(3);
        ran(memory, key(1, 10));
        ran(memory, key(2, 20));
        LlmSlots.Free free = memory.free();
        assertThat(free.conversationIds()).containsExactly(10L, 20L, null);

        // the claim matched conversation 20 to slot 1; a round robin pick takes the never used slot 2
        memory.assign(free, List.of(new LlmSlots.Pick(20, 1), new LlmSlots.Pick(77, null)));
        assertThat(memory.free().slots()).extracting(LlmSlots.Slot::index).containsExactly(0);
        assertThat(memory.preferredBackend(key(9, 77))).isEqualTo(LlmSlots.SINGLE);
        // another call of number 2 leaves slot 1 to the turn it is reserved for
        assertThat(ran(memory, key(2, 21))).isEqualTo(0);
        assertThat(ran(memory, key(9, 77))).as("its reservation").isEqualTo(2);
        assertThat(ran(memory, key(2, 20))).as("its reservation").isEqualTo(1);

        // a turn that never reached the LLM: its slot is free again after the reservation's time
        memory.assign(memory.free(), List.of(new LlmSlots.Pick(55, 0)));
        assertThat(memory.free().slots()).extracting(LlmSlots.Slot::index).containsExactly(1, 2);
        clock.addAndGet(4_999);
        assertThat(memory.free().slots()).extracting(LlmSlots.Slot::index).containsExactly(1, 2);
        clock.addAndGet(1);
        assertThat(memory.free().slots()).extracting(LlmSlots.Slot::index).containsExactly(0, 1, 2);
    }

    @Test
    void roundRobinPicksTakeTheSlotsNoOtherPickMatchedLeastRecentlyUsedFirst() {
        LlmSlots memory = slots(3);
        ran(memory, key(1, 10));
        ran(memory, key(2, 20));
        ran(memory, key(3, 30));
        LlmSlots.Free free = memory.free();
        // the first pick matched slot 0 (least recently used): the round robin ones take 1, then 2
        memory.assign(free, List.of(new LlmSlots.Pick(88, null), new LlmSlots.Pick(10, 0), new LlmSlots.Pick(99, null)));
        assertThat(ran(memory, key(5, 88))).isEqualTo(1);
        assertThat(ran(memory, key(5, 99))).isEqualTo(2);
        assertThat(ran(memory, key(1, 10))).isEqualTo(0);
    }

    @Test
    void withAffinityOffTheClaimIsToldNothing() {
        LlmSlots memory = new LlmSlots(Map.of(LlmSlots.SINGLE, 2), false, Duration.ofSeconds(5), clock::get);
        ran(memory, key(1, 10));
        assertThat(memory.free()).isEqualTo(LlmSlots.Free.NONE);
        assertThat(memory.preferredBackend(key(1, 10))).isNull();
    }

    @Test
    void severalBackendsKeepTheirOwnSlots() {
        Map<String, Integer> backends = new LinkedHashMap<>();
        backends.put("a:1", 1);
        backends.put("b:1", 2);
        LlmSlots memory = new LlmSlots(backends, true, Duration.ofSeconds(5), clock::get);
        memory.take("b:1", key(1, 10)).close();
        assertThat(memory.preferredBackend(key(1, 10))).isEqualTo("b:1");
        assertThat(memory.preferredBackend(key(1, 11))).isEqualTo("b:1");
        assertThat(memory.preferredBackend(key(2, 20))).isNull();
        try (LlmSlots.Hold hold = memory.take("a:1", key(1, 10))) {
            assertThat(hold.slot().backend()).isEqualTo("a:1");
        }
        assertThat(memory.free().slots()).extracting(LlmSlots.Slot::backend).containsExactly("a:1", "b:1", "b:1");
    }
}
