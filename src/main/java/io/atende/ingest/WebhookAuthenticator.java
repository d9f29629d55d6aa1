package io.atende.ingest;

import io.atende.support.SecretToken;
import io.atende.support.UnauthorizedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

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
 * The token is the global one ({@code ATENDE_WEBHOOK_TOKEN}), or, for an instance whose profile has its own
 * {@code evolution.webhookToken}, that one only. The body says which instance a webhook is about, so the check runs
 * in two steps: {@link #authenticate} before the body is parsed (any known token), {@link #authorise} after it (the
 * event's instance's token).
 */
public final class WebhookAuthenticator {

    public static final String TOKEN_FILE = "webhook-token";

    /** Evolution and Atende often run on different hosts; a minute covers ordinary NTP drift. */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(WebhookAuthenticator.class);

    /**
     * Who a webhook's credential proves the caller to be, before the body says which instance it is about.
     *
     * @param global         the credential is the global token (ATENDE_WEBHOOK_TOKEN)
     * @param instanceTokens the instances' own tokens the credential is (usually none or one)
     */
    public record Caller(boolean global, Set<String> instanceTokens) {
        public Caller {
            instanceTokens = Set.copyOf(instanceTokens);
        }

        @Override
        public String toString() {
            return "Caller[global=" + global + ", instanceTokens=" + instanceTokens.size() + "]";
        }
    }

    /** One token and the verifier of the JWTs signed with it. */
    private record Credential(SecretToken token, Hs256JwtVerifier jwt) {
        boolean accepts(String bearer, String queryToken) {
            return bearer != null && (token.matches(bearer) || jwt.verify(bearer).isValid()) || token.matches(queryToken);
        }
    }

    private final Credential global;
    private final Supplier<Set<String>> instanceTokens;
    private final Function<String, String> ownToken;
    private final Clock clock;
    private final Map<String, Credential> perInstance = new ConcurrentHashMap<>();

    /** Only the global token: every instance is authenticated with it. */
    public WebhookAuthenticator(SecretToken token, Clock clock) {
        this(token, Set::of, instance -> null, clock);
    }

    /**
     * @param instanceTokens the instances' own webhook tokens now ({@code InstanceProfiles::webhookTokens})
     * @param ownToken       an instance's own webhook token, or null when it has none (its profile's)
     */
    public WebhookAuthenticator(SecretToken token, Supplier<Set<String>> instanceTokens,
                                Function<String, String> ownToken, Clock clock) {
        this.global = credential(token, clock);
        this.instanceTokens = instanceTokens;
        this.ownToken = ownToken;
        this.clock = clock;
    }

    private static Credential credential(SecretToken token, Clock clock) {
        return new Credential(token,
                new Hs256JwtVerifier(token.value().getBytes(StandardCharsets.UTF_8), clock, CLOCK_SKEW));
    }

    /**
     * Step one, before the body is read: the credential must be the global token or one instance's own token, so a
     * caller that has neither gets 401 whatever it posts (never a 400 about its body).
     *
     * @param authorizationHeader the {@code Authorization} header, or null
     * @param queryToken          the token query parameter, or null
     * @return which tokens the credential is, for {@link #authorise}
     * @throws UnauthorizedException unless one of them carries a valid credential
     */
    public Caller authenticate(String authorizationHeader, String queryToken) {
        String bearer = SecretToken.bearer(authorizationHeader);
        boolean isGlobal = global.accepts(bearer, queryToken);
        Set<String> matched = new HashSet<>();
        Set<String> tokens = instanceTokens.get();
        if (perInstance.size() > tokens.size()) {
            perInstance.keySet().retainAll(tokens); // a token was changed or removed: forget its verifier
        }
        for (String t : tokens) {
            if (perInstance.computeIfAbsent(t, k -> credential(SecretToken.of(k), clock)).accepts(bearer, queryToken)) {
                matched.add(t);
            }
        }
        if (!isGlobal && matched.isEmpty()) {
            throw new UnauthorizedException();
        }
        return new Caller(isGlobal, matched);
    }

    /**
     * Step two, once the body names the instance: an instance with its own webhook token accepts that token only (not
     * the global one, not another instance's); an instance without one accepts the global token only.
     *
     * @return the event, once its caller is authorised for its instance
     * @throws UnauthorizedException when the caller's credential is not the one of this instance
     */
    public InboundEvent authorise(Caller caller, InboundEvent event) {
        String own = ownToken.apply(event.instance());
        boolean ok = own == null ? caller.global() : caller.instanceTokens().contains(own);
        if (!ok) {
            throw new UnauthorizedException();
        }
        return event;
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
