package io.atende.painel;

import io.atende.support.SecretToken;
import io.atende.store.Sql;
import io.atende.store.Transactions;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The Painel's sessions in PostgreSQL (V17), so any replica serves a signed-in page. The cookie holds a random 256-bit
 * value; the table only its SHA-256. A session ends after {@code idle} without a request, after {@code maxAge} in any
 * case, at logout, and (an operator's) as soon as its number's operator token is changed or cleared.
 */
public final class PainelSessions {

    /** A new session: the cookie's value (shown to the browser once) and the session. */
    public record Started(String cookieValue, PainelSession session) {

        @Override
        public String toString() {
            return "Started[" + session + "]";
        }
    }

    private final Transactions tx;
    private final Clock clock;
    private final Duration idle;
    private final Duration maxAge;

    public PainelSessions(Transactions tx, Clock clock, Duration idle, Duration maxAge) {
        this.tx = tx;
        this.clock = clock;
        this.idle = idle;
        this.maxAge = maxAge;
    }

    public Duration idle() {
        return idle;
    }

    /**
     * A new session (expired ones are swept in the same transaction).
     *
     * @param instance  the operator's number, or null for the admin
     * @param tokenHash the operator token's hash the session depends on, or null for the admin
     */
    public Started start(String instance, String tokenHash) {
        String cookie = SecretToken.random();
        String csrf = SecretToken.random();
        Instant now = clock.instant();
        Instant expires = now.plus(idle);
        PainelSession session = new PainelSession(SecretToken.sha256Hex(cookie), instance, csrf, expires);
        tx.inTransaction(c -> {
            Sql.update(c, "delete from painel_sessions where expires_at <= ?", now);
            return Sql.update(c, """
                    insert into painel_sessions (id_hash, instance, token_hash, csrf, created_at, last_seen_at, expires_at)
                    values (?, ?, ?, ?, ?, ?, ?)""", session.idHash(), instance, tokenHash, csrf, now, now, expires);
        });
        return new Started(cookie, session);
    }

    /**
     * The live session the cookie names, its idle expiry moved on; null when there is none (unknown, expired, or an
     * operator's whose token has changed since).
     */
    public PainelSession find(String cookieValue) {
        if (cookieValue == null || cookieValue.isEmpty() || cookieValue.length() > 100) {
            return null;
        }
        Instant now = clock.instant();
        return tx.inTransaction(c -> Sql.one(c, """
                update painel_sessions s
                   set last_seen_at = ?, expires_at = least(?::timestamptz, s.created_at + ?::interval)
                 where s.id_hash = ? and s.expires_at > ?
                   and (s.instance is null or exists (select 1 from instance_profiles p
                         where p.instance = s.instance and p.profile ->> 'operatorTokenHash' = s.token_hash))
                returning s.id_hash, s.instance, s.csrf, s.expires_at""",
                rs -> new PainelSession(rs.getString(1), rs.getString(2), rs.getString(3),
                        Sql.instant(rs, "expires_at")),
                now, now.plus(idle), maxAge.toSeconds() + " seconds", SecretToken.sha256Hex(cookieValue), now));
    }

    public void end(PainelSession session) {
        tx.inTransaction(c -> Sql.update(c, "delete from painel_sessions where id_hash = ?", session.idHash()));
    }

    /** The number whose operator token hashes to this, or null. */
    public String operatorInstance(String tokenHash) {
        return tx.inTransaction(c -> Sql.one(c,
                "select instance from instance_profiles where profile ->> 'operatorTokenHash' = ? order by instance limit 1",
                rs -> rs.getString(1), tokenHash));
    }

}
