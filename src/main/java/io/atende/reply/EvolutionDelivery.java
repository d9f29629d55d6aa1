package io.atende.reply;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.camel.Exchange;

import java.util.concurrent.TimeUnit;

/**
 * One sendText attempt as the delivery route performs it: persist the attempt, build the request,
 * then classify Evolution's answer. Every attempt is recorded, whatever its outcome.
 */
public final class EvolutionDelivery {

    static final String OUTBOUND = "atendeOutbound";
    static final String ATTEMPT_ID = "atendeAttemptId";
    /** An attempt already opened for this part by the delivery's first read (SendReconciler.stillToSend), used once. */
    static final String OPENED_ATTEMPT = "atendeOpenedAttempt";
    static final String STARTED = "atendeAttemptStarted";
    /** URL-encoded instance name, for the endpoint URI. */
    static final String INSTANCE_PATH = "atendeInstancePath";

    static final String BREAKER = "atendeSendBreaker";

    private final DeliveryStore store;
    private final EvolutionSendText contract;
    private final String apiKey;
    private final EvolutionBreakers breakers;

    public EvolutionDelivery(DeliveryStore store, EvolutionSendText contract, String apiKey, EvolutionBreakers breakers) {
        this.store = store;
        this.contract = contract;
        this.apiKey = apiKey;
        this.breakers = breakers;
    }

    /**
     * Body in: the {@link OutboundMessage}. Body out: the JSON request, with only the headers Evolution needs. The
     * attempt is the one the delivery's first read opened, or (on a retry, or after a reconciliation) a new one.
     */
    public void prepareAttempt(Exchange exchange) {
        OutboundMessage m = exchange.getMessage().getBody(OutboundMessage.class);
        exchange.setProperty(OUTBOUND, m);
        Long opened = exchange.getProperty(OPENED_ATTEMPT, Long.class);
        exchange.removeProperty(OPENED_ATTEMPT);
        exchange.setProperty(ATTEMPT_ID, opened != null ? opened : store.attemptStarted(m));
        exchange.setProperty(STARTED, System.nanoTime());
        CircuitBreaker breaker = breakers.forInstance(m.instance());
        if (!breaker.tryAcquirePermission()) {
            store.attemptFinished(attemptId(exchange), null, "breaker_open", "send breaker open for this instance",
                    started(exchange));
            throw new SendFailedException("Evolution API send breaker for instance " + m.instance() + " is open");
        }
        exchange.setProperty(BREAKER, breaker);
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
        // A request that never connected cannot have been sent; any other transport failure may have reached
        // Evolution, and the next attempt first asks Evolution about it (SendReconciler).
        store.attemptFinished(attemptId(exchange), null, neverConnected(cause) ? "not_connected" : "retry", error,
                started(exchange));
        breakerError(exchange, cause);
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

    /** 201: delivered. Otherwise throws, so that the route's error handling retries or gives up. */
    public void checkResponse(Exchange exchange) {
        Integer status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        String body = exchange.getMessage().getBody(String.class);
        int code = status == null ? 0 : status;
        OutboundMessage m = exchange.getProperty(OUTBOUND, OutboundMessage.class);
        try {
            String waId = contract.acceptedId(code, body);
            breakerSuccess(exchange);
            store.attemptFinished(attemptId(exchange), code, "accepted", null, started(exchange));
            store.sent(m, waId);
            exchange.getMessage().setBody(m);
        } catch (SendRejectedException e) {
            breakerSuccess(exchange); // the instance answered; it is the message that cannot go
            store.attemptFinished(attemptId(exchange), code, "rejected", e.getMessage(), started(exchange));
            throw e;
        } catch (SendFailedException e) {
            breakerError(exchange, e);
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

    private static void breakerSuccess(Exchange exchange) {
        CircuitBreaker breaker = exchange.getProperty(BREAKER, CircuitBreaker.class);
        if (breaker != null) {
            breaker.onSuccess(System.nanoTime() - started(exchange), TimeUnit.NANOSECONDS);
        }
    }

    private static void breakerError(Exchange exchange, Throwable error) {
        CircuitBreaker breaker = exchange.getProperty(BREAKER, CircuitBreaker.class);
        if (breaker != null) {
            breaker.onError(System.nanoTime() - started(exchange), TimeUnit.NANOSECONDS,
                    error == null ? new SendFailedException("transport error") : error);
        }
    }

    private static long attemptId(Exchange exchange) {
        return exchange.getProperty(ATTEMPT_ID, Long.class);
    }

    private static long started(Exchange exchange) {
        Long s = exchange.getProperty(STARTED, Long.class);
        return s == null ? System.nanoTime() : s;
    }
}
