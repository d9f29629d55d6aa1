package io.atende.ingest;

import io.atende.support.SecretToken;
import io.atende.support.UnauthorizedException;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The two steps of a webhook's authentication with per-instance tokens: any known token before the body is read, then
 * the token of the event's own instance. The whole matrix: global / instance A's / instance B's / unknown credential,
 * against an instance without a token and instances with their own, in each of the three presentations.
 */
class WebhookAuthorisationTest {

    static final String GLOBAL = "global-token-0123456789";
    static final String TOKEN_A = "token-of-instance-a-0123";
    static final String TOKEN_B = "token-of-instance-b-4567";
    static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

    final Map<String, String> own = new HashMap<>(Map.of("loja-a", TOKEN_A, "loja-b", TOKEN_B));
    final WebhookAuthenticator auth = new WebhookAuthenticator(SecretToken.of(GLOBAL),
            () -> new HashSet<>(own.values()), own::get, Clock.fixed(NOW, ZoneOffset.UTC));

    static InboundEvent event(String instance) {
        return InboundEvent.otherEvent(instance, "connection.update");
    }

    /** The three ways Evolution presents a token. */
    enum Presentation {
        BEARER, JWT, QUERY;

        String header(String token) {
            return switch (this) {
                case BEARER -> "Bearer " + token;
                case JWT -> "Bearer " + TestJwts.evolution(token, NOW.getEpochSecond());
                case QUERY -> null;
            };
        }

        String query(String token) {
            return this == QUERY ? token : null;
        }
    }

    boolean accepted(Presentation p, String token, String instance) {
        WebhookAuthenticator.Caller caller;
        try {
            caller = auth.authenticate(p.header(token), p.query(token));
        } catch (UnauthorizedException e) {
            return false;
        }
        try {
            assertThat(auth.authorise(caller, event(instance)).instance()).isEqualTo(instance);
            return true;
        } catch (UnauthorizedException e) {
            return false;
        }
    }

    @Test
    void eachInstanceAcceptsItsOwnTokenOnlyAndTheOthersTheGlobalOneOnly() {
        for (Presentation p : Presentation.values()) {
            // instance without its own token: the global token only
            assertThat(accepted(p, GLOBAL, "sem-token")).as("%s global -> sem-token", p).isTrue();
            assertThat(accepted(p, TOKEN_A, "sem-token")).as("%s A -> sem-token", p).isFalse();
            // instance A: its own token only, neither the global one nor B's
            assertThat(accepted(p, TOKEN_A, "loja-a")).as("%s A -> A", p).isTrue();
            assertThat(accepted(p, GLOBAL, "loja-a")).as("%s global -> A", p).isFalse();
            assertThat(accepted(p, TOKEN_B, "loja-a")).as("%s B -> A", p).isFalse();
            assertThat(accepted(p, TOKEN_B, "loja-b")).as("%s B -> B", p).isTrue();
            assertThat(accepted(p, "unknown-token-987654", "sem-token")).as("%s unknown", p).isFalse();
        }
    }

    @Test
    void anUnknownCredentialIsRefusedBeforeTheBodyIsRead() {
        assertThatThrownBy(() -> auth.authenticate("Bearer nope", null)).isExactlyInstanceOf(UnauthorizedException.class);
        assertThatThrownBy(() -> auth.authenticate(null, null)).isExactlyInstanceOf(UnauthorizedException.class);
        assertThatThrownBy(() -> auth.authenticate("Bearer " + TestJwts.evolution("nope-nope-nope", NOW.getEpochSecond()),
                null)).isExactlyInstanceOf(UnauthorizedException.class);
    }

    @Test
    void stepOneRemembersWhichTokensTheCredentialIs() {
        WebhookAuthenticator.Caller global = auth.authenticate("Bearer " + GLOBAL, null);
        WebhookAuthenticator.Caller a = auth.authenticate(null, TOKEN_A);

        assertThat(global.global()).isTrue();
        assertThat(global.instanceTokens()).isEmpty();
        assertThat(a.global()).isFalse();
        assertThat(a.instanceTokens()).containsExactly(TOKEN_A);
        assertThat(a.toString()).doesNotContain(TOKEN_A);
    }

    @Test
    void aTokenRemovedFromTheProfileIsNoLongerAccepted() {
        WebhookAuthenticator.Caller a = auth.authenticate("Bearer " + TOKEN_A, null);
        own.remove("loja-a");

        assertThatThrownBy(() -> auth.authorise(a, event("loja-a"))).isExactlyInstanceOf(UnauthorizedException.class);
        assertThatThrownBy(() -> auth.authenticate("Bearer " + TOKEN_A, null))
                .isExactlyInstanceOf(UnauthorizedException.class);
        assertThatCode(() -> auth.authorise(auth.authenticate("Bearer " + GLOBAL, null), event("loja-a")))
                .doesNotThrowAnyException();
    }
}
