package io.atende.routes;

import io.atende.conversation.ConversationQueue;
import io.atende.llm.LlmAnswer;
import io.atende.reply.OutboundMessage;
import io.atende.store.StoreUnavailableException;
import io.atende.support.Payloads;
import io.atende.transport.InboundBackoff;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kafka-transport.camel.yaml with no broker: the producers are replaced by mocks and the consumers by direct
 * endpoints, to which the test hands records as the Kafka consumer would (body, partition, offset, manual commit).
 */
class KafkaTransportRoutesTest extends RouteTestSupport {

    static final String CONTACT = "5521987654321@s.whatsapp.net";

    MockEndpoint inboundTopic;
    MockEndpoint outboundTopic;
    MockEndpoint wakeDispatcher;
    MockEndpoint localReplyWorkers;
    MockEndpoint replyWorkers;

    @Override
    protected Properties overrides() {
        return settings("atende.queue=kafka", "atende.kafka.bootstrap-servers=127.0.0.1:1",
                "atende.kafka.send-timeout-ms=500", "atende.node.id=replica-a");
    }

    /** Every Kafka endpoint replaced; the dispatcher's wake-up mocked; the reply workers mocked where they are fed. */
    void adviseKafka() throws Exception {
        advise("intake-kafka", a -> a.weaveById("publish-inbound").replace().to("mock:inbound-topic"));
        advise("consume-inbound", a -> {
            a.replaceFromWith("direct:consume-inbound");
            a.interceptSendToEndpoint("direct:dispatch-conversations").skipSendToOriginalEndpoint().to("mock:wake-dispatcher");
        });
        advise("publish-replies-kafka", a -> {
            a.weaveById("publish-outbound").replace().to("mock:outbound-topic");
            a.interceptSendToEndpoint("{{atende.endpoint.reply-workers}}").skipSendToOriginalEndpoint()
                    .to("mock:local-reply-workers");
        });
        advise("consume-outbound", a -> {
            a.replaceFromWith("direct:consume-outbound");
            a.weaveById("hand-to-reply-workers").replace().to("mock:reply-workers");
        });
        inboundTopic = getMockEndpoint("mock:inbound-topic");
        outboundTopic = getMockEndpoint("mock:outbound-topic");
        wakeDispatcher = getMockEndpoint("mock:wake-dispatcher");
        localReplyWorkers = getMockEndpoint("mock:local-reply-workers");
        replyWorkers = getMockEndpoint("mock:reply-workers");
    }

    /** The consumer's manual commit: counts commits, and what was stored when each came. */
    final class CountingCommit implements KafkaManualCommit {
        final List<String> storedAtCommit = new ArrayList<>();

        @Override
        public void commit() {
            storedAtCommit.add(column("select count(*) from messages where direction = 'in'").get(0));
        }
    }

    /** A record as the Kafka consumer hands it to the route. */
    Exchange consume(String endpoint, Object body, KafkaManualCommit commit) {
        return template.send(endpoint, e -> {
            e.getMessage().setBody(body);
            e.getMessage().setHeader(KafkaConstants.PARTITION, 3);
            e.getMessage().setHeader(KafkaConstants.OFFSET, 42L);
            e.getMessage().setHeader(KafkaConstants.MANUAL_COMMIT, commit);
        });
    }

    static byte[] webhook(String fixture, String id) {
        return Payloads.fixture(fixture).instance("padaria").id(id).json().getBytes(StandardCharsets.UTF_8);
    }

    static void failWith(MockEndpoint topic) {
        topic.whenAnyExchangeReceived(e -> {
            throw new TimeoutException("Topic not present in metadata after 500 ms.");
        });
    }

