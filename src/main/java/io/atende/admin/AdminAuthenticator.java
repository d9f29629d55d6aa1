package io.atende.admin;

import io.atende.support.SecretToken;
import io.atende.support.UnauthorizedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Guards {@code /admin}: the caller must send {@code Authorization: Bearer <ATENDE_ADMIN_TOKEN>}.
 *
 * <p>Only the header is accepted, never a query parameter, so the token does not end up in proxy or access logs. When
 * {@code ATENDE_ADMIN_TOKEN} is not set, a token is generated once and kept in {@code ${ATENDE_DATA_DIR}/admin-token}
 * (owner-only), as for the webhook token.
 */
public final class AdminAuthenticator {

    public static final String TOKEN_FILE = "admin-token";

    private static final Logger LOG = LoggerFactory.getLogger(AdminAuthenticator.class);

    private final SecretToken token;

    public AdminAuthenticator(SecretToken token) {
        this.token = token;
    }

    /**
     * @param authorizationHeader the {@code Authorization} header, or null
     * @param rawQuery            the request's raw query string ({@code CamelHttpQuery}), or null. Camel's HTTP
     *                            server turns query parameters into headers, so {@code ?Authorization=...} would
     *                            otherwise pass for the header; a request carrying one is refused.
     * @throws UnauthorizedException unless the header is {@code Bearer <the admin token>}
     */
    public void authenticate(String authorizationHeader, String rawQuery) {
        if (hasAuthorizationParameter(rawQuery) || !token.matches(SecretToken.bearer(authorizationHeader))) {
            throw new UnauthorizedException();
        }
    }

    /** True when the candidate is the admin token (the Painel's sign-in takes it from a JSON body). */
    public boolean matches(String candidate) {
        return token.matches(candidate);
    }

    /** Says where the token came from; when it was just generated, shows it once. */
    public static void announce(SecretToken token, int port) {
        token.announce(LOG, "Admin token", "ATENDE_ADMIN_TOKEN", value -> """
                Use it for the /admin endpoints (shown this once):
                  curl -H 'Authorization: Bearer %s' http://<atende-host>:%d/admin/dead-letters""".formatted(value, port));
    }

    private static boolean hasAuthorizationParameter(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return false;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            try {
                name = URLDecoder.decode(name, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException malformed) {
                return true; // cannot tell: refuse
            }
            if (name.strip().equalsIgnoreCase("authorization")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "AdminAuthenticator[token=<redacted>]";
    }
}
