package io.atende.conversation;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class ClaimCoalescerTest {

    private static final Duration PATIENCE = Duration.ofSeconds(10);

    @Test
    void requestsDuringARoundReturnAtOnceAndTheRunningCallerServesThemWithOneMoreRound() throws Exception {
        ClaimCoalescer<String> coalescer = new ClaimCoalescer<>();
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        AtomicInteger rounds = new AtomicInteger();

        CompletableFuture<List<String>> first = CompletableFuture.supplyAsync(() -> coalescer.request(() -> {
            int n = rounds.incrementAndGet();
            if (n == 1) {
                firstStarted.countDown();
                await(releaseFirst);
            }
            return List.of("round-" + n);
        }, e -> { }));
        assertThat(firstStarted.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();

        for (int i = 0; i < 5; i++) {
            List<String> got = assertTimeoutPreemptively(PATIENCE,
                    () -> coalescer.request(() -> List.of("never"), e -> { }));
            assertThat(got).isEmpty();
        }
        releaseFirst.countDown();

        assertThat(first.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).containsExactly("round-1", "round-2");
        assertThat(rounds).hasValue(2);
    }

    @Test
    void everyRequestIsFollowedByARoundThatStartsAfterItAndRoundsNeverOverlap() throws Exception {
        ClaimCoalescer<Long> coalescer = new ClaimCoalescer<>();
        AtomicLong clock = new AtomicLong();
        AtomicLong lastRoundStart = new AtomicLong();
        AtomicLong lastRequest = new AtomicLong();
        AtomicInteger inRound = new AtomicInteger();
        AtomicInteger maxInRound = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 500; i++) {
                    lastRequest.accumulateAndGet(clock.incrementAndGet(), Math::max);
                    coalescer.request(() -> {
                        maxInRound.accumulateAndGet(inRound.incrementAndGet(), Math::max);
                        lastRoundStart.accumulateAndGet(clock.incrementAndGet(), Math::max);
                        Thread.yield();
                        inRound.decrementAndGet();
                        return List.of();
                    }, e -> { });
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join(PATIENCE.toMillis());
            assertThat(thread.isAlive()).isFalse();
        }
        // Round starts only grow, so the last request being followed by a round covers every request.
        assertThat(lastRoundStart.get()).isGreaterThan(lastRequest.get());
        assertThat(maxInRound).hasValue(1);
    }

    @Test
    void aFailingFirstRoundThrowsAndTheNextRequestRunsAgain() {
        ClaimCoalescer<String> coalescer = new ClaimCoalescer<>();
        assertThatThrownBy(() -> coalescer.request(() -> {
            throw new IllegalStateException("database down");
        }, e -> { })).hasMessage("database down");

        assertThat(coalescer.request(() -> List.of("ok"), e -> { })).containsExactly("ok");
    }

    @Test
    void aLaterFailingRoundKeepsTheResultsAlreadyClaimed() throws Exception {
        ClaimCoalescer<String> coalescer = new ClaimCoalescer<>();
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        AtomicInteger rounds = new AtomicInteger();
        AtomicReference<RuntimeException> reported = new AtomicReference<>();

        CompletableFuture<List<String>> first = CompletableFuture.supplyAsync(() -> coalescer.request(() -> {
            if (rounds.incrementAndGet() == 1) {
                firstStarted.countDown();
                await(releaseFirst);
                return List.of("turn-a");
            }
            throw new IllegalStateException("connection lost");
        }, reported::set));
        assertThat(firstStarted.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(coalescer.request(() -> List.of("never"), e -> { })).isEmpty();
        releaseFirst.countDown();

        assertThat(first.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).containsExactly("turn-a");
        assertThat(reported.get()).hasMessage("connection lost");
        assertThat(coalescer.request(() -> List.of("after"), e -> { })).containsExactly("after");
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
