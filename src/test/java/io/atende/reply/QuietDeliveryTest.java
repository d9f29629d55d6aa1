package io.atende.reply;

import io.atende.store.Sql;
import io.atende.support.AtendeMetrics;
import io.atende.support.MigratedDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Before each send, the part is checked against its conversation's state at the gateway's clock: what a human
 * attendant's conversation and an opted-out contact still let through, kind by kind.
 */
class QuietDeliveryTest {

    static final Instant NOW = Instant.parse("2026-12-02T15:00:00Z");

    @RegisterExtension
    final MigratedDatabase db = new MigratedDatabase();
    DeliveryStore store;

    @BeforeEach
    void open() {
        store = new DeliveryStore(db.tx(), new AtendeMetrics(new SimpleMeterRegistry()), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    /** A part of the given kind in a conversation human until {@code humanUntil} (or not) and opted out (or not). */
    OutboundMessage part(String kind, Instant humanUntil, boolean optedOut) {
        return db.tx().inTransaction(c -> {
            long instance = Sql.oneLong(c, "insert into instances (name) values ('loja') on conflict (name) do update set name = excluded.name returning id");
            long conv = Sql.oneLong(c, """
                    insert into conversations (instance_id, contact_jid, human_until, human_reason, opted_out_at)
                    values (?, ?, ?, ?, ?) returning id""",
                    instance, "5511" + System.nanoTime() + "@s.whatsapp.net", humanUntil,
                    humanUntil == null ? null : "operator", optedOut ? NOW.minusSeconds(60) : null);
            long id = Sql.oneLong(c, """
                    insert into messages (instance_id, conversation_id, direction, kind, text, status, part_index, part_count)
                    values (?, ?, 'out', ?, 'olá', 'ready', 0, 1) returning id""", instance, conv, kind);
            return new OutboundMessage(id, conv, "loja", "5511@s.whatsapp.net", kind, "olá", 0, 1);
        });
    }

    String outcome(OutboundMessage m) {
        Delivery d = store.begin(m);
        String status = db.tx().inTransaction(c -> Sql.one(c, "select status || coalesce(':' || failure_reason, '') from messages where id = ?",
                rs -> rs.getString(1), m.id()));
        return d.verdict() + " " + status;
    }

    @Test
    void whileAHumanHasTheConversationTheBotsOwnMessagesAreWithheldAndTheConfirmationsGo() {
        Instant human = NOW.plus(Duration.ofMinutes(30));
        assertThat(outcome(part("answer", human, false))).isEqualTo("DONE withheld:human");
        assertThat(outcome(part("notice", human, false))).isEqualTo("DONE withheld:human");
        assertThat(outcome(part("out_of_hours", human, false))).isEqualTo("DONE withheld:human");
        assertThat(outcome(part("handoff", human, false))).isEqualTo("SEND sending");
        assertThat(outcome(part("opt_out_confirm", human, false))).isEqualTo("SEND sending");
        assertThat(outcome(part("opt_in_confirm", human, false))).isEqualTo("SEND sending");
    }

    @Test
    void aPauseThatEndedAtTheClocksTimeHoldsNothing() {
        assertThat(outcome(part("answer", NOW, false))).isEqualTo("SEND sending");
        assertThat(outcome(part("answer", NOW.minusSeconds(1), false))).isEqualTo("SEND sending");
        assertThat(outcome(part("answer", null, false))).isEqualTo("SEND sending");
    }

    @Test
    void toAnOptedOutContactOnlyTheOptOutConfirmationGoes() {
        assertThat(outcome(part("opt_out_confirm", null, true))).isEqualTo("SEND sending");
        assertThat(outcome(part("answer", null, true))).isEqualTo("DONE withheld:opted_out");
        assertThat(outcome(part("notice", null, true))).isEqualTo("DONE withheld:opted_out");
        assertThat(outcome(part("handoff", null, true))).isEqualTo("DONE withheld:opted_out");
        assertThat(outcome(part("opt_out_confirm", NOW.plusSeconds(60), true))).isEqualTo("SEND sending");
    }
}
