package io.atende.reply;

import io.atende.profile.EffectiveProfile;

import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One sendText attempt as the delivery route performs it: open the attempt (behind the instance's breaker), build the
 * request, then classify Evolution's answer. Every attempt is recorded, whatever its outcome.
 */
public final class EvolutionDelivery {

    private final DeliveryStore store;
    private final EvolutionSendText contract;
    private final EvolutionBreakers breakers;
    private final Function<String, EffectiveProfile> profiles;

    /** @param profiles the effective profile of an instance ({@code InstanceProfiles::of}), for a part's pause */
    public EvolutionDelivery(DeliveryStore store, EvolutionSendText contract, EvolutionBreakers breakers,
                             Function<String, EffectiveProfile> profiles) {
        this.store = store;
        this.contract = contract;
        this.breakers = breakers;
        this.profiles = profiles;
    }

    /**
     * The attempt this send goes out as: the one the delivery's first statement opened, or a new one (after Evolution
     * was asked about an earlier attempt). When the instance's send breaker is open the attempt is recorded as
     * {@code breaker_open} and the send fails fast, to be retried with the backoff.
     *
     * @throws SendFailedException when the breaker is open
     */
    public Delivery open(Delivery d) {
        Delivery attempt = d.attemptId() != null ? d : d.attempt(store.attemptStarted(d.part()), System.nanoTime());
        if (!breakers.forInstance(d.part().instance()).tryAcquirePermission()) {
            store.attemptFinished(attempt.attemptId(), null, "breaker_open", "send breaker open for this instance",
                    attempt.startedNanos());
            throw new SendFailedException("Evolution API send breaker for instance " + d.part().instance() + " is open");
        }
        return attempt;
    }

    /** {@code {"number": ..., "text": ...}}, and the {@code "delay"} of {@link #pauseBefore} when there is one. */
    public String requestBody(Delivery d) {
        return contract.requestBody(d.part(), pauseBefore(d.part()));
    }

    /**
     * How long "digitando…" shows before this part, in milliseconds: for the second and later parts of an answer,
     * its number's {@code split.msPerChar} per character of the part, clamped to 0.5–4 s (the profile as it is at
     * this attempt); 0 for notices and for the first part, whose "digitando…" is the one shown while the model
     * writes.
     */
    long pauseBefore(OutboundMessage part) {
        if (!"answer".equals(part.kind()) || part.partIndex() == 0) {
            return 0;
        }
        return profiles.apply(part.instance()).split().pauseMillis(part.text().length());
    }

    /**
     * The HTTP exchange failed before any answer (refused, reset, timed out): recorded, and the route retries. A
     * request that never connected cannot have been sent; any other may have reached Evolution, and the next attempt
     * asks Evolution about it first (SendReconciler).
     *
     * @throws SendFailedException always
     */
    public Delivery transportFailed(Delivery d, Exception cause) {
        String error = cause == null ? "transport error" : cause.getClass().getSimpleName() + ": " + cause.getMessage();
        store.attemptFinished(d.attemptId(), null, neverConnected(cause) ? "not_connected" : "retry", error,
                d.startedNanos());
        breakerError(d, cause);
        throw new SendFailedException("Evolution API unreachable: " + error);
    }

    /** Connection refused, connect timeout, unknown host: the request never left this machine. */
    static boolean neverConnected(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
                    || t instanceof java.net.NoRouteToHostException
                    || t.getClass().getSimpleName().equals("ConnectTimeoutException")) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /**
     * Evolution's answer: 201 means sent (its {@code key.id} is kept to recognise the echo).
     *
     * @throws SendRejectedException for answers no retry can fix (the route gives the part up at once)
     * @throws SendFailedException   for answers worth retrying
     */
    public Delivery answered(Delivery d, Integer status, String body) {
        int code = status == null ? 0 : status;
        try {
            String waId = contract.acceptedId(code, body);
            breakerSuccess(d);
            store.attemptFinished(d.attemptId(), code, "accepted", null, d.startedNanos());
            store.sent(d.part(), waId);
            return d.with(Delivery.Verdict.SENT);
        } catch (SendRejectedException e) {
            breakerSuccess(d); // the instance answered; it is the message that cannot go
            store.attemptFinished(d.attemptId(), code, "rejected", e.getMessage(), d.startedNanos());
            throw e;
        } catch (SendFailedException e) {
            breakerError(d, e);
            store.attemptFinished(d.attemptId(), code, "retry", e.getMessage(), d.startedNanos());
            throw e;
        }
    }

    private void breakerSuccess(Delivery d) {
        breakers.forInstance(d.part().instance()).onSuccess(System.nanoTime() - d.startedNanos(), TimeUnit.NANOSECONDS);
    }

    private void breakerError(Delivery d, Throwable error) {
        breakers.forInstance(d.part().instance()).onError(System.nanoTime() - d.startedNanos(), TimeUnit.NANOSECONDS,
                error == null ? new SendFailedException("transport error") : error);
    }
}
