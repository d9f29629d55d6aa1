package io.atende.reply;

import io.atende.store.Sql;
import io.atende.support.AtendeMetrics;
import io.atende.support.MigratedDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The one statement that starts a part's delivery ({@link DeliveryStore#beginSend}), on a real PostgreSQL. */
class DeliveryStartTest {

    @RegisterExtension
    final MigratedDatabase db = new MigratedDatabase();
    DeliveryStore store;

    @BeforeEach
    void open() {
        store = new DeliveryStore(db.tx(), new AtendeMetrics(new SimpleMeterRegistry()));
    }

    OutboundMessage part(String status) {
        return db.tx().inTransaction(c -> {
            long instance = Sql.oneLong(c, "insert into instances (name) values ('loja') on conflict (name) do update set name = excluded.name returning id");
            long conv = Sql.oneLong(c, """
                    insert into conversations (instance_id, contact_jid) values (?, ?) returning id""",
                    instance, "5511" + System.nanoTime() + "@s.whatsapp.net");
            long id = Sql.oneLong(c, """
                    insert into messages (instance_id, conversation_id, direction, kind, text, status, part_index, part_count)
                    values (?, ?, 'out', 'answer', 'olá', ?, 0, 1) returning id""", instance, conv, status);
            return new OutboundMessage(id, conv, "loja", "5511@s.whatsapp.net", "answer", "olá", 0, 1);
        });
    }

    void attempt(OutboundMessage m, String outcome, Integer httpStatus) {
        db.tx().inTransaction(c -> Sql.update(c, """
                insert into delivery_attempts (message_id, attempt, outcome, http_status)
                values (?, (select count(*) + 1 from delivery_attempts where message_id = ?), ?, ?)""",
                m.id(), m.id(), outcome, httpStatus));
    }

    List<String> attempts(OutboundMessage m) {
        return db.tx().inTransaction(c -> Sql.query(c,
                "select attempt || ':' || outcome from delivery_attempts where message_id = ? order by id",
                rs -> rs.getString(1), m.id()));
    }

    String status(OutboundMessage m) {
        return db.tx().inTransaction(c -> Sql.one(c, "select status from messages where id = ?", rs -> rs.getString(1), m.id()));
    }

    @Test
    void aReadyPartIsMarkedSendingAndItsAttemptOpened() {
        OutboundMessage m = part("ready");

        Delivery start = store.begin(m);

        assertThat(start.verdict()).isEqualTo(Delivery.Verdict.SEND);
        assertThat(start.unconfirmed()).isNull();
        assertThat(start.attemptId()).isNotNull();
        assertThat(status(m)).isEqualTo("sending");
        assertThat(attempts(m)).containsExactly("1:pending");
    }

    @Test
    void aPartWithAConfirmedFailedAttemptGetsItsNextAttempt() {
        OutboundMessage m = part("sending");
        attempt(m, "retry", 503);
        attempt(m, "not_connected", null);

        Delivery start = store.begin(m);

        assertThat(start.verdict()).isEqualTo(Delivery.Verdict.SEND);
        assertThat(start.unconfirmed()).isNull();
        assertThat(attempts(m)).containsExactly("1:retry", "2:not_connected", "3:pending");
    }

    @Test
    void anUnconfirmedAttemptIsReportedAndNothingIsWritten() {
        OutboundMessage m = part("sending");
        attempt(m, "pending", null);
        attempt(m, "retry", null);

        Delivery start = store.begin(m);

        assertThat(start.verdict()).isEqualTo(Delivery.Verdict.ASK);
        assertThat(start.unconfirmed()).isNotNull();
        assertThat(start.unconfirmed().count()).isEqualTo(2);
        assertThat(start.attemptId()).isNull();
        assertThat(attempts(m)).containsExactly("1:pending", "2:retry");
    }

    @Test
    void aFinalPartIsNotStillToSendAndNothingIsWritten() {
        for (String finalStatus : List.of("sent", "dead")) {
            OutboundMessage m = part(finalStatus);

            Delivery start = store.begin(m);

            assertThat(start.verdict()).isEqualTo(Delivery.Verdict.DONE);
            assertThat(start.attemptId()).isNull();
            assertThat(status(m)).isEqualTo(finalStatus);
            assertThat(attempts(m)).isEmpty();
        }
        assertThat(store.begin(new OutboundMessage(999_999, 1, "loja", "x", "answer", "x", 0, 1)).verdict())
                .isEqualTo(Delivery.Verdict.DONE);
    }
}
