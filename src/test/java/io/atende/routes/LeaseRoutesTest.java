package io.atende.routes;

import io.atende.reply.OutboundMessage;
import io.atende.store.Sql;
import io.atende.store.StoreUnavailableException;
import org.apache.camel.Exchange;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * leases.camel.yaml, each timer route driven from a direct endpoint: this replica ({@value #ME}) renews its own leases
 * only, takes back the expired work of another ({@value #GONE}), and a failing round is logged and left to the next.
 * Adopted replies go to a mock instead of the reply workers, and the dispatch after a reclaim to another.
 */
class LeaseRoutesTest extends RouteTestSupport {

    static final String ME = "node-a";
    static final String GONE = "node-b";

    MockEndpoint deliveries;
    MockEndpoint dispatch;

    @Override
    protected Properties overrides() {
        return settings("atende.node.id=" + ME);
    }

    @Test
    void theHeartbeatRenewsThisReplicasLeasesOnly() throws Exception {
        advise("lease-heartbeat", a -> a.replaceFromWith("direct:lease-heartbeat"));
        startCamel();
        long answering = leased(conversation(INSTANCE, "5511900000001@s.whatsapp.net", "answering"), ME, "1 minute");
        long replying = leased(conversation(INSTANCE, "5511900000002@s.whatsapp.net", "replying"), ME, "1 minute");
        long another = leased(conversation(INSTANCE, "5511900000003@s.whatsapp.net", "answering"), GONE, "1 minute");
        String anothersLease = value("select lease_until from conversations where id = ?", another);

        Object renewed = template.requestBody("direct:lease-heartbeat", (Object) null);

        assertThat(renewed).isEqualTo(2);
        // atende.lease.seconds is 7300 in RouteTestSupport: renewed means about two hours from now.
        assertThat(column("""
                select lease_until > now() + interval '7200 seconds' from conversations where id in (?, ?)""",
                answering, replying)).containsExactly("t", "t");
        assertThat(value("select lease_until from conversations where id = ?", another)).isEqualTo(anothersLease);
        assertThat(value("select lease_owner from conversations where id = ?", another)).isEqualTo(GONE);
    }

    @Test
    void expiredTurnsWaitAgainAndExpiredRepliesAreAdoptedAndDelivered() throws Exception {
        adviseReclaim();
        startCamel();
        // A turn at the LLM whose replica stopped renewing: its messages wait again.
        long turn = leased(conversation(INSTANCE, "5511900000001@s.whatsapp.net", "answering"), GONE, "-1 minute");
        long answeredEarlier = inbound(turn, "Bom dia", "answered", "10 minutes");
        long firstWaiting = inbound(turn, "Qual o horário?", "answering", "5 minutes");
        long secondWaiting = inbound(turn, "E no sábado?", "answering", "4 minutes");
        // A stored reply whose delivery stopped half way: its undelivered parts are delivered from here.
        long reply = leased(conversation(INSTANCE, "5511900000002@s.whatsapp.net", "replying"), GONE, "-1 minute");
        part(reply, "answer", "Abrimos às 9h,", "sent", 0, 3);
        OutboundMessage second = part(reply, "answer", "fechamos às 18h", "sending", 1, 3);
        OutboundMessage third = part(reply, "answer", "e aos sábados até o meio-dia.", "ready", 2, 3);
        // A reply that was fully delivered before its replica died: nothing to send, the conversation is free.
        long delivered = leased(conversation(INSTANCE, "5511900000003@s.whatsapp.net", "replying"), GONE, "-1 minute");
        part(delivered, "answer", "Até logo!", "sent", 0, 1);
        // Live leases of the other replica are left alone.
        long liveTurn = leased(conversation(INSTANCE, "5511900000004@s.whatsapp.net", "answering"), GONE, "1 minute");
        long liveReply = leased(conversation(INSTANCE, "5511900000005@s.whatsapp.net", "replying"), GONE, "1 minute");

        template.sendBody("direct:lease-reclaim", null);

        assertThat(state(turn)).isEqualTo("idle/null");
        assertThat(column("select status from messages where id in (?, ?, ?) order by id",
                answeredEarlier, firstWaiting, secondWaiting)).containsExactly("answered", "waiting", "waiting");
        assertThat(value("""
                select c.waiting_since = m.received_at from conversations c, messages m where c.id = ? and m.id = ?""",
                turn, firstWaiting)).isEqualTo("t");

        assertThat(state(reply)).isEqualTo("replying/" + ME);
        assertThat(value("select lease_until > now() + interval '7200 seconds' from conversations where id = ?", reply))
                .isEqualTo("t");
        assertThat(deliveries.getReceivedExchanges()).singleElement()
                .satisfies(e -> assertThat(e.getMessage().getBody()).isEqualTo(List.of(second, third)));

        assertThat(state(delivered)).isEqualTo("idle/null");
        assertThat(state(liveTurn)).isEqualTo("answering/" + GONE);
        assertThat(state(liveReply)).isEqualTo("replying/" + GONE);
        assertThat(dispatch.getReceivedCounter()).isEqualTo(1); // the turns waiting again are claimed at once
    }

    @Test
    void aFailingRoundIsLoggedAndSkippedAndTheNextRoundDoesTheWork() throws Exception {
        AtomicInteger rounds = new AtomicInteger();
        adviseReclaim();
        advise("lease-reclaim", a -> a.weaveById("reclaim-expired-leases").before().process(e -> {
            if (rounds.incrementAndGet() == 1) {
                throw new StoreUnavailableException(new SQLException("connection lost"));
            }
        }));
        advise("lease-heartbeat", a -> {
            a.replaceFromWith("direct:lease-heartbeat");
            a.weaveById("renew-leases").replace()
                    .throwException(new StoreUnavailableException(new SQLException("connection lost")));
        });
        startCamel();
        long turn = leased(conversation("answering"), GONE, "-1 minute");
        long waiting = inbound(turn, "Qual o horário?", "answering", "1 minute");

        Exchange heartbeat = template.send("direct:lease-heartbeat", e -> { });
        Exchange failed = template.send("direct:lease-reclaim", e -> { });

        for (Exchange round : List.of(heartbeat, failed)) {
            assertThat(round.getException()).isNull(); // handled: the timer goes on
            assertThat(round.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class))
                    .isInstanceOf(StoreUnavailableException.class);
        }
        assertThat(warnings()).filteredOn(w -> w.startsWith("Lease round skipped: "))
                .containsExactly("Lease round skipped: database unavailable: connection lost",
                        "Lease round skipped: database unavailable: connection lost");
        assertThat(state(turn)).isEqualTo("answering/" + GONE);
        assertThat(dispatch.getReceivedCounter()).isZero(); // the rest of the failed round did not run

        template.sendBody("direct:lease-reclaim", null);

        assertThat(state(turn)).isEqualTo("idle/null");
        assertThat(value("select status from messages where id = ?", waiting)).isEqualTo("waiting");
        assertThat(dispatch.getReceivedCounter()).isEqualTo(1);
        assertThat(deliveries.getReceivedCounter()).isZero();
    }

    // ---------------------------------------------------------------- helpers

    /** lease-reclaim from a direct endpoint, its deliveries and its dispatch to mocks. */
    void adviseReclaim() throws Exception {
        advise("lease-reclaim", a -> {
            a.replaceFromWith("direct:lease-reclaim");
            // {{atende.endpoint.deliveries}}, which weaveByToUri does not resolve
            a.interceptSendToEndpoint("direct:publish-replies-postgres").skipSendToOriginalEndpoint().to("mock:deliveries");
            a.weaveById("dispatch-after-reclaim").replace().to("mock:dispatch");
        });
        deliveries = getMockEndpoint("mock:deliveries");
        dispatch = getMockEndpoint("mock:dispatch");
    }

    /** Leased by {@code owner} until now plus {@code fromNow} (a PostgreSQL interval, negative: expired). */
    long leased(long conversation, String owner, String fromNow) {
        execute("update conversations set lease_owner = ?, lease_until = now() + ?::interval where id = ?",
                owner, fromNow, conversation);
        return conversation;
    }

    /** A customer's text in the conversation, received {@code ago} (a PostgreSQL interval). */
    long inbound(long conversation, String text, String status, String ago) {
        return tx().inTransaction(c -> Sql.oneLong(c, """
                insert into messages (instance_id, conversation_id, direction, kind, text, status, received_at)
                select instance_id, id, 'in', 'text', ?, ?, now() - ?::interval from conversations where id = ?
                returning id""", text, status, ago, conversation));
    }

    /** state/lease_owner of the conversation. */
    String state(long conversation) {
        return value("select state || '/' || coalesce(lease_owner, 'null') from conversations where id = ?", conversation);
    }
}
