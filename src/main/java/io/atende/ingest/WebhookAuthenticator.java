package io.atende.ingest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;

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
 * Plain tokens are compared as SHA-256 digests with {@link MessageDigest#isEqual}, so neither the
 * content nor the length of the token leaks through timing.
 */
public final class WebhookAuthenticator {

    /** Evolution and Atende often run on different hosts; a minute covers ordinary NTP drift. */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

    private static final String BEARER = "bearer";

    private final byte[] tokenDigest;
    private final Hs256JwtVerifier jwtVerifier;

    public WebhookAuthenticator(String token, Clock clock) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("webhook token must not be blank");
        }
        this.tokenDigest = sha256(token);
        this.jwtVerifier = new Hs256JwtVerifier(token.getBytes(StandardCharsets.UTF_8), clock, CLOCK_SKEW);
    }

    /**
     * @param authorizationHeader the {@code Authorization} header, or null
     * @param queryToken          the token query parameter, or null
     * @throws UnauthorizedWebhookException unless one of them carries a valid credential
     */
    public void authenticate(String authorizationHeader, String queryToken) {
        if (bearerIsValid(authorizationHeader) || matchesToken(queryToken)) {
            return;
        }
        throw new UnauthorizedWebhookException("missing or invalid webhook credentials");
    }

    private boolean bearerIsValid(String header) {
        String credential = bearerCredential(header);
        if (credential == null) {
            return false;
        }
        return matchesToken(credential) || jwtVerifier.verify(credential).isValid();
    }

    /** The credential after a case-insensitive {@code Bearer} scheme, or null. */
    private static String bearerCredential(String header) {
        if (header == null) {
            return null;
        }
        String value = header.strip();
        if (value.length() <= BEARER.length()
                || !value.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)
                || !Character.isWhitespace(value.charAt(BEARER.length()))) {
            return null;
        }
        String credential = value.substring(BEARER.length()).strip();
        return credential.isEmpty() ? null : credential;
    }

    private boolean matchesToken(String candidate) {
        return candidate != null && MessageDigest.isEqual(tokenDigest, sha256(candidate));
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e); // every JRE ships it
        }
    }

    @Override
    public String toString() {
        return "WebhookAuthenticator[token=<redacted>]";
    }
}
