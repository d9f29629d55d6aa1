package io.atende.ingest;

import io.atende.support.SecretToken;
import io.atende.support.UnauthorizedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;

/**
 * Checks that a webhook call comes from our Evolution instance, which proves it knows the shared token.
 *
 * <p>Evolution has no request signing, so three ways to present the token are accepted:
 * <ul>
 *   <li>{@code Authorization: Bearer <token>}: a per-instance webhook with that header configured;</li>
 *   <li>{@code Authorization: Bearer <HS256 JWT>} signed with the token: a per-instance webhook configured
 *       with {@code jwt_key} (short-lived, so a leaked request log is less useful);</li>
 *   <li>a query parameter holding the token: the global webhook cannot send headers.</li>
 * </ul>
 */
public final class WebhookAuthenticator {

    public static final String TOKEN_FILE = "webhook-token";

    /** Evolution and Atende often run on different hosts; a minute covers ordinary NTP drift. */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(WebhookAuthenticator.class);

    private final SecretToken token;
    private final Hs256JwtVerifier jwtVerifier;

    public WebhookAuthenticator(SecretToken token, Clock clock) {
        this.token = token;
        this.jwtVerifier = new Hs256JwtVerifier(token.value().getBytes(StandardCharsets.UTF_8), clock, CLOCK_SKEW);
    }

    /**
     * @param authorizationHeader the {@code Authorization} header, or null
     * @param queryToken          the token query parameter, or null
     * @throws UnauthorizedException unless one of them carries a valid credential
     */
    public void authenticate(String authorizationHeader, String queryToken) {
        String bearer = SecretToken.bearer(authorizationHeader);
        boolean valid = bearer != null && (token.matches(bearer) || jwtVerifier.verify(bearer).isValid());
        if (!valid && !token.matches(queryToken)) {
            throw new UnauthorizedException();
        }
    }

    /** Says where the token came from; when it was just generated, shows it once with Evolution's configuration. */
    public static void announce(SecretToken token, int port) {
        token.announce(LOG, "Webhook token", "ATENDE_WEBHOOK_TOKEN", value -> """
                Point each Evolution API instance at Atende with it (shown this once):
                  POST {EVOLUTION_BASE_URL}/webhook/set/{instance}   (header apikey: <your Evolution key>)
                  {"webhook":{"enabled":true,"url":"http://<atende-host>:%d/webhooks/evolution","byEvents":false,"base64":false,
                              "headers":{"Authorization":"Bearer %s"},"events":["MESSAGES_UPSERT"]}}
                or, for the global webhook (no headers): WEBHOOK_GLOBAL_URL=http://<atende-host>:%d/webhooks/evolution?token=%s"""
                .formatted(port, value, port, value));
    }

    @Override
    public String toString() {
        return "WebhookAuthenticator[token=<redacted>]";
    }
}
