package io.atende.it.scale;

import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.support.Payloads;
import io.atende.support.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The benchmark harness behind the figures in docs/scale-out.md. Not part of the normal build (its name matches
 * neither *Test nor *IT); run it with {@code mvn -B verify -Dit.test=ScaleThroughputBench}. It posts the same load
 * to one replica, then to two replicas (fresh database and topics each time), on Kafka, with a stand-in LLM that
 * answers at once, and logs webhooks acknowledged per second and messages answered per second.
 */
class ScaleThroughputBench {

    private static final Logger LOG = LoggerFactory.getLogger(ScaleThroughputBench.class);
    private static final int MESSAGES = Integer.getInteger("bench.messages", 400);
    private static final int SENDERS = 16;

    @TempDir
    Path work;

    record Result(int replicas, double ackedPerSecond, double answeredPerSecond) {
    }

    @Test
    void oneReplicaThenTwo() throws Exception {
        try (KafkaBroker kafka = KafkaBroker.start(work.resolve("kafka"));
             OllamaFixture ollama = OllamaFixture.start().replyWith(c -> "ok: " + c.lastUserContent());
             EvolutionFixture evolution = EvolutionFixture.start("bench-key")) {
            List<Result> results = new ArrayList<>();
            for (int replicas = 1; replicas <= 2; replicas++) {
                evolution.resetStats();
                results.add(run(replicas, kafka, ollama, evolution));
            }
            for (Result r : results) {
                LOG.info("BENCH {} replica(s): {} webhooks acknowledged/s, {} messages answered/s end to end ({} messages)",
                        r.replicas(), String.format("%.0f", r.ackedPerSecond()), String.format("%.1f", r.answeredPerSecond()),
                        MESSAGES);
            }
        }
    }

    Result run(int replicas, KafkaBroker kafka, OllamaFixture ollama, EvolutionFixture evolution) throws Exception {
        String dbUrl = TestPostgres.newDatabase();
        Map<String, String> env = ReplicaLoadCheck.replicaEnv(kafka, ollama, evolution, dbUrl);
        env.put("EVOLUTION_API_KEY", "bench-key");
        env.put("ATENDE_LLM_PARALLEL", "16");
        env.put("ATENDE_KAFKA_TOPIC_INBOUND", "bench" + replicas + ".inbound");
        env.put("ATENDE_KAFKA_TOPIC_OUTBOUND", "bench" + replicas + ".outbound");
        env.put("ATENDE_KAFKA_GROUP_ID", "bench" + replicas);
        List<GatewayProcess> gateways = new ArrayList<>();
        try {
            for (int i = 1; i <= replicas; i++) {
                gateways.add(GatewayProcess.start("bench" + replicas + "-replica-" + i, work, env));
            }
            for (GatewayProcess g : gateways) {
                g.awaitReady(Duration.ofSeconds(120));
            }
            HttpClient http = HttpClient.newHttpClient();
            ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
            long start = System.nanoTime();
            List<Future<Integer>> acks = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                int n = i;
                acks.add(senders.submit(() -> ReplicaLoadCheck.post(http, gateways.get(n % gateways.size()),
                        Payloads.fixture("01-text-conversation.json").instance("loja-" + (n % 10)).id("3ABENCH" + n)
                                .remoteJid(ReplicaLoadCheck.phone(n) + "@s.whatsapp.net").remoteJidAlt(null)
                                .text("pergunta " + n).json())));
            }
            for (Future<Integer> f : acks) {
                assertThat(f.get(120, TimeUnit.SECONDS)).isEqualTo(200);
            }
            double ackSeconds = (System.nanoTime() - start) / 1e9;
            senders.shutdown();
            try (Connection db = DriverManager.getConnection(dbUrl, "postgres", "")) {
                await().atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(100)).until(() ->
                        ReplicaLoadCheck.count(db, "select count(*) from messages where direction = 'out' and status = 'sent'")
                                == MESSAGES);
            }
            double allSeconds = (System.nanoTime() - start) / 1e9;
            return new Result(replicas, MESSAGES / ackSeconds, MESSAGES / allSeconds);
        } finally {
            gateways.forEach(GatewayProcess::kill);
        }
    }
}
