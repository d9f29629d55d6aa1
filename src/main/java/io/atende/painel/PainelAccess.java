package io.atende.painel;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.atende.profile.ProfileJson;
import io.atende.support.UnauthorizedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Who is at the Painel: sign-in with the admin token or a number's operator token (in the JSON body, never the URL),
 * the session cookie, the CSRF check, sign-out. The cookie is {@code HttpOnly}, {@code SameSite=Strict},
 * {@code Path=/painel}, and {@code Secure} when the request came over TLS (or a proxy says so in
 * {@code X-Forwarded-Proto}). Every request but GET and HEAD must carry the session's token in {@code X-CSRF-Token}.
 */
public final class PainelAccess {

    public static final String COOKIE = "atende_painel";

    private static final Logger LOG = LoggerFactory.getLogger(PainelAccess.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_TOKEN = 500;

    /** A sign-in's answer: the Set-Cookie header and the body ({@link #me}). */
    public record Login(String setCookie, String json) {

        @Override
        public String toString() {
            return "Login[<cookie>]";
        }
    }

    private final Predicate<String> adminToken;
    private final PainelSessions sessions;
    private final LoginRateLimiter limiter;
    private final boolean trustProxy;

    /**
     * @param trustProxy the client's address is the last {@code X-Forwarded-For} entry (behind the project's nginx);
     *                   false: the socket's peer
     */
    public PainelAccess(Predicate<String> adminToken, PainelSessions sessions, LoginRateLimiter limiter, boolean trustProxy) {
        this.adminToken = adminToken;
        this.sessions = sessions;
        this.limiter = limiter;
        this.trustProxy = trustProxy;
    }

    /**
     * Signs in with {@code {"token": "..."}}: the admin token opens an admin session, a number's operator token a
     * session of that number.
     *
     * @param remoteAddress  the socket's peer (Vert.x's SocketAddress, or its text)
     * @param requestUrl     the request's absolute URL (https: means TLS)
     * @throws PainelException       429 after too many failures from this address; 415 unless JSON; 400 no token
     * @throws UnauthorizedException neither token
     */
    public Login login(String body, String contentType, Object remoteAddress, String forwardedFor,
                       String requestUrl, String forwardedProto) {
        String client = clientAddress(remoteAddress, forwardedFor);
        limiter.check(client);
        // JSON only: a cross-site form cannot send it, so no other site can sign a visitor in to its own session
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw PainelException.unsupportedMediaType();
        }
        String token = token(body);
        PainelSessions.Started started;
        if (adminToken.test(token)) {
            started = sessions.start(null, null);
            LOG.info("Painel: admin signed in from {}", client);
        } else {
            String hash = ProfileJson.operatorTokenHash(token);
            String instance = sessions.operatorInstance(hash);
            if (instance == null) {
                limiter.failed(client);
                LOG.info("Painel: failed sign-in from {}", client);
                throw new UnauthorizedException();
            }
            started = sessions.start(instance, hash);
            LOG.info("Painel: operator of instance {} signed in from {}", instance, client);
        }
        limiter.succeeded(client);
        // A browser-session cookie: the server ends the session (idle, 12 h, logout), not a client-side countdown
        return new Login(cookie(started.cookieValue(), secure(requestUrl, forwardedProto), -1),
                me(started.session()));
    }

    /**
     * The request's session.
     *
     * @param cookieHeader the {@code Cookie} header
     * @param method       the HTTP method: all but GET and HEAD need the CSRF token
     * @param csrfHeader   {@code X-CSRF-Token}
     * @throws UnauthorizedException no live session
     * @throws PainelException       403 a state-changing request without the session's CSRF token
     */
    public PainelSession authenticate(String cookieHeader, String method, String csrfHeader) {
        PainelSession session = sessions.find(cookieValue(cookieHeader));
        if (session == null) {
            throw new UnauthorizedException();
        }
        boolean safe = "GET".equalsIgnoreCase(method) || "HEAD".equalsIgnoreCase(method);
        if (!safe && (csrfHeader == null || !MessageDigest.isEqual(session.csrf().getBytes(StandardCharsets.UTF_8),
                csrfHeader.strip().getBytes(StandardCharsets.UTF_8)))) {
            throw PainelException.csrf();
        }
        return session;
    }

    /** Ends the session; the answer's Set-Cookie clears the browser's copy. */
    public String logout(PainelSession session, String requestUrl, String forwardedProto) {
        sessions.end(session);
        return cookie("", secure(requestUrl, forwardedProto), 0);
    }

    /** {@code {"role":"admin"|"operator","instance":…|null,"csrf":…,"idleSeconds":…}} */
    public String me(PainelSession session) {
        ObjectNode n = JSON.createObjectNode();
        n.put("role", session.role());
        n.put("instance", session.instance());
        n.put("csrf", session.csrf());
        n.put("idleSeconds", sessions.idle().toSeconds());
        return n.toString();
    }

    /** @param maxAgeSeconds 0 clears the cookie; negative: none (it lasts as long as the browser's session) */
    static String cookie(String value, boolean secure, long maxAgeSeconds) {
        return COOKIE + "=" + value + "; Path=/painel" + (maxAgeSeconds >= 0 ? "; Max-Age=" + maxAgeSeconds : "")
                + "; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
    }

    static boolean secure(String requestUrl, String forwardedProto) {
        return (requestUrl != null && requestUrl.regionMatches(true, 0, "https:", 0, 6))
                || (forwardedProto != null && forwardedProto.strip().equalsIgnoreCase("https"));
    }

    /** The value of our cookie in a {@code Cookie} header, or null. */
    static String cookieValue(String cookieHeader) {
        if (cookieHeader == null) {
            return null;
        }
        for (String pair : cookieHeader.split(";")) {
            String p = pair.strip();
            if (p.startsWith(COOKIE + "=")) {
                return p.substring(COOKIE.length() + 1);
            }
        }
        return null;
    }

    String clientAddress(Object remoteAddress, String forwardedFor) {
        if (trustProxy && forwardedFor != null && !forwardedFor.isBlank()) {
            String[] hops = forwardedFor.split(",");
            return hops[hops.length - 1].strip();
        }
        if (remoteAddress instanceof io.vertx.core.net.SocketAddress socket) {
            return socket.hostAddress() == null ? String.valueOf(socket.host()) : socket.hostAddress();
        }
        String text = remoteAddress == null ? "" : remoteAddress.toString();
        int colon = text.lastIndexOf(':');
        return colon > 0 ? text.substring(0, colon) : text.isEmpty() ? "unknown" : text;
    }

    private static String token(String body) {
        JsonNode json;
        try {
            json = body == null || body.isBlank() ? null : JSON.readTree(body);
        } catch (JsonProcessingException e) {
            json = null;
        }
        JsonNode token = json == null || !json.isObject() ? null : json.get("token");
        if (token == null || !token.isTextual() || token.asText().isBlank() || token.asText().length() > MAX_TOKEN) {
            throw PainelException.badRequest("token", "the body must be {\"token\": \"...\"}");
        }
        return token.asText().strip();
    }
}
