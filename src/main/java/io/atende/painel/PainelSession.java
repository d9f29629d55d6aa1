package io.atende.painel;

import java.time.Instant;

/**
 * A signed-in Painel page: the admin (every number) or one number's operator.
 *
 * @param idHash    SHA-256 (hex) of the cookie's value, the session's key in {@code painel_sessions}
 * @param instance  the one number an operator session sees; null for the admin
 * @param csrf      the token every state-changing request sends in {@code X-CSRF-Token}
 * @param expiresAt when the session ends unless used again
 */
public record PainelSession(String idHash, String instance, String csrf, Instant expiresAt) {

    public boolean admin() {
        return instance == null;
    }

    public String role() {
        return admin() ? "admin" : "operator";
    }

    /** Never the CSRF token: this object may end up in a trace. */
    @Override
    public String toString() {
        return "PainelSession[" + role() + (admin() ? "" : " of " + instance) + "]";
    }
}
