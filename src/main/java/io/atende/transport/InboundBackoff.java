package io.atende.transport;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How long the Kafka inbound consumer waits when PostgreSQL cannot store a record, before the failure goes back to
 * camel-kafka, which (breakOnFirstError) polls the same record again: 0.5 s, doubled with each failure in a row up to
 * ATENDE_KAFKA_DB_BACKOFF_MAX_MS. The first record stored afterwards resets it.
 * <p>
 * The wait runs on the consumer thread, inside the route: nothing is polled, committed or skipped meanwhile, and
 * Kafka's heartbeat thread keeps the partitions assigned. It is bounded ({@link #LONGEST_MAX}) so that, with the
 * failed attempt, the consumer polls again well within max.poll.interval.ms (300 s) and the group never evicts it.
 * <p>
 * One state for the replica, as PostgreSQL is one: a failure on any consumer thread lengthens the next wait, a record
 * stored by any of them resets it and wakes the others.
 * <p>
 * Meters: {@code atende_kafka_inbound_backoff_seconds} (the current wait, 0 while records are stored) and
 * {@code atende_kafka_inbound_backoffs_total} (waits begun).
 */
public final class InboundBackoff {

    private static final Logger LOG = LoggerFactory.getLogger(InboundBackoff.class);

    static final Duration FIRST_WAIT = Duration.ofMillis(500);
    /** The largest ATENDE_KAFKA_DB_BACKOFF_MAX_MS: the failed attempt and the wait stay far below 300 s between polls. */
    static final Duration LONGEST_MAX = Duration.ofMinutes(2);

    /** Waits on the consumer thread. */
    public interface Sleeper {
        /** Returns after {@code wait}, or earlier when woken. */
        void sleep(Duration wait) throws InterruptedException;

        /** Ends the sleeps in progress: PostgreSQL stored a record again. */
        default void wakeUp() {
        }
    }

    private final Duration first;
    private final Duration max;
    private final Sleeper sleeper;
    private final AtomicInteger failuresInARow = new AtomicInteger();
    private final AtomicLong currentWaitMillis = new AtomicLong();
    private final Counter waits;

    /**
     * @param max the longest wait, at most {@link #LONGEST_MAX}; the first is 0.5 s (or {@code max}, if shorter)
     */
    public InboundBackoff(Duration max, MeterRegistry registry, Sleeper sleeper) {
        if (max.isNegative() || max.isZero() || max.compareTo(LONGEST_MAX) > 0) {
            throw new IllegalArgumentException("atende.kafka.db-backoff-max-ms must be between 1 and "
                    + LONGEST_MAX.toMillis() + " (the consumer must poll within Kafka's max.poll.interval.ms), got "
                    + max.toMillis());
        }
        this.first = FIRST_WAIT.compareTo(max) < 0 ? FIRST_WAIT : max;
        this.max = max;
        this.sleeper = sleeper;
        Gauge.builder("atende.kafka.inbound.backoff", currentWaitMillis, ms -> ms.get() / 1000.0)
                .description("Current wait of the Kafka inbound consumer before it polls again a record PostgreSQL"
                        + " could not store (0 while records are stored)")
                .baseUnit("seconds")
                .register(registry);
        this.waits = Counter.builder("atende.kafka.inbound.backoffs")
                .description("Waits of the Kafka inbound consumer because PostgreSQL could not store a record")
                .register(registry);
    }

    /**
     * PostgreSQL could not store the record: waits, doubling with each failure in a row, then returns so that the
     * failure goes on to the consumer. An interrupt ends the wait (the gateway is stopping).
     *
     * @param failure the exception caught; only its SQLState is logged (a PostgreSQL message may quote a row, with a
     *                phone number in it)
     */
    public void pause(Throwable failure) {
        int failures = failuresInARow.incrementAndGet();
        Duration wait = waitAfter(failures);
        currentWaitMillis.set(wait.toMillis());
        waits.increment();
        LOG.warn("PostgreSQL could not store an inbound Kafka record (SQLState {}): the consumer waits {} s before "
                + "polling it again (failure {} in a row)", sqlState(failure), wait.toMillis() / 1000.0, failures);
        try {
            sleeper.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A record was stored: the next failure waits 0.5 s again, and consumers still waiting poll at once. */
    public void reset() {
        if (failuresInARow.get() == 0) { // every record passes here: no write while PostgreSQL is healthy
            return;
        }
        int failures = failuresInARow.getAndSet(0);
        if (failures > 0) {
            currentWaitMillis.set(0);
            LOG.info("PostgreSQL stores inbound Kafka records again (after {} failure(s) in a row)", failures);
            sleeper.wakeUp();
        }
    }

    /** The wait after this many failures in a row (1 for the first): 0.5 s doubled each time, at most the maximum. */
    Duration waitAfter(int failures) {
        int doublings = Math.min(Math.max(failures, 1) - 1, 30); // 2^30 half-seconds exceed any allowed maximum
        Duration wait = first.multipliedBy(1L << doublings);
        return wait.compareTo(max) > 0 ? max : wait;
    }

    /** The current wait, zero while records are stored. */
    Duration currentWait() {
        return Duration.ofMillis(currentWaitMillis.get());
    }

    private static String sqlState(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return "unknown";
    }

    /**
     * The gateway's sleeper: a wait on a monitor, so that {@link #wakeUp} (a record stored) and {@link #close} (the
     * gateway stopping: this and every later sleep return at once) end it early. A consumer waiting out 30 s would
     * otherwise hold up the shutdown (ATENDE_SHUTDOWN_S, 30 s by default).
     */
    public static final class WakeableSleeper implements Sleeper {

        private long wakeUps; // guarded by this
        private boolean closed; // guarded by this

        @Override
        public synchronized void sleep(Duration wait) throws InterruptedException {
            long seen = wakeUps;
            long deadline = System.nanoTime() + wait.toNanos();
            for (long left = wait.toNanos(); left > 0 && !closed && wakeUps == seen; left = deadline - System.nanoTime()) {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        @Override
        public synchronized void wakeUp() {
            wakeUps++;
            notifyAll();
        }

        /** The gateway is stopping: sleeps in progress end, later ones return at once. */
        public synchronized void close() {
            closed = true;
            notifyAll();
        }
    }
}
