package io.atende.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * The one HTTP error answer of the webhook and admin endpoints: a status and an RFC 9457 problem body
 * ({@code application/problem+json}). {@code error} is the stable code clients already read ({@code unauthorized},
 * {@code bad_request}, {@code not_found}, {@code conflict}, {@code unavailable}, {@code internal_error}). The body never
 * carries a stack trace or an exception's class.
 *
 * @param status            the HTTP status
 * @param error             the stable error code
 * @param detail            a sentence for the caller, or null
 * @param retryAfterSeconds {@code Retry-After} for a 503 the sender should retry, or null
 * @param extra             more members of the body (e.g. a conflict's {@code reason})
 */
public record HttpProblem(int status, String error, String detail, Integer retryAfterSeconds, Map<String, String> extra) {

    private static final Logger LOG = LoggerFactory.getLogger(HttpProblem.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    public HttpProblem {
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }

    public static HttpProblem of(int status, String error, String detail) {
        return new HttpProblem(status, error, detail, null, Map.of());
    }

    /** The gateway is shutting down: the sender retries against the restarted gateway. */
    public static HttpProblem shuttingDown() {
        return new HttpProblem(503, "unavailable", "shutting down, retry later", 10, Map.of());
    }

    /** Nothing was stored or changed: the sender retries later. */
    public static HttpProblem unavailable(String what) {
        return new HttpProblem(503, "unavailable", what + " unavailable, retry later", 30, Map.of());
    }

    /**
     * The one mapping from an exception to its answer. The gateway's own exceptions say their answer
     * ({@link HttpFailure}); a storage or queue outage is a 503 so that Evolution retries; anything else is a 500.
     */
    public static HttpProblem of(Throwable e) {
        if (e instanceof HttpFailure known) {
            return known.problem();
        }
        if (e instanceof org.apache.camel.component.direct.DirectConsumerNotAvailableException) {
            // the intake route already stopped while a webhook route still takes requests (end of shutdown)
            return shuttingDown();
        }
        if (e instanceof org.apache.kafka.common.KafkaException) {
            return unavailable("queue");
        }
        return of(500, "internal_error", null);
    }

    /**
     * The answer to a failed request, logged when the failure is the gateway's: a 503 at WARN, anything else 5xx at
     * ERROR with its stack trace (for the log only).
     */
    public static HttpProblem answer(Throwable e, String method, String path) {
        HttpProblem problem = of(e);
        if (problem.status() == 503) {
            LOG.warn("{} {} answered 503 ({}): {}", method, path, problem.detail(), e == null ? "-" : e.getMessage());
        } else if (problem.status() >= 500) {
            LOG.error("{} {} failed", method, path, e);
        }
        return problem;
    }

    public String title() {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 406 -> "Not Acceptable";
            case 409 -> "Conflict";
            case 412 -> "Precondition Failed";
            case 415 -> "Unsupported Media Type";
            case 429 -> "Too Many Requests";
            case 503 -> "Service Unavailable";
            default -> status >= 500 ? "Internal Server Error" : "Error";
        };
    }

    /** {@code {"type":"about:blank","title":…,"status":…,"error":…,"detail":…,…}} */
    public String json() {
        ObjectNode body = JSON.createObjectNode();
        body.put("type", "about:blank");
        body.put("title", title());
        body.put("status", status);
        body.put("error", error);
        if (detail != null) {
            body.put("detail", detail);
        }
        extra.forEach(body::put);
        return body.toString();
    }
}
