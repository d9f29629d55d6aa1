package io.atende.it.scale;

import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.support.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.atende.it.scale.ReplicaLoadCheck.CONVERSATIONS;
import static io.atende.it.scale.ReplicaLoadCheck.EVOLUTION_KEY;
import static io.atende.it.scale.ReplicaLoadCheck.MESSAGES_EACH;
import static io.atende.it.scale.ReplicaLoadCheck.count;
import static io.atende.it.scale.ReplicaLoadCheck.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real Kafka broker (KRaft, child JVM) is SIGKILLed in the middle of a steady load on two real gateway replicas
 * (ATENDE_QUEUE=kafka), stays down long enough for webhooks to be refused with 503, and is started again on the same
 * port and the same data directory. The senders behave like Evolution: any answer other than 200 is retried until
 * it is 200. Every acknowledged message must then be stored once, answered once and in order, and no reply may reach
 * Evolution twice.
 * <p>
 * SIGKILL rather than a graceful stop: a controlled shutdown flushes and closes everything and hands the clients a
 * clean disconnect, while a killed broker leaves unflushed state, unanswered produce requests and commit requests in
 * flight - the case where an acknowledgement could be lost or a record written without its acknowledgement. The
 * broker flushes every record before acknowledging it ({@code log.flush.interval.messages=1}, as a replicated
 * production cluster would make it survive on other replicas), so what got its 200 is on disk.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KafkaBrokerRestartIT {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokerRestartIT.class);
    private static final int TOTAL = CONVERSATIONS * MESSAGES_EACH;
    private static final int SENDERS = 8;

    /** One webhook POST that was not acknowledged. */
    private record Refusal(Instant started, Instant finished, int status) {
    }

    /** The attempt of a webhook that got its 200. */
    private record Ack(Instant started, Instant finished, int attempts) {
    }

    private Path work;
    private KafkaBroker kafka;
    private OllamaFixture ollama;
    private EvolutionFixture evolution;
    private String dbUrl;
    private GatewayProcess replica1;
    private GatewayProcess replica2;
    private boolean passed;

    @BeforeAll
    void start() throws IOException {
        work = Files.createTempDirectory("atende-broker-restart");
        kafka = KafkaBroker.start(work.resolve("kafka"));
        ollama = OllamaFixture.start()
                .replyWith(call -> "Resposta: " + call.lastUserContent())
                .processingTime(Duration.ofMillis(200));
        evolution = EvolutionFixture.start(EVOLUTION_KEY);
        dbUrl = TestPostgres.newDatabase();
        Map<String, String> env = ReplicaLoadCheck.replicaEnv(kafka, ollama, evolution, dbUrl);
        replica1 = GatewayProcess.start("replica-1", work, env);
        replica2 = GatewayProcess.start("replica-2", work, env);
        replica1.awaitReady(Duration.ofSeconds(120));
        replica2.awaitReady(Duration.ofSeconds(120));
    }

    @AfterAll
    void stop() throws IOException {
        ReplicaLoadCheck.closeAll(replica1, replica2, kafka, ollama, evolution);
        if (work != null && (!passed || Boolean.getBoolean("atende.it.keep-logs"))) {
            LOG.info("Broker and replica logs kept in {}", work);
        } else if (work != null) {
            try (var paths = Files.walk(work)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Messages and conversations by status, for a failure's message. */
    private static String state(Connection db) {
        StringBuilder out = new StringBuilder();
        for (String sql : List.of(
                "select direction || '/' || status, count(*) from messages group by 1 order by 1",
                "select state, count(*) from conversations group by 1 order by 1",
                "select c.id || ' ' || c.state || ' ' || coalesce(c.lease_owner, '-') || ' ' || coalesce(string_agg(m.wa_message_id || ':' || m.status, ',' order by m.id), ''), 1 "
                        + "from conversations c left join messages m on m.conversation_id = c.id and m.direction = 'in' "
                        + "where c.state <> 'idle' or m.status <> 'answered' group by c.id order by c.id limit 20")) {
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    out.append(rs.getString(1)).append('=').append(rs.getLong(2)).append("; ");
                }
            } catch (java.sql.SQLException e) {
                out.append(e.getMessage());
            }
            out.append('\n');
        }
        return out.toString();
    }

    @Test
    void aBrokerKilledAndRestartedMidLoadLosesNothingAndDuplicatesNothing() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Map<String, Ack> acked = new ConcurrentHashMap<>();
        Queue<Refusal> refused = new ConcurrentLinkedQueue<>();
        Instant loadStart = Instant.now();

        ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
        List<Future<?>> load = new ArrayList<>();
        for (int c = 0; c < CONVERSATIONS; c++) {
            int conv = c;
            load.add(senders.submit(() -> {
                for (int m = 1; m <= MESSAGES_EACH; m++) {
                    String json = ReplicaLoadCheck.webhook(conv, m);
                    // As Evolution behind a load balancer: anything but 200 is posted again (to either replica)
                    // until it is 200; the next message of the conversation only after that.
                    GatewayProcess target = (conv + m) % 2 == 0 ? replica1 : replica2;
                    Instant deadline = Instant.now().plus(Duration.ofSeconds(150));
                    for (int attempt = 1; ; attempt++) {
                        Instant started = Instant.now();
                        int status = post(http, target, json);
                        Instant finished = Instant.now();
                        if (status == 200) {
                            acked.put(ReplicaLoadCheck.webhookId(conv, m), new Ack(started, finished, attempt));
                            break;
                        }
                        refused.add(new Refusal(started, finished, status));
                        if (finished.isAfter(deadline)) {
                            throw new AssertionError(ReplicaLoadCheck.webhookId(conv, m) + " still refused (" + status
                                    + ") after " + attempt + " attempts");
                        }
                        target = target == replica1 ? replica2 : replica1;
                        KafkaBroker.sleep(250);
                    }
                    KafkaBroker.sleep(400);
                }
                return null;
            }));
        }

        // A third of the load acknowledged: the broker dies at once, with produce and commit requests in flight.
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() -> acked.size() >= TOTAL / 3);
        Instant killing = Instant.now();
        kafka.kill();
        Instant dead = Instant.now();
        int ackedAtKill = acked.size();
        int repliesAtKill = evolution.sent().size();
        // Down until the outage has been seen: webhooks refused with 503 (each after the send timeout, 4 s here),
        // as many as there are senders.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> refused.stream().filter(r -> r.status() == 503).count() >= SENDERS);
        Instant restarting = Instant.now();
        kafka.restart();
        Instant listening = Instant.now();
        LOG.info("Broker SIGKILLed after {} acknowledged webhooks and {} replies; down {} ms; listening again {} ms after "
                        + "its restart", ackedAtKill, repliesAtKill, Duration.between(dead, restarting).toMillis(),
                Duration.between(restarting, listening).toMillis());

        for (Future<?> f : load) {
            f.get(240, TimeUnit.SECONDS);
        }
        senders.shutdown();
        Instant loadEnd = Instant.now();

        // The webhook side: everything acknowledged in the end, only ever refused with 503, some before and some
        // after the outage, and nothing acknowledged while the broker could not have had it.
        assertThat(acked).hasSize(TOTAL);
        List<Refusal> refusals = List.copyOf(refused);
        assertThat(refusals).as("refusals while the broker was down").isNotEmpty();
        assertThat(refusals.stream().map(Refusal::status).collect(Collectors.toSet()))
                .as("a webhook the broker does not have is refused with 503 (Evolution retries it)").containsOnly(503);
        assertThat(refusals.stream().filter(r -> r.finished().isBefore(killing)).toList())
                .as("nothing refused before the kill").isEmpty();
        long ackedBefore = acked.values().stream().filter(a -> a.finished().isBefore(killing)).count();
        long ackedAfter = acked.values().stream().filter(a -> a.started().isAfter(restarting)).count();
        assertThat(ackedBefore).as("acknowledged before the kill").isPositive();
        assertThat(ackedAfter).as("acknowledged after the restart").isPositive();
        assertThat(acked.entrySet().stream()
                .filter(e -> e.getValue().started().isAfter(dead) && e.getValue().finished().isBefore(restarting))
                .map(Map.Entry::getKey).toList())
                .as("acknowledged while no broker was running").isEmpty();
        long retried = acked.values().stream().filter(a -> a.attempts() > 1).count();

        try (Connection db = DriverManager.getConnection(dbUrl, "postgres", "")) {
            try {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() ->
                        count(db, "select count(*) from messages where direction = 'in' and status = 'answered'") == TOTAL
                        && count(db, "select count(*) from messages where direction = 'out' and status in ('ready', 'sending')") == 0
                        && count(db, "select count(*) from conversations where state <> 'idle'") == 0);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("not everything answered:\n" + state(db), e);
            }
            Duration took = Duration.between(loadStart, Instant.now());
            assertThat(count(db, "select count(*) from messages where direction = 'in'"))
                    .as("each acknowledged message stored once").isEqualTo(TOTAL);
            assertThat(count(db, "select count(distinct wa_message_id) from messages where direction = 'in'")).isEqualTo(TOTAL);
            assertThat(count(db, "select count(*) from messages where direction = 'out' and status = 'dead'")).isZero();
            // Stored in the order they were sent, per conversation (one key, one partition, consumed in order).
            Map<String, List<String>> storedOrder = new LinkedHashMap<>();
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(
                    "select conversation_id, wa_message_id from messages where direction = 'in' order by id")) {
                while (rs.next()) {
                    storedOrder.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
                }
            }
            assertThat(storedOrder).hasSize(CONVERSATIONS);
            storedOrder.values().forEach(ids -> {
                int conv = Integer.parseInt(ids.get(0).substring(3, 6));
                assertThat(ids).as("messages of c" + conv + " stored in order").containsExactly(
                        ReplicaLoadCheck.webhookId(conv, 1), ReplicaLoadCheck.webhookId(conv, 2),
                        ReplicaLoadCheck.webhookId(conv, 3));
            });
            List<String> storedAnswers = new ArrayList<>();
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(
                    "select text from messages where direction = 'out' and kind = 'answer' and status = 'sent' order by id")) {
                while (rs.next()) {
                    storedAnswers.add(rs.getString(1));
                }
            }
            assertThat(storedAnswers).as("one stored answer per turn, never twice").doesNotHaveDuplicates();

            // Evolution's side: every stored answer delivered, none twice, each message answered once and in order.
            List<EvolutionFixture.SentText> sent = evolution.sent();
            assertThat(ReplicaLoadCheck.repeatedReplies(sent)).as("replies Evolution was asked to send twice").isEmpty();
            assertThat(new HashSet<>(storedAnswers)).as("every stored answer reached Evolution")
                    .isEqualTo(sent.stream().map(EvolutionFixture.SentText::text).collect(Collectors.toSet()));
            ReplicaLoadCheck.assertEachMessageAnsweredOnceInOrder(sent, CONVERSATIONS);

            long published = 0;
            for (GatewayProcess g : List.of(replica1, replica2)) {
                assertThat(g.alive()).as(g.name() + " still running").isTrue();
                published += Files.readAllLines(work.resolve(g.name() + ".log")).stream()
                        .filter(l -> l.contains("Reply not published to Kafka")).count();
            }
            LOG.info("Broker restart run: {} messages acknowledged ({} before the kill, {} after the restart, {} after "
                            + "a refusal), {} refusal(s) (all 503), {} replies sent, none twice, {} reply batch(es) "
                            + "delivered locally while Kafka was down; load {} s, all answered {} s after the first webhook",
                    acked.size(), ackedBefore, ackedAfter, retried, refusals.size(), sent.size(), published,
                    Duration.between(loadStart, loadEnd).toSeconds(), took.toSeconds());
        }
        passed = true;
    }
}
