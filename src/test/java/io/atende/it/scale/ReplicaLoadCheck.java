package io.atende.it.scale;

import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.support.Payloads;
import io.atende.support.TestPostgres;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two real gateway JVMs ({@code target/atende.jar}) share one PostgreSQL and, with ATENDE_QUEUE=kafka, one real
 * Kafka broker (KRaft, child JVM); {@link KafkaReplicasIT} and {@link PostgresReplicasIT} choose the transport. 100 conversations of 3 messages each are posted alternately to both replicas (as a load
 * balancer would); one replica is SIGKILLed mid-load, and the webhooks it can no longer take are retried on the other
 * one (as Evolution and nginx do). Every acknowledged message must be answered, each answer delivered once, and the
 * answers of each conversation must follow the order of its messages.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ReplicaLoadCheck {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaLoadCheck.class);
    private static final String TOKEN = "scale-it-token-0123456789";
    static final String EVOLUTION_KEY = "scale-it-evolution-key";
    static final String INSTANCE_A = "loja-a";
    static final String INSTANCE_B = "loja-b";
    static final int CONVERSATIONS = 100;
    static final int MESSAGES_EACH = 3;
    private static final Pattern ANSWER = Pattern.compile("^c(\\d+) m(\\d+)$");

    Path work;
    KafkaBroker kafka;
    OllamaFixture ollama;
    EvolutionFixture evolution;
    String dbUrl;
    GatewayProcess replica1;
    GatewayProcess replica2;

    /** postgres or kafka */
    abstract String transport();

    @BeforeAll
    void start() throws IOException {
        work = Files.createTempDirectory("atende-replicas-" + transport());
        kafka = "kafka".equals(transport()) ? KafkaBroker.start(work.resolve("kafka")) : null;
        ollama = OllamaFixture.start()
                .replyWith(call -> "Resposta: " + call.lastUserContent())
                .processingTime(Duration.ofMillis(300));
        evolution = EvolutionFixture.start(EVOLUTION_KEY);
        dbUrl = TestPostgres.newDatabase();
        Map<String, String> env = replicaEnv(kafka, ollama, evolution, dbUrl);
        env.put("ATENDE_QUEUE", transport());
        replica1 = GatewayProcess.start("replica-1", work, env);
        replica2 = GatewayProcess.start("replica-2", work, env);
        replica1.awaitReady(Duration.ofSeconds(120));
        replica2.awaitReady(Duration.ofSeconds(120));
    }

    @AfterAll
    void stop() throws IOException {
        closeAll(replica1, replica2, kafka, ollama, evolution);
        if (work != null) {
            // Broker data and replica logs; kept when the test failed would be nicer, but /tmp must not fill up.
            try (var paths = Files.walk(work)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    void everyAcknowledgedMessageIsAnsweredOnceAndInOrderDespiteAKilledReplica() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Map<String, Integer> acknowledged = new ConcurrentHashMap<>();
        AtomicInteger retriedElsewhere = new AtomicInteger();
        Set<String> ownersSeen = ConcurrentHashMap.newKeySet();
        Instant loadStart = Instant.now();

        ExecutorService senders = Executors.newFixedThreadPool(8);
        List<Future<?>> load = new ArrayList<>();
        for (int c = 0; c < CONVERSATIONS; c++) {
            int conv = c;
            load.add(senders.submit(() -> {
                for (int m = 1; m <= MESSAGES_EACH; m++) {
                    String id = webhookId(conv, m);
                    String json = webhook(conv, m);
                    // The load balancer's choice; a dead replica's share goes to the other one.
                    GatewayProcess first = (conv + m) % 2 == 0 ? replica1 : replica2;
                    GatewayProcess other = first == replica1 ? replica2 : replica1;
                    int status = post(http, first, json);
                    if (status != 200) {
                        retriedElsewhere.incrementAndGet();
                        status = postUntilAccepted(http, other, json);
                    }
                    acknowledged.put(id, status);
                    KafkaBroker.sleep(400);
                }
                return null;
            }));
        }

        // Kill one replica once answers flow, both replicas have owned work, and replica-1 holds some right now.
        List<Long> heldByTheKilled;
        try (Connection db = DriverManager.getConnection(dbUrl, "postgres", "")) {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() -> {
                Set<String> now = leaseOwners(db);
                ownersSeen.addAll(now);
                return acknowledged.size() >= CONVERSATIONS * MESSAGES_EACH / 2 && evolution.sent().size() >= 20
                        && ownersSeen.containsAll(Set.of("replica-1", "replica-2")) && now.contains("replica-1");
            });
            replica1.kill();
            heldByTheKilled = ids(db, "select id from conversations where lease_owner = 'replica-1' order by id");
        }
        assertThat(heldByTheKilled).as("the kill abandoned work in flight (LLM turns of 300 ms, deliveries)").isNotEmpty();
        int ackedAtKill = acknowledged.size();
        LOG.info("SIGKILLed replica-1 after {} acknowledged webhooks and {} replies, holding {} conversation(s)",
                ackedAtKill, evolution.sent().size(), heldByTheKilled.size());
        for (Future<?> f : load) {
            f.get(180, TimeUnit.SECONDS);
        }
        senders.shutdown();
        assertThat(acknowledged).hasSize(CONVERSATIONS * MESSAGES_EACH);
        assertThat(acknowledged.values()).containsOnly(200);
        assertThat(ackedAtKill).as("killed mid-load").isLessThan(CONVERSATIONS * MESSAGES_EACH);
        assertThat(retriedElsewhere.get()).as("webhooks the dead replica could not take went to the other").isPositive();

        try (Connection db = DriverManager.getConnection(dbUrl, "postgres", "")) {
            // Everything acknowledged ends answered; nothing left in flight.
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() ->
                    count(db, "select count(*) from messages where direction = 'in' and status = 'answered'")
                            == CONVERSATIONS * MESSAGES_EACH
                    && count(db, "select count(*) from messages where direction = 'out' and status in ('ready', 'sending')") == 0
                    && count(db, "select count(*) from conversations where state <> 'idle'") == 0);
            Duration took = Duration.between(loadStart, Instant.now());
            // The killed replica's work was taken back by the survivor (lease expiry), not left behind.
            assertThat(ids(db, "select id from conversations where lease_owner = 'replica-1'")).isEmpty();
            assertThat(count(db, "select count(*) from messages where direction = 'in'"))
                    .as("each acknowledged message stored once").isEqualTo(CONVERSATIONS * MESSAGES_EACH);
            assertThat(count(db, "select count(*) from messages where direction = 'out' and status = 'dead'")).isZero();
            // The LLM cap (ATENDE_LLM_PARALLEL=4) is global: two replicas together never had more calls in flight.
            assertThat(ollama.maxConcurrent()).as("LLM calls in flight at once, both replicas together")
                    .isBetween(2, 4);

            // The parts that were being sent at the instant of the kill: the only ones that may reach a customer twice.
            Set<String> inFlightAtKill = new HashSet<>();
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("""
                    select distinct m.text from delivery_attempts a join messages m on m.id = a.message_id
                     where a.finished_at is null""")) {
                while (rs.next()) {
                    inFlightAtKill.add(rs.getString(1));
                }
            }
            List<String> storedAnswers = new ArrayList<>();
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(
                    "select text from messages where direction = 'out' and kind = 'answer' and status = 'sent' order by id")) {
                while (rs.next()) {
                    storedAnswers.add(rs.getString(1));
                }
            }

            List<EvolutionFixture.SentText> sent = evolution.sent();
            List<String> duplicates = repeatedReplies(sent);
            for (String d : duplicates) {
                assertThat(inFlightAtKill).as("a reply sent twice must have been in flight at the kill: " + d)
                        .contains(d.substring(d.indexOf('|') + 1));
            }
            assertThat(duplicates.size()).as("at most the parts in flight at the kill repeat").isLessThanOrEqualTo(inFlightAtKill.size());
            assertThat(new HashSet<>(storedAnswers)).as("every stored answer reached Evolution")
                    .isEqualTo(sent.stream().map(EvolutionFixture.SentText::text).collect(java.util.stream.Collectors.toSet()));
            assertThat(storedAnswers).as("one stored answer per turn, never twice").doesNotHaveDuplicates();

            assertEachMessageAnsweredOnceInOrder(sent, CONVERSATIONS);
            LOG.info("Scale-out run ({}): {} messages, {} replies, {} duplicate(s) among {} part(s) in flight at the kill, "
                            + "{} webhook(s) retried on the surviving replica, {} conversation(s) taken back from the killed one, "
                            + "all answered {} s after the first webhook",
                    transport(), CONVERSATIONS * MESSAGES_EACH, sent.size(), duplicates.size(), inFlightAtKill.size(),
                    retriedElsewhere.get(), heldByTheKilled.size(), took.toSeconds());
        }

        if (kafka == null) {
            return;
        }
        // A record that can never be read (not an Evolution webhook) is skipped, not retried for ever: the next
        // message of the same key, on the same partition behind it, is answered.
        String contact = phone(998) + "@s.whatsapp.net";
        Properties producer = new Properties();
        producer.put("bootstrap.servers", kafka.bootstrapServers());
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(producer, new StringSerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>("atende.inbound", INSTANCE_A + "|" + contact,
                    "{not an evolution webhook".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
        }
        assertThat(post(http, replica2, Payloads.fixture("01-text-conversation.json").instance(INSTANCE_A).id("3AAFTERPOISON")
                .remoteJid(contact).remoteJidAlt(null).text("c998 m1").json())).isEqualTo(200);
        await().atMost(Duration.ofSeconds(60)).until(() -> evolution.sent().stream()
                .anyMatch(x -> x.number().equals(phone(998)) && x.text().equals("Resposta: c998 m1")));

        // Kafka down: the surviving replica answers 503 (nothing acknowledged that is not in the broker).
        kafka.kill();
        String json = Payloads.fixture("01-text-conversation.json").instance(INSTANCE_A).id("3AKAFKADOWN1")
                .remoteJid(phone(999) + "@s.whatsapp.net").remoteJidAlt(null).text("depois da queda").json();
        HttpResponse<String> down = http.send(request(replica2, json), HttpResponse.BodyHandlers.ofString());
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).contains("\"error\":\"unavailable\"");
    }

    /** The settings every replica of these runs shares (each adds its port, name and data directory). */
    /** Closes each one that was started, best effort: a teardown must reach the broker and the fixtures. */
    static void closeAll(AutoCloseable... parts) {
        for (AutoCloseable c : parts) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // best effort
                }
            }
        }
    }

    static Map<String, String> replicaEnv(KafkaBroker kafka, OllamaFixture ollama, EvolutionFixture evolution, String dbUrl) {
        Map<String, String> env = new HashMap<>();
        env.put("ATENDE_QUEUE", "kafka");
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka == null ? "127.0.0.1:1" : kafka.bootstrapServers());
        env.put("ATENDE_KAFKA_PARTITIONS", "6");
        env.put("ATENDE_DB_URL", dbUrl);
        env.put("ATENDE_DB_USER", "postgres");
        env.put("ATENDE_DB_POOL_SIZE", "6");
        env.put("ATENDE_WEBHOOK_TOKEN", TOKEN);
        env.put("ATENDE_ADMIN_TOKEN", "scale-it-admin-token");
        env.put("OLLAMA_BASE_URL", ollama.baseUrl());
        env.put("ATENDE_LLM_PARALLEL", "4");
        env.put("EVOLUTION_BASE_URL", evolution.baseUrl());
        env.put("EVOLUTION_API_KEY", EVOLUTION_KEY);
        env.put("ATENDE_DEBOUNCE_MS", "0");
        env.put("ATENDE_DISPATCH_POLL_MS", "200");
        env.put("ATENDE_BUSY_NOTICE_TEXT", "");
        env.put("ATENDE_SEND_RETRY_DELAY_MS", "100");
        env.put("ATENDE_SEND_RETRY_MAX_DELAY_MS", "500");
        // A part whose sendText was in flight when replica-1 died is adopted by the survivor, which first asks
        // Evolution (findMessages) whether it arrived, once the attempt is this old. The default (30 s) is far
        // longer than this run's retry budget (8 attempts, 0.1-0.5 s apart): such a part then ended as a dead
        // letter whenever the kill caught a send in flight (seen once in CI).
        env.put("ATENDE_SEND_RECONCILE_AFTER_S", "1");
        env.put("ATENDE_SEND_MAX_ATTEMPTS", "20");
        env.put("ATENDE_LEASE_S", "4");
        env.put("ATENDE_LEASE_CHECK_MS", "1000");
        env.put("ATENDE_KAFKA_SEND_TIMEOUT_MS", "4000");
        env.put("ATENDE_KAFKA_SESSION_TIMEOUT_MS", "6000");
        env.put("ATENDE_SHUTDOWN_S", "5");
        return env;
    }

    /** The WhatsApp id of message {@code m} (1-based) of conversation {@code conv}. */
    static String webhookId(int conv, int m) {
        return String.format("3AC%03dM%d", conv, m);
    }

    /** The Evolution webhook of message {@code m} of conversation {@code conv}: text "c{conv} m{m}", on loja-a or loja-b. */
    static String webhook(int conv, int m) {
        return Payloads.fixture("01-text-conversation.json")
                .instance(conv % 2 == 0 ? INSTANCE_A : INSTANCE_B)
                .id(webhookId(conv, m)).remoteJid(phone(conv) + "@s.whatsapp.net").remoteJidAlt(null)
                .text("c" + conv + " m" + m).json();
    }

    /** The replies Evolution was asked to send more than once, as "instance|text". */
    static List<String> repeatedReplies(List<EvolutionFixture.SentText> sent) {
        Map<String, Integer> times = new HashMap<>();
        sent.forEach(s -> times.merge(s.instance() + "|" + s.text(), 1, Integer::sum));
        return times.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
    }

    /**
     * Per conversation: messages that arrived while a turn was running are answered together in the next turn (the
     * fixture echoes them, one per line). Read in delivery order, the answers must cover every message exactly once
     * and in the order the customer sent them. A repeated reply is read once (the caller judges repeats).
     */
    static void assertEachMessageAnsweredOnceInOrder(List<EvolutionFixture.SentText> sent, int conversations) {
        Map<Integer, List<Integer>> answeredOrder = new LinkedHashMap<>();
        Set<String> seenText = new HashSet<>();
        for (EvolutionFixture.SentText s : sent) {
            if (!seenText.add(s.instance() + "|" + s.text())) {
                continue; // a repeat (the caller checked it)
            }
            assertThat(s.text()).startsWith("Resposta: ");
            for (String line : s.text().substring("Resposta: ".length()).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                Matcher m = ANSWER.matcher(line.strip());
                assertThat(m.matches()).as("unexpected reply line '" + line + "'").isTrue();
                int conv = Integer.parseInt(m.group(1));
                assertThat(s.number()).isEqualTo(phone(conv));
                assertThat(s.instance()).isEqualTo(conv % 2 == 0 ? INSTANCE_A : INSTANCE_B);
                answeredOrder.computeIfAbsent(conv, k -> new ArrayList<>()).add(Integer.parseInt(m.group(2)));
            }
        }
        assertThat(answeredOrder).hasSize(conversations);
        answeredOrder.forEach((conv, order) -> assertThat(order)
                .as("conversation c" + conv + ": each message answered once, in order").containsExactly(1, 2, 3));
    }

    static String phone(int conv) {
        return String.format("5511900%06d", conv);
    }

    static Set<String> leaseOwners(Connection db) throws SQLException {
        Set<String> owners = new HashSet<>();
        try (Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("select distinct lease_owner from conversations where lease_owner is not null")) {
            while (rs.next()) {
                owners.add(rs.getString(1));
            }
        }
        return owners;
    }

    static List<Long> ids(Connection db, String sql) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    static long count(Connection db, String sql) throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static HttpRequest request(GatewayProcess g, String json) {
        return HttpRequest.newBuilder(URI.create(g.baseUrl() + "/webhooks/evolution"))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
    }

    /** One attempt: the HTTP status, or -1 when the replica could not be reached. */
    static int post(HttpClient http, GatewayProcess g, String json) {
        try {
            return http.send(request(g, json), HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static int postUntilAccepted(HttpClient http, GatewayProcess g, String json) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        int status = -1;
        while (Instant.now().isBefore(deadline)) {
            status = post(http, g, json);
            if (status == 200) {
                return status;
            }
            KafkaBroker.sleep(200);
        }
        return status;
    }
}
