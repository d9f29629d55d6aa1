package io.atende.transport;

import io.atende.store.StoreUnavailableException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** The waits are recorded by a sleeper that does not sleep: nothing here depends on the wall clock. */
class InboundBackoffTest {

    static final StoreUnavailableException DOWN =
            new StoreUnavailableException(new SQLException("Connection to localhost:5432 refused", "08001"));

    final MeterRegistry meters = new SimpleMeterRegistry();

    /** Records each wait asked for, and each wake-up. */
    static final class RecordingSleeper implements InboundBackoff.Sleeper {
        final List<Duration> waits = new ArrayList<>();
        int wakeUps;

        @Override
        public void sleep(Duration wait) {
            waits.add(wait);
        }

        @Override
        public void wakeUp() {
            wakeUps++;
        }
    }

    double currentSeconds() {
        return meters.get("atende.kafka.inbound.backoff").gauge().value();
    }

    double waitsBegun() {
        return meters.get("atende.kafka.inbound.backoffs").counter().count();
    }

    @Test
    void eachFailureInARowDoublesTheWaitUpToTheMaximum() {
        RecordingSleeper sleeper = new RecordingSleeper();
        InboundBackoff backoff = new InboundBackoff(Duration.ofSeconds(5), meters, sleeper);

        for (int i = 0; i < 6; i++) {
            backoff.pause(DOWN);
        }

        assertThat(sleeper.waits).containsExactly(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(4), Duration.ofSeconds(5), Duration.ofSeconds(5));
        assertThat(currentSeconds()).isEqualTo(5.0);
        assertThat(waitsBegun()).isEqualTo(6.0);
    }

    @Test
    void aStoredRecordResetsTheWaitAndWakesTheWaitingConsumers() {
        RecordingSleeper sleeper = new RecordingSleeper();
        InboundBackoff backoff = new InboundBackoff(Duration.ofSeconds(30), meters, sleeper);
        backoff.pause(DOWN);
        backoff.pause(DOWN);
        backoff.pause(DOWN);
        assertThat(currentSeconds()).isEqualTo(2.0);

        backoff.reset();

        assertThat(currentSeconds()).isZero();
        assertThat(sleeper.wakeUps).isEqualTo(1);
        backoff.pause(DOWN);
        assertThat(sleeper.waits).containsExactly(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofMillis(500));
        assertThat(currentSeconds()).isEqualTo(0.5);
        assertThat(waitsBegun()).isEqualTo(4.0);
    }

    @Test
    void whileRecordsAreStoredTheGaugeReadsZeroAndNobodyIsWoken() {
        RecordingSleeper sleeper = new RecordingSleeper();
        InboundBackoff backoff = new InboundBackoff(Duration.ofSeconds(30), meters, sleeper);

        backoff.reset();
        backoff.reset();

        assertThat(currentSeconds()).isZero();
        assertThat(waitsBegun()).isZero();
        assertThat(sleeper.wakeUps).isZero();
    }

    @Test
    void theWaitNeverOverflowsAndAMaximumUnderHalfASecondIsTheFirstWaitToo() {
        InboundBackoff thirtySeconds = new InboundBackoff(Duration.ofSeconds(30), meters, new RecordingSleeper());
        assertThat(thirtySeconds.waitAfter(1)).isEqualTo(Duration.ofMillis(500));
        assertThat(thirtySeconds.waitAfter(7)).isEqualTo(Duration.ofSeconds(30)); // 32 s capped
        assertThat(thirtySeconds.waitAfter(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(30));

        InboundBackoff short_ = new InboundBackoff(Duration.ofMillis(200), new SimpleMeterRegistry(), new RecordingSleeper());
        assertThat(short_.waitAfter(1)).isEqualTo(Duration.ofMillis(200));
        assertThat(short_.waitAfter(2)).isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void theMaximumKeepsTheConsumerWithinKafkasPollInterval() {
        assertThatThrownBy(() -> new InboundBackoff(Duration.ofMinutes(3), meters, new RecordingSleeper()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max.poll.interval.ms");
        assertThatThrownBy(() -> new InboundBackoff(Duration.ZERO, meters, new RecordingSleeper()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anInterruptedWaitEndsAndKeepsTheInterrupt() {
        InboundBackoff backoff = new InboundBackoff(Duration.ofSeconds(30), meters, wait -> {
            throw new InterruptedException();
        });

        backoff.pause(DOWN);

        assertThat(Thread.interrupted()).isTrue(); // also clears it for the next test
    }

    // ------------------------------------------------------------------ the gateway's sleeper

    @Test
    void theGatewaysSleeperWakesWhenARecordIsStored() throws Exception {
        InboundBackoff.WakeableSleeper sleeper = new InboundBackoff.WakeableSleeper();
        Thread consumer = new Thread(() -> {
            try {
                sleeper.sleep(Duration.ofHours(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        consumer.start();
        awaitWaiting(consumer);

        sleeper.wakeUp();

        consumer.join(Duration.ofSeconds(30).toMillis());
        assertThat(consumer.isAlive()).as("still asleep after the wake-up").isFalse();
    }

    @Test
    void onceClosedTheGatewaysSleeperNeverWaits() {
        InboundBackoff.WakeableSleeper sleeper = new InboundBackoff.WakeableSleeper();

        sleeper.close();

        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> sleeper.sleep(Duration.ofHours(1)));
    }

    /** Until the thread is inside its timed wait (it holds no monitor then, and has read the wake-up count). */
    static void awaitWaiting(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (t.getState() != Thread.State.TIMED_WAITING) {
            assertThat(System.nanoTime()).as("the thread never started waiting").isLessThan(deadline);
            Thread.sleep(1);
        }
    }
}
