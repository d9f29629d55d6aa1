package io.atende.conversation;

import io.atende.conversation.ConversationControl.Reason;
import io.atende.store.Sql;
import io.atende.support.MigratedDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The quiet states' transitions on a real PostgreSQL, at instants the test chooses. */
class ConversationControlTest {

    static final Instant T0 = Instant.parse("2026-12-02T12:00:00Z");

    @RegisterExtension
    final MigratedDatabase db = new MigratedDatabase();

    long conversation(String contact) {
        return db.tx().inTransaction(c -> {
            Long known = Sql.oneLong(c, "select id from instances where name = 'loja'");
            long instance = known != null ? known : Sql.oneLong(c, "insert into instances (name) values ('loja') returning id");
            long conv = Sql.oneLong(c, """
                    insert into conversations (instance_id, contact_jid, waiting_since, last_inbound_at)
                    values (?, ?, now(), now()) returning id""", instance, contact);
            Sql.update(c, """
                    insert into messages (instance_id, conversation_id, direction, wa_message_id, kind, text, status)
                    values (?, ?, 'in', ?, 'text', 'oi', 'waiting')""", instance, conv, contact + "-1");
            return conv;
        });
    }

    record Row(Instant humanUntil, String reason, Instant since, Instant operatorSeen, Instant optedOut,
               Instant waiting) {
    }

    Row row(long id) {
        return db.tx().inTransaction(c -> Sql.one(c, """
                select human_until, human_reason, human_since, operator_seen_at, opted_out_at, waiting_since
                  from conversations where id = ?""",
                rs -> new Row(Sql.instant(rs, "human_until"), rs.getString(2), Sql.instant(rs, "human_since"),
                        Sql.instant(rs, "operator_seen_at"), Sql.instant(rs, "opted_out_at"),
                        Sql.instant(rs, "waiting_since")), id));
    }

    List<String> events(long id) {
        return db.tx().inTransaction(c -> Sql.query(c,
                "select kind || ':' || coalesce(reason, '') from conversation_events where conversation_id = ? order by id",
                rs -> rs.getString(1), id));
    }

    List<String> inbound(long id) {
        return db.tx().inTransaction(c -> Sql.query(c,
                "select status from messages where conversation_id = ? and direction = 'in' order by id",
                rs -> rs.getString(1), id));
    }

    @Test
    void aHandoffHoldsTheWaitingMessagesAndTheOperatorExtendsItKeepingTheCustomersReason() {
        long id = conversation("5511900000001@s.whatsapp.net");
        boolean fresh = db.tx().inTransaction(c -> ConversationControl.human(c, id, Reason.CUSTOMER, T0,
                T0.plus(Duration.ofMinutes(60)), null));
        assertThat(fresh).isTrue();
        assertThat(inbound(id)).containsExactly("human");
        assertThat(row(id).waiting()).isNull();

        Instant later = T0.plus(Duration.ofMinutes(30));
        boolean again = db.tx().inTransaction(c -> ConversationControl.human(c, id, Reason.OPERATOR, later,
                later.plus(Duration.ofMinutes(60)), null));
        assertThat(again).isFalse();
        Row r = row(id);
        assertThat(r.humanUntil()).isEqualTo(T0.plus(Duration.ofMinutes(90)));
        assertThat(r.reason()).isEqualTo("customer");
        assertThat(r.since()).isEqualTo(T0);
        assertThat(r.operatorSeen()).isEqualTo(later);

        // an operator message never shortens the pause
        db.tx().inTransaction(c -> ConversationControl.human(c, id, Reason.OPERATOR, later,
                later.plus(Duration.ofMinutes(1)), null));
        assertThat(row(id).humanUntil()).isEqualTo(T0.plus(Duration.ofMinutes(90)));
        // an admin pause sets its own length and reason
        db.tx().inTransaction(c -> ConversationControl.human(c, id, Reason.ADMIN, later, later.plus(Duration.ofMinutes(5)), null));
        assertThat(row(id).humanUntil()).isEqualTo(later.plus(Duration.ofMinutes(5)));
        assertThat(row(id).reason()).isEqualTo("admin");
        assertThat(events(id)).containsExactly("human:customer", "human:operator", "human:operator", "human:admin");
    }

    @Test
    void resumingAfterThePauseEndedChangesNothingAndBeforeItLiftsIt() {
        long id = conversation("5511900000002@s.whatsapp.net");
        db.tx().inTransaction(c -> ConversationControl.human(c, id, Reason.OPERATOR, T0, T0.plusSeconds(60), null));
        assertThat((boolean) db.tx().inTransaction(c -> ConversationControl.resume(c, id, Reason.ADMIN, T0.plusSeconds(61), null)))
                .isFalse();
        assertThat((boolean) db.tx().inTransaction(c -> ConversationControl.resume(c, id, Reason.ADMIN, T0.plusSeconds(10), null)))
                .isTrue();
        assertThat(row(id).humanUntil()).isNull();
        assertThat(events(id)).containsExactly("human:operator", "resume:admin");
    }

    @Test
    void optingOutTwiceIsOneChangeAndOptingInClearsIt() {
        long id = conversation("5511900000003@s.whatsapp.net");
        long msg = db.tx().inTransaction(c -> Sql.oneLong(c, "select id from messages where conversation_id = ?", id));
        assertThat((boolean) db.tx().inTransaction(c -> ConversationControl.optOut(c, id, T0, msg))).isTrue();
        assertThat((boolean) db.tx().inTransaction(c -> ConversationControl.optOut(c, id, T0.plusSeconds(5), msg))).isFalse();
        assertThat(row(id).optedOut()).isEqualTo(T0);
        assertThat(inbound(id)).containsExactly("opted_out");
        assertThat((boolean) db.tx().inTransaction(c -> ConversationControl.optIn(c, id, T0.plusSeconds(9), msg))).isTrue();
        assertThat(row(id).optedOut()).isNull();
        assertThat(events(id)).containsExactly("opt_out:keyword", "opt_in:keyword");
    }

    @Test
    void mergingKeepsTheMostRestrictiveOfBothConversations() {
        long phone = conversation("5511900000004@s.whatsapp.net");
        long lid = conversation("123456789@lid");
        db.tx().inTransaction(c -> ConversationControl.human(c, phone, Reason.OPERATOR, T0, T0.plusSeconds(600), null));
        db.tx().inTransaction(c -> ConversationControl.human(c, lid, Reason.CUSTOMER, T0, T0.plusSeconds(3600), null));
        long lidMsg = db.tx().inTransaction(c -> Sql.oneLong(c, "select id from messages where conversation_id = ?", lid));
        db.tx().inTransaction(c -> ConversationControl.optOut(c, lid, T0, lidMsg));

        db.tx().inTransaction(c -> {
            ConversationControl.merge(c, phone, lid);
            return null;
        });
        Row r = row(phone);
        assertThat(r.optedOut()).isEqualTo(T0);
        assertThat(r.humanUntil()).isEqualTo(T0.plusSeconds(3600));
        assertThat(r.reason()).isEqualTo("customer");
        assertThat(events(phone)).containsExactly("human:operator", "human:customer", "opt_out:keyword");
        assertThat(events(lid)).isEmpty();
    }
}
