package io.atende.painel;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Failed Painel sign-ins per client address: after {@code maxFailures} within {@code window}, that address is refused
 * (429 with Retry-After) until its oldest failure leaves the window. Per replica, in memory: a guesser spread over
 * replicas gets a few more tries, each against a 256-bit token.
 */
public final class LoginRateLimiter {

    /** Addresses remembered at most; the oldest is forgotten first (a flood of addresses cannot grow the heap). */
    static final int MAX_ADDRESSES = 10_000;

    private final int maxFailures;
    private final Duration window;
    private final Clock clock;
    private final Map<String, Deque<Instant>> failures = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Deque<Instant>> eldest) {
            return size() > MAX_ADDRESSES;
        }
    };

    public LoginRateLimiter(int maxFailures, Duration window, Clock clock) {
        if (maxFailures < 1 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("maxFailures must be at least 1 and window positive");
        }
        this.maxFailures = maxFailures;
        this.window = window;
        this.clock = clock;
    }

    /** @throws PainelException 429 while the address has had too many failures in the window */
    public synchronized void check(String address) {
        Deque<Instant> recent = recent(address);
        if (recent != null && recent.size() >= maxFailures) {
            Instant free = recent.peekFirst().plus(window);
            long seconds = Math.max(1, (Duration.between(clock.instant(), free).toMillis() + 999) / 1000);
            throw PainelException.tooManyLogins((int) Math.min(Integer.MAX_VALUE, seconds));
        }
    }

    public synchronized void failed(String address) {
        Deque<Instant> recent = recent(address);
        if (recent == null) {
            recent = new ArrayDeque<>();
            failures.put(address, recent);
        }
        recent.addLast(clock.instant());
        while (recent.size() > maxFailures) {
            recent.removeFirst();
        }
    }

    public synchronized void succeeded(String address) {
        failures.remove(address);
    }

    /** The address's failures still in the window, oldest first; null when none. */
    private Deque<Instant> recent(String address) {
        Deque<Instant> recent = failures.get(address);
        if (recent == null) {
            return null;
        }
        Instant oldest = clock.instant().minus(window);
        while (!recent.isEmpty() && !recent.peekFirst().isAfter(oldest)) {
            recent.removeFirst();
        }
        if (recent.isEmpty()) {
            failures.remove(address);
            return null;
        }
        return recent;
    }
}
