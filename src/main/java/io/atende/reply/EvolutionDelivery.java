package io.atende.reply;

import org.apache.camel.Exchange;

/**
 * One sendText attempt as the delivery route performs it: persist the attempt, build the request,
 * then classify Evolution's answer. Every attempt is recorded, whatever its outcome.
 */
public final class EvolutionDelivery {

    static final String OUTBOUND = "atendeOutbound";
    static final String ATTEMPT_ID = "atendeAttemptId";
    static final String STARTED = "atendeAttemptStarted";
    /** URL-encoded instance name, for the endpoint URI. */
    static final String INSTANCE_PATH = "atendeInstancePath";

    private final DeliveryStore store;
    private final EvolutionSendText contract;
    private final String apiKey;

    public EvolutionDelivery(DeliveryStore store, EvolutionSendText contract, String apiKey) {
        this.store = store;
        this.contract = contract;
        this.apiKey = apiKey;
    }

    /** Body in: the {@link OutboundMessage}. Body out: the JSON request, with only the headers Evolution needs. */
    public void prepareAttempt(Exchange exchange) {
        OutboundMessage m = exchange.getMessage().getBody(OutboundMessage.class);
        exchange.setProperty(OUTBOUND, m);
        exchange.setProperty(ATTEMPT_ID, store.attemptStarted(m));
        exchange.setProperty(STARTED, System.nanoTime());
        exchange.setProperty(INSTANCE_PATH, contract.instancePath(m));
        var msg = exchange.getMessage();
        // Never leak other headers to Evolution; keep Camel's redelivery counter, which lives in the headers.
        msg.removeHeaders("*", "CamelRedelivery*");
        msg.setHeader("apikey", apiKey);
        msg.setHeader(Exchange.CONTENT_TYPE, "application/json; charset=utf-8");
        msg.setHeader(Exchange.HTTP_METHOD, "POST");
        msg.setBody(contract.requestBody(m));
    }

    /** The HTTP exchange failed before any answer (refused, reset, timed out): record it and let the route retry. */
    public void transportFailed(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String error = cause == null ? "transport error" : cause.getClass().getSimpleName() + ": " + cause.getMessage();
        store.attemptFinished(attemptId(exchange), null, "retry", error, started(exchange));
        throw new SendFailedException("Evolution API unreachable: " + error);
    }

    /** 201: delivered. Otherwise throws, so that the route's error handling retries or gives up. */
    public void checkResponse(Exchange exchange) {
        Integer status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        String body = exchange.getMessage().getBody(String.class);
        int code = status == null ? 0 : status;
        OutboundMessage m = exchange.getProperty(OUTBOUND, OutboundMessage.class);
        try {
            String waId = contract.acceptedId(code, body);
            store.attemptFinished(attemptId(exchange), code, "accepted", null, started(exchange));
            store.sent(m, waId);
            exchange.getMessage().setBody(m);
        } catch (SendRejectedException e) {
            store.attemptFinished(attemptId(exchange), code, "rejected", e.getMessage(), started(exchange));
            throw e;
        } catch (SendFailedException e) {
            store.attemptFinished(attemptId(exchange), code, "retry", e.getMessage(), started(exchange));
            throw e;
        }
    }

    /** Out of attempts, or rejected: the part is given up (dead) with the reason. */
    public void giveUp(Exchange exchange) {
        OutboundMessage m = exchange.getProperty(OUTBOUND, OutboundMessage.class);
        if (m == null) {
            m = exchange.getMessage().getBody(OutboundMessage.class);
        }
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        store.dead(m, cause);
    }

    private static long attemptId(Exchange exchange) {
        return exchange.getProperty(ATTEMPT_ID, Long.class);
    }

    private static long started(Exchange exchange) {
        Long s = exchange.getProperty(STARTED, Long.class);
        return s == null ? System.nanoTime() : s;
    }
}
