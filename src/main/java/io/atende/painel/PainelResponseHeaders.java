package io.atende.painel;

import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpHeaderFilterStrategy;

import java.util.Locale;
import java.util.Set;

/**
 * The headers a Painel answer may carry, whatever the exchange holds: its own, never the request's (the cookie, the
 * CSRF token). Incoming headers are filtered as platform-http's default does.
 */
public final class PainelResponseHeaders extends HttpHeaderFilterStrategy {

    static final Set<String> ANSWER_HEADERS = Set.of("content-type", "etag", "retry-after", "www-authenticate",
            "set-cookie", "cache-control", "content-security-policy", "x-content-type-options", "referrer-policy",
            "x-frame-options", "cross-origin-opener-policy", "permissions-policy");

    @Override
    public boolean applyFilterToCamelHeaders(String headerName, Object headerValue, Exchange exchange) {
        return !ANSWER_HEADERS.contains(headerName.toLowerCase(Locale.ROOT));
    }
}
