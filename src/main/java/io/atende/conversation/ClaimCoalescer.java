package io.atende.conversation;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Coalesces requests for a round of work (a claim) inside one JVM: at most one round runs at a time, a request
 * made while a round runs returns at once with nothing, and the running caller does one more round for it before
 * returning. A request is never lost: every request is followed by a round that starts after it.
 */
final class ClaimCoalescer<T> {

    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean requested = new AtomicBoolean();

    /**
     * @param round          one round of work; its results are returned to this caller
     * @param onLaterFailure told when a round fails after earlier rounds of this call produced results (those are
     *                       still returned, since they must be handed out); a failing first round throws
     */
    List<T> request(Supplier<List<T>> round, Consumer<RuntimeException> onLaterFailure) {
        requested.set(true);
        List<T> results = new ArrayList<>();
        while (requested.get() && running.compareAndSet(false, true)) {
            try {
                while (requested.getAndSet(false)) {
                    results.addAll(round.get());
                }
            } catch (RuntimeException e) {
                if (results.isEmpty()) {
                    throw e;
                }
                onLaterFailure.accept(e);
            } finally {
                running.set(false);
            }
        }
        return results;
    }
}
