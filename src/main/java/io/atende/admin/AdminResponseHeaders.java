package io.atende.admin;

import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpHeaderFilterStrategy;

import java.util.Locale;
import java.util.Set;

/**
 * The headers an admin answer may carry, whatever the exchange holds: the answer's own ({@code Content-Type},
 * {@code ETag}, {@code Location}, {@code Retry-After}, {@code WWW-Authenticate}, {@code Allow}), never the request's.
 * The admin routes drop the request's headers themselves ({@code direct:admin-json-answer}, {@code http-errors}); this
 * also holds where no route of ours ran to the end, e.g. a verb whose direct route is not there (Camel's own 500 would
 * otherwise copy the caller's {@code Authorization} back). Incoming headers are filtered as platform-http's default
 * does (no {@code Camel*} header from outside).
 */
public final class AdminResponseHeaders extends HttpHeaderFilterStrategy {

    static final Set<String> ANSWER_HEADERS = Set.of("content-type", "etag", "location", "retry-after",
            "www-authenticate", "allow");

    @Override
    public boolean applyFilterToCamelHeaders(String headerName, Object headerValue, Exchange exchange) {
        return !ANSWER_HEADERS.contains(headerName.toLowerCase(Locale.ROOT));
    }
}