    @Test
    void theWebhookIsPublishedAsEvolutionSentItKeyedByConversationThenAnsweredQueued() throws Exception {
        adviseKafka();
        startCamel();
        String body = Payloads.fixture("01-text-conversation.json").instance("padaria").id("K1").json();

        HttpResponse<String> ack = postWebhook(body);

        assertThat(ack.statusCode()).isEqualTo(200);
        assertThat(ack.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(ack.body()).isEqualTo("{\"status\":\"queued\"}");
        assertThat(inboundTopic.getReceivedExchanges()).singleElement().satisfies(e -> {
            assertThat(e.getMessage().getBody(byte[].class)).isEqualTo(body.getBytes(StandardCharsets.UTF_8));
            assertThat(e.getMessage().getHeader(KafkaConstants.KEY)).isEqualTo("padaria|" + CONTACT);
        });
        // Stored only by whichever replica consumes the record.
        assertThat(column("select count(*) from messages")).containsExactly("0");
    }

    @Test
    void aWebhookCarryingItsMediaAsBase64IsPublishedWithoutIt() throws Exception {
        adviseKafka();
        startCamel();
        com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode)
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                        Payloads.fixture("04-audio-ptt.json").instance("padaria").id("K9").json());
        ((com.fasterxml.jackson.databind.node.ObjectNode) tree.path("data").path("message"))
                .put("base64", "T2dnUwACAAAAAAAAAAB");

        assertThat(postWebhook(tree.toString()).statusCode()).isEqualTo(200);

