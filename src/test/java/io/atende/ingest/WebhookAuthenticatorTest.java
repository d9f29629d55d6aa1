package io.atende.ingest;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atende.support.SecretToken;
import io.atende.support.UnauthorizedException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Accepted and rejected ways of presenting the webhook secret. */
class WebhookAuthenticatorTest {

    private static final String TOKEN = "q1W2e3R4t5Y6u7I8o9P0-shared_webhook_token";
    private static final Instant NOW = Instant.parse("2025-12-10T14:32:07Z");
    private static final long NOW_S = NOW.getEpochSecond();

    private final WebhookAuthenticator authenticator =
            new WebhookAuthenticator(SecretToken.of(TOKEN), Clock.fixed(NOW, ZoneOffset.UTC));

    private void assertAccepted(String header, String query) {
        assertThatCode(() -> authenticator.authenticate(header, query)).doesNotThrowAnyException();
    }

    private void assertRejected(String header, String query) {
        assertThatThrownBy(() -> authenticator.authenticate(header, query))
                .isExactlyInstanceOf(UnauthorizedException.class)
                .hasMessage("missing or invalid credentials")
                .hasNoCause();
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"Bearer ", "bearer ", "BEARER ", "  Bearer\t"})
    void bearerTokenIsAcceptedWithAnySchemeCase(String prefix) {
        assertAccepted(prefix + TOKEN + " ", null);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {
        "Bearer wrong-token",
        "Bearer q1W2e3R4t5Y6u7I8o9P0",
        "Bearer q1W2e3R4t5Y6u7I8o9P0-shared_webhook_token-and-more",
        "Bearer ",
        "Bearer",
        "Basic q1W2e3R4t5Y6u7I8o9P0-shared_webhook_token",
        "Bearerq1W2e3R4t5Y6u7I8o9P0-shared_webhook_token",
        "q1W2e3R4t5Y6u7I8o9P0-shared_webhook_token"})
    void wrongBearerOrSchemeIsRejected(String header) {
        assertRejected(header, null);
    }

    @Test
    void queryTokenIsAcceptedForTheGlobalWebhook() {
        assertAccepted(null, TOKEN);
    }

    @Test
    void wrongQueryTokenIsRejected() {
        assertRejected(null, "wrong-token");
        assertRejected(null, "");
    }

    @Test
    void validQueryTokenIsEnoughEvenWithAnUnrelatedAuthorizationHeader() {
        assertAccepted("Basic dXNlcjpwYXNz", TOKEN);
    }

    @Test
    void evolutionJwtSignedWithTheTokenIsAccepted() {
        assertAccepted("Bearer " + TestJwts.evolution(TOKEN, NOW_S), null);
    }

    @Test
    void expiredJwtIsRejected() {
        assertRejected("Bearer " + TestJwts.evolution(TOKEN, NOW_S - 3600), null);
    }

    @Test
    void jwtSignedWithAnotherKeyIsRejected() {
        assertRejected("Bearer " + TestJwts.evolution("not-the-token", NOW_S), null);
    }

    @Test
    void algNoneJwtIsRejected() {
        String unsigned = TestJwts.encode("{\"alg\":\"none\"}") + "."
                + TestJwts.encode("{\"exp\":" + (NOW_S + 600) + "}") + ".";
        assertRejected("Bearer " + unsigned, null);
    }

    @Test
    void hs512JwtIsRejected() {
        assertRejected("Bearer " + TestJwts.signed("{\"alg\":\"HS512\"}", "{\"exp\":" + (NOW_S + 600) + "}",
                "HmacSHA512", TOKEN), null);
    }

    @Test
    void tamperedJwtIsRejected() {
        String[] parts = TestJwts.evolution(TOKEN, NOW_S).split("\\.");
        String forged = TestJwts.encode("{\"exp\":" + (NOW_S + 999_999) + ",\"app\":\"evolution\"}");
        assertRejected("Bearer " + parts[0] + "." + forged + "." + parts[2], null);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"Bearer a.b.c", "Bearer ...", "Bearer eyJ.eyJ.", "Bearer \u0000\uFFFF.\uD800.x"})
    void garbageJwtIsRejected(String header) {
        assertRejected(header, null);
    }

    @Test
    void missingCredentialsAreRejected() {
        assertRejected(null, null);
        assertRejected("", "");
    }

    @Test
    void blankTokenCannotBeConfigured() {
        assertThatThrownBy(() -> new WebhookAuthenticator(SecretToken.of("  "), Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aShortHandSetTokenStillSignsValidJwts() {
        // nimbus-jose-jwt would refuse a key under 256 bits; tokens of any length worked before and still do.
        WebhookAuthenticator shortKey = new WebhookAuthenticator(SecretToken.of("abc"), Clock.fixed(NOW, ZoneOffset.UTC));
        assertThatCode(() -> shortKey.authenticate("Bearer " + TestJwts.evolution("abc", NOW_S), null))
                .doesNotThrowAnyException();
    }
}
