package io.atende.ingest;

import io.atende.store.Sql;
import io.atende.support.MigratedDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The one-round-trip text path (V13 {@code atende_ingest_text}) reads the conversation's state without a lock, then
 * locks the row with its one update. A takeover that commits in between must still win: the message is stored as
 * {@code human} and the conversation does not start waiting. The interleaving is forced, not hoped for: the takeover's
 * transaction holds the row until the ingest's backend is seen waiting for that lock.
 */
class IngestTextTakeoverRaceTest {

    static final Instant NOW = Instant.parse("2026-12-02T15:00:00Z");
    static final String CUSTOMER = "5521987654321@s.whatsapp.net";

    @RegisterExtension
    final MigratedDatabase db = new MigratedDatabase();

    @Test
    void aTakeoverCommittedWhileTheTextWaitsForTheRowWins() throws Exception {
        long conversation = db.tx().inTransaction(c -> {
            long instance = Sql.oneLong(c, "insert into instances (name) values ('loja') returning id");
            return Sql.oneLong(c, "insert into conversations (instance_id, contact_jid) values (?, ?) returning id",
                    instance, CUSTOMER);
        });

        try (Connection takeover = db.tx().dataSource().getConnection()) {
            takeover.setAutoCommit(false);
            Sql.update(takeover, "update conversations set human_until = ?, human_reason = 'operator' where id = ?",
                    NOW.plus(Duration.ofHours(1)), conversation);

            CompletableFuture<String> ingest = CompletableFuture.supplyAsync(() -> db.tx().inTransaction(c -> Sql.one(c, """
                    select status from atende_ingest_texts(array['loja'], array[?], array[null]::text[],
                                                           array[?], array[null]::text[], array['W1'], array[?],
                                                           array['conversation'], array['oi'],
                                                           array[null]::timestamptz[], 0, ?)""",
                    rs -> rs.getString(1), CUSTOMER, CUSTOMER, CUSTOMER, Timestamp.from(NOW))));

            await().atMost(Duration.ofSeconds(20)).until(() -> db.tx().inTransaction(c -> Sql.oneLong(c, """
                    select count(*) from pg_stat_activity
                     where wait_event_type = 'Lock' and query like '%atende_ingest_texts%'
                       and pid <> pg_backend_pid()""")) > 0);
            takeover.commit();

            assertThat(ingest.get()).isEqualTo("human");
        }
        String stored = db.tx().inTransaction(c -> Sql.one(c,
                "select status from messages where wa_message_id = 'W1'", rs -> rs.getString(1)));
        long waiting = db.tx().inTransaction(c -> Sql.oneLong(c,
                "select count(*) from conversations where waiting_since is not null"));
        assertThat(stored).isEqualTo("human");
        assertThat(waiting).isZero();
    }
}