        assertThat(inboundTopic.getReceivedExchanges()).singleElement().satisfies(e -> {
            String published = e.getMessage().getBody(String.class);
            assertThat(published).doesNotContain("base64").doesNotContain("T2dnUwACAAAAAAAAAAB")
                    .contains("\"audioMessage\"").contains("\"K9\"");
        });
    }

    @Test
    void kafkaNotAcknowledgingIs503SoThatEvolutionRetries() throws Exception {
        adviseKafka();
        startCamel();
        failWith(inboundTopic);

        HttpResponse<String> answer = postWebhook(Payloads.fixture("01-text-conversation.json").instance("padaria").json());

        assertProblem(answer, 503, "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503,"
                + "\"error\":\"unavailable\",\"detail\":\"queue unavailable, retry later\"}");
        assertThat(answer.headers().firstValue("Retry-After")).hasValue("30");
    }

    @Test
    void aConsumedRecordIsStoredThenCommittedAndWakesTheDispatcher() throws Exception {
        adviseKafka();
        startCamel();
        CountingCommit commit = new CountingCommit();
        NotifyBuilder woken = new NotifyBuilder(context).wereSentTo("mock:wake-dispatcher").whenDone(1).create();

        Exchange first = consume("direct:consume-inbound", webhook("01-text-conversation.json", "K2"), commit);
        // Redelivered (the replica died before committing): a no-op, committed again.
        Exchange again = consume("direct:consume-inbound", webhook("01-text-conversation.json", "K2"), commit);

        assertThat(first.getException()).isNull();
        assertThat(again.getException()).isNull();
        assertThat(commit.storedAtCommit).containsExactly("1", "1");
        assertThat(column("select status from messages where wa_message_id = 'K2'")).containsExactly("waiting");
        assertThat(woken.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(wakeDispatcher.getReceivedCounter()).isEqualTo(1);
    }

    @Test
    void aMediaRecordsNoticeIsPublishedToTheOutboundTopic() throws Exception {
        adviseKafka();
        startCamel();
        CountingCommit commit = new CountingCommit();
        NotifyBuilder published = new NotifyBuilder(context).wereSentTo("mock:outbound-topic").whenDone(1).create();

        consume("direct:consume-inbound", webhook("04-audio-ptt.json", "K3"), commit);

        assertThat(published.matches(10, TimeUnit.SECONDS)).isTrue();
        String conversation = column("select id from conversations").get(0);
        String notice = column("select id from messages where kind = 'notice'").get(0);
        assertThat(outboundTopic.getReceivedExchanges()).singleElement().satisfies(e -> {
            assertThat(e.getMessage().getBody(String.class))
                    .isEqualTo("{\"conversationId\":" + conversation + ",\"kind\":\"notice\",\"messageIds\":[" + notice + "]}");
            assertThat(e.getMessage().getHeader(KafkaConstants.KEY)).isEqualTo(conversation);
        });
        assertThat(commit.storedAtCommit).containsExactly("1");
        assertThat(wakeDispatcher.getReceivedCounter()).isZero();
    }

    @Test
    void aRecordThatCanNeverBeReadIsCommittedAndSkipped() throws Exception {
        adviseKafka();
        startCamel();
        CountingCommit commit = new CountingCommit();

        Exchange notJson = consume("direct:consume-inbound", "não é json".getBytes(StandardCharsets.UTF_8), commit);
        Exchange notWebhook = consume("direct:consume-inbound", "{\"foo\":1}".getBytes(StandardCharsets.UTF_8), commit);

        assertThat(notJson.getException()).isNull();
        assertThat(notWebhook.getException()).isNull();
        assertThat(commit.storedAtCommit).containsExactly("0", "0");
        assertThat(wakeDispatcher.getReceivedCounter()).isZero();
    }

    @Test
    void aRecordNotStoredIsNotCommitted() throws Exception {
        adviseKafka();
        advise("consume-inbound", a -> a.weaveById("persist-inbound-record").replace()
                .throwException(new StoreUnavailableException(new SQLException("down"))));
        startCamel();
        CountingCommit commit = new CountingCommit();

        Exchange record = consume("direct:consume-inbound", webhook("01-text-conversation.json", "K4"), commit);

        // The failure goes back to the consumer, which polls the record again (breakOnFirstError).
        assertThat(record.getException()).isInstanceOf(StoreUnavailableException.class);
        assertThat(commit.storedAtCommit).isEmpty();
    }

    /**
     * PostgreSQL down for three attempts at one record: each attempt fails back to the consumer uncommitted, after a
     * wait twice as long as the one before (recorded, not slept); the fourth stores it, commits it and resets the
     * wait. The consumer here is the test thread, which hands the record again as camel-kafka would after a failure.
     */
    @Test
    void whilePostgresIsDownEachAttemptWaitsLongerAndTheRecordIsCommittedOnlyOnceStored() throws Exception {
        // Bound before the routes are advised (advising builds them, and they look their beans up then), in place of
        // the lazy factory's bean, which the registry would otherwise prefer.
        List<Duration> waits = new ArrayList<>();
        long maxMs = Long.parseLong(context.resolvePropertyPlaceholders("{{atende.kafka.db-backoff-max-ms}}"));
        context.getRegistry().unbind("inboundBackoff");
        context.getRegistry().bind("inboundBackoff", new InboundBackoff(Duration.ofMillis(maxMs),
                context.getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class), waits::add));
        AtomicInteger failuresLeft = new AtomicInteger(3);
        adviseKafka();
        advise("consume-inbound", a -> a.weaveById("persist-inbound-record").before().process(e -> {
            if (failuresLeft.getAndDecrement() > 0) {
                throw new StoreUnavailableException(new SQLException(
                        "Key (contact_jid)=(" + CONTACT + ") is not present", "08001"));
            }
        }));
        startCamel();
        CountingCommit commit = new CountingCommit();

        List<Exchange> attempts = new ArrayList<>();
        List<String> metricsAfterEach = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            attempts.add(consume("direct:consume-inbound", webhook("01-text-conversation.json", "K6"), commit));
            metricsAfterEach.add(backoffMetrics());
        }

        assertThat(attempts).allSatisfy(e ->
                assertThat(e.getException()).isInstanceOf(StoreUnavailableException.class));
        assertThat(waits).containsExactly(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2));
        assertThat(commit.storedAtCommit).isEmpty();
        assertThat(metricsAfterEach).containsExactly("0.5 1.0", "1.0 2.0", "2.0 3.0");
        // One line per wait, with neither the record nor PostgreSQL's message (which may quote a phone number).
        assertThat(warnings()).noneMatch(w -> w.contains("5521987654321"));
        assertThat(warnings().stream().filter(w -> w.contains("could not store")).toList()).containsExactly(
                "PostgreSQL could not store an inbound Kafka record (SQLState 08001): the consumer waits 0.5 s before "
                        + "polling it again (failure 1 in a row)",
                "PostgreSQL could not store an inbound Kafka record (SQLState 08001): the consumer waits 1.0 s before "
                        + "polling it again (failure 2 in a row)",
                "PostgreSQL could not store an inbound Kafka record (SQLState 08001): the consumer waits 2.0 s before "
                        + "polling it again (failure 3 in a row)");

        Exchange stored = consume("direct:consume-inbound", webhook("01-text-conversation.json", "K6"), commit);

        assertThat(stored.getException()).isNull();
        assertThat(commit.storedAtCommit).containsExactly("1");
        assertThat(waits).hasSize(3);
        assertThat(backoffMetrics()).isEqualTo("0.0 3.0");
        assertThat(column("select status from messages where wa_message_id = 'K6'")).containsExactly("waiting");
    }

    /** atende_kafka_inbound_backoff_seconds and atende_kafka_inbound_backoffs_total, as a scrape reads them. */
    String backoffMetrics() {
        String scrape = io.atende.support.Http.get(baseUrl() + "/observe/metrics").body();
        return sample(scrape, "atende_kafka_inbound_backoff_seconds") + " "
                + sample(scrape, "atende_kafka_inbound_backoffs_total");
    }

    static String sample(String scrape, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(scrape);
        assertThat(m.find()).as(name + " in the scrape").isTrue();
        return m.group(1);
    }

    static List<OutboundMessage> answerParts() {
        return List.of(new OutboundMessage(41, 7, "padaria", CONTACT, "answer", "Abrimos às 9h.", 0, 2),
                new OutboundMessage(42, 7, "padaria", CONTACT, "answer", "Até amanhã!", 1, 2));
    }

    @Test
    void aStoredReplyIsPublishedKeyedByItsConversation() throws Exception {
        adviseKafka();
        startCamel();

        template.sendBody("direct:publish-replies-kafka", answerParts());
        template.sendBody("direct:publish-replies-kafka", List.of());

        assertThat(outboundTopic.getReceivedExchanges()).singleElement().satisfies(e -> {
            assertThat(e.getMessage().getBody(String.class)).isEqualTo("{\"conversationId\":7,\"kind\":\"answer\",\"messageIds\":[41,42]}");
            assertThat(e.getMessage().getHeader(KafkaConstants.KEY)).isEqualTo("7");
        });
        assertThat(localReplyWorkers.getReceivedCounter()).isZero();
    }

    @Test
    void withKafkaDownTheReplyIsDeliveredByThisReplica() throws Exception {
        adviseKafka();
        startCamel();
        failWith(outboundTopic);

        template.sendBody("direct:publish-replies-kafka", answerParts());

        assertThat(batches(localReplyWorkers)).containsExactly(answerParts());
    }

    @Test
    void theConsumingReplicaTakesTheConversationOverAndDeliversWhatIsPending() throws Exception {
        adviseKafka();
        startCamel();
        // A reply stored by replica-b: a customer's text, its turn claimed and answered.
        consume("direct:consume-inbound", webhook("01-text-conversation.json", "K5"), new CountingCommit());
        ConversationQueue queue = context.getRegistry().lookupByNameAndType("conversationQueue", ConversationQueue.class);
        List<OutboundMessage> parts = queue.answered(queue.claimReady().get(0), LlmAnswer.of("Abrimos às 9h.", 10, 5, 900L, null));
        long conversation = parts.get(0).conversationId();
        execute("update conversations set lease_owner = 'replica-b' where id = ?", conversation);
        String record = "{\"conversationId\":" + conversation + ",\"kind\":\"answer\",\"messageIds\":[" + parts.get(0).id() + "]}";
        CountingCommit commit = new CountingCommit();

        consume("direct:consume-outbound", record, commit);

        assertThat(batches(replyWorkers)).containsExactly(parts);
        assertThat(column("select lease_owner from conversations where id = ?", conversation)).containsExactly("replica-a");
        assertThat(commit.storedAtCommit).hasSize(1);

        // Delivered meanwhile (a redelivered record): nothing to hand over, still committed.
        execute("update messages set status = 'sent' where id = ?", parts.get(0).id());
        queue.deliveryFinished(parts);
        consume("direct:consume-outbound", record, commit);

        assertThat(replyWorkers.getReceivedCounter()).isEqualTo(1);
        assertThat(commit.storedAtCommit).hasSize(2);
    }

    @Test
    void anAdoptedReplyWhoseOffsetCommitFailsIsDeliveredAllTheSame() throws Exception {
        adviseKafka();
        startCamel();
        consume("direct:consume-inbound", webhook("01-text-conversation.json", "K6"), new CountingCommit());
        ConversationQueue queue = context.getRegistry().lookupByNameAndType("conversationQueue", ConversationQueue.class);
        List<OutboundMessage> parts = queue.answered(queue.claimReady().get(0), LlmAnswer.of("Abrimos às 9h.", 10, 5, 900L, null));
        long conversation = parts.get(0).conversationId();
        execute("update conversations set lease_owner = 'replica-b' where id = ?", conversation);
        String record = "{\"conversationId\":" + conversation + ",\"kind\":\"answer\",\"messageIds\":[" + parts.get(0).id() + "]}";

        // The broker died with the commit: the consumer reports a timeout, though the broker may have written it
        // (then the record is never read again). The conversation is this replica's now: it delivers the reply.
        Exchange consumed = consume("direct:consume-outbound", record, () -> {
            throw new TimeoutException("Timeout of 5000ms expired before successfully committing offsets");
        });

        assertThat(consumed.getException()).isNull();
        assertThat(batches(replyWorkers)).containsExactly(parts);
        assertThat(column("select lease_owner from conversations where id = ?", conversation)).containsExactly("replica-a");
    }

    @Test
    void theConsumerScreensEachRecordWithTheNumbersProfileAsItIsNow() throws Exception {
        adviseKafka();
        startCamel();
        CountingCommit commit = new CountingCommit();
        io.atende.support.Profiles.write(tx(), "padaria",
                "{\"trigger\":{\"type\":\"keyword\",\"operator\":\"equals\",\"value\":\"menu\"}}");
        profilesChanged();

        consume("direct:consume-inbound", webhook("01-text-conversation.json", "KP1"), commit);
        io.atende.support.Profiles.write(tx(), "padaria", "{\"enabled\":false}");
        profilesChanged();
        consume("direct:consume-inbound", webhook("01-text-conversation.json", "KP2"), commit);

        assertThat(column("select wa_message_id || ' ' || status || ' ' || ignore_reason || ' ' || (conversation_id is not null)"
                + " from messages order by id")).containsExactly("KP1 ignored no_trigger true", "KP2 ignored disabled true");
        assertThat(commit.storedAtCommit).containsExactly("1", "2");
        assertThat(wakeDispatcher.getReceivedCounter()).isZero();
    }

    @Test
    void aNumberWithItsOwnWebhookTokenIsPublishedOnlyWithThatToken() throws Exception {
        adviseKafka();
        startCamel();
        io.atende.support.Profiles.write(tx(), "padaria", "{\"evolution\":{\"webhookToken\":\"token-da-padaria\"}}");
        profilesChanged();
        String body = Payloads.fixture("01-text-conversation.json").instance("padaria").id("KT1").json();

        assertThat(postWebhook(body).statusCode()).as("the global token").isEqualTo(401);
        HttpResponse<String> own = io.atende.support.Http.post(baseUrl() + "/webhooks/evolution", body,
                "Authorization", "Bearer token-da-padaria");

        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(inboundTopic.getReceivedCounter()).isEqualTo(1);
    }

    void profilesChanged() {
        context.getRegistry().lookupByNameAndType("instanceProfiles", io.atende.profile.InstanceProfiles.class).invalidate();
    }
}
