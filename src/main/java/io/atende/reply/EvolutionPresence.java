package io.atende.reply;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.atende.support.AtendeMetrics;
import io.atende.support.LogMask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The Evolution API {@code POST /chat/sendPresence/{instance}} call behind "digitando…", body
 * {@code {"number", "presence":"composing", "delay"}}. Evolution shows {@code composing}, holds the request for the
 * whole delay, sends {@code paused}, then answers 201.
 * <p>
 * Posted without waiting for that answer (the JDK's asynchronous HTTP client): no route thread is held for the delay,
 * so neither a turn, nor the refresh timer, nor Camel's graceful shutdown ever waits for a presence, and the presences
 * use their own connections, never the sendText ones. The answer, when it comes, is only counted
 * ({@code atende_typing_total}) and logged at DEBUG: a presence failure never reaches a turn or its reply, and the
 * send breaker never hears of it.
 */
public final class EvolutionPresence {

    private static final Logger LOG = LoggerFactory.getLogger(EvolutionPresence.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final TypingIndicator typing;
    private final AtendeMetrics metrics;

    public EvolutionPresence(Duration connectTimeout, TypingIndicator typing, AtendeMetrics metrics) {
        // HTTP/1.1 as Evolution (Node) speaks it: no h2c upgrade attempt on every new connection
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout).build();
        this.typing = typing;
        this.metrics = metrics;
    }

    /** {@code {"number": ..., "presence": "composing", "delay": <ms>}}: the number as sendText takes it. */
    public String requestBody(TypingTarget t) {
        ObjectNode body = JSON.createObjectNode();
        body.put("number", t.number());
        body.put("presence", "composing");
        body.put("delay", typing.settings().presenceDelay().toMillis());
        return body.toString();
    }

    /**
     * Posts the presence to the number's Evolution with its key, and returns at once; its answer ends the presence
     * ({@link TypingIndicator#presenceEnded}) when it comes, or the timeout (the delay plus a margin) does.
     */
    public void send(TypingTarget target, EvolutionTarget evolution) {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create(evolution.baseUrl() + "/chat/sendPresence/" + target.instancePath()))
                .timeout(typing.settings().answerTimeout())
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(requestBody(target), StandardCharsets.UTF_8));
        if (evolution.apiKey() != null && !evolution.apiKey().isEmpty()) {
            request.header("apikey", evolution.apiKey());
        }
        http.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding())
                .whenComplete((response, failure) -> {
                    if (failure != null) {
                        unreachable(target, failure);
                    } else {
                        answered(target, response.statusCode());
                    }
                });
    }

    /** The presence could not even be posted (an unusable base URL, say): counted like an unreachable Evolution. */
    public void failed(TypingTarget target, Exception e) {
        unreachable(target, e);
    }

    void answered(TypingTarget target, int status) {
        boolean ok = status >= 200 && status < 300;
        // the error body is left unread: Evolution's 400 for an unknown number holds the number itself
        LOG.debug("Typing presence of {} on {}: HTTP {}", LogMask.jid(target.contactJid()), target.instance(), status);
        ended(target, ok ? "sent" : "failed");
    }

    void unreachable(TypingTarget target, Throwable failure) {
        Throwable cause = failure.getCause() != null && failure instanceof java.util.concurrent.CompletionException
                ? failure.getCause() : failure;
        LOG.debug("Typing presence of {} on {} not answered: {}", LogMask.jid(target.contactJid()), target.instance(),
                cause.toString());
        ended(target, "unreachable");
    }

    private void ended(TypingTarget target, String outcome) {
        try {
            metrics.typing(target.instance(), outcome);
        } finally {
            typing.presenceEnded(target);
        }
    }
}
