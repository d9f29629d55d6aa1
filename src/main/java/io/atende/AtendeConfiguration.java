package io.atende;

import io.atende.admin.AdminAuthenticator;
import io.atende.admin.DeadLetterJson;
import io.atende.admin.DeadLetterStore;
import io.atende.conversation.ConversationPrompt;
import io.atende.conversation.ConversationQueue;
import io.atende.conversation.PromptBuilder;
import io.atende.ingest.EvolutionWebhookParser;
import io.atende.ingest.IntakeDecisions;
import io.atende.ingest.IntakeGate;
import io.atende.ingest.WebhookAck;
import io.atende.ingest.WebhookAuthenticator;
import io.atende.ingest.WebhookTokenStore;
import io.atende.llm.LlmCallObserver;
import io.atende.llm.LlmStats;
import io.atende.llm.OllamaBackends;
import io.atende.llm.OllamaModels;
import io.atende.reply.DeliveryStore;
import io.atende.reply.EvolutionBreakers;
import io.atende.reply.EvolutionDelivery;
import io.atende.reply.EvolutionSendText;
import io.atende.reply.OutboundMessage;
import io.atende.reply.ReplySplitter;
import io.atende.reply.SendReconciler;
import io.atende.reply.SendRetryPolicy;
import io.atende.store.Database;
import io.atende.store.DatabaseHealthCheck;
import io.atende.store.InboundStore;
import io.atende.store.Transactions;
import io.atende.support.AtendeMetrics;
import io.atende.transport.KafkaCommits;
import io.atende.transport.KafkaTopics;
import io.atende.transport.OutboundBatches;
import io.atende.support.BacklogMonitor;
import io.atende.support.ProcessMemoryMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.spi.CliConnectorFactory;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Registry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * Wires Atende's beans from the {@code atende.*} properties (application.properties, each backed by an
 * environment variable). The routes refer to these beans by name.
 */
public class AtendeConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(AtendeConfiguration.class);

    @Override
    public void configure(CamelContext camel) throws Exception {
        PropertiesComponent props = camel.getPropertiesComponent();
        Registry registry = camel.getRegistry();
        Path dataDir = Path.of(text(props, "atende.data-dir"));
        String transport = text(props, "atende.queue");
        if (!List.of("postgres", "kafka").contains(transport)) {
            throw new IllegalArgumentException("ATENDE_QUEUE must be postgres or kafka, got '" + transport + "'");
        }

        // Camel CLI connector: on only when asked for (ATENDE_CAMEL_CLI), it polls every route's status each second.
        CliConnectorFactory cli = camel.getCamelContextExtension().getContextPlugin(CliConnectorFactory.class);
        if (cli != null) {
            cli.setEnabled(Boolean.parseBoolean(text(props, "atende.camel-cli.enabled")));
        }

        // Metrics: share the registry Camel's Prometheus support scrapes at /observe/metrics.
        MeterRegistry meters = registry.lookupByNameAndType("metricsRegistry", MeterRegistry.class);
        if (meters == null) {
            meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            registry.bind("metricsRegistry", meters);
        }
        AtendeMetrics metrics = new AtendeMetrics(meters);
        registry.bind("atendeMetrics", metrics);
        new ProcessMemoryMetrics().bindTo(meters);
        // The bounds the alert rules compare against, exported as the gateway runs with them.
        metrics.setting("busy_notice_seconds", integer(props, "atende.busy-notice.seconds"),
                "ATENDE_BUSY_NOTICE_S: estimated wait above which a customer is told the queue is long");
        metrics.setting("reply_alert_seconds", integer(props, "atende.metrics.reply-alert-seconds"),
                "ATENDE_REPLY_ALERT_S: reply time (p95) above which the AtendeSlowReplies alert fires");
        metrics.setting("llm_slots", integer(props, "atende.llm.parallel"),
                "ATENDE_LLM_PARALLEL: LLM calls in flight at once");

        // Durable state first: nothing is acknowledged without it.
        Database database = Database.open(new Database.Settings(
                text(props, "atende.db.url"), text(props, "atende.db.user"), text(props, "atende.db.password"),
                dataDir, integer(props, "atende.db.pool-size"),
                Duration.ofMillis(integer(props, "atende.db.connect-timeout-ms"))));
        camel.addService(database, true, true);
        registry.bind("dataSource", database.dataSource());
        registry.bind("databaseHealthCheck", new DatabaseHealthCheck(database.dataSource()));
        Transactions tx = new Transactions(database.dataSource());

        // Ingest
        WebhookTokenStore.Resolved token = WebhookTokenStore.resolve(text(props, "atende.webhook.token"), dataDir);
        announceToken(token, integer(props, "atende.http.port"));
        registry.bind("webhookAuthenticator", new WebhookAuthenticator(token.token(), Clock.systemUTC()));
        registry.bind("evolutionWebhookParser", new EvolutionWebhookParser());
        LlmStats llmStats = new LlmStats(Double.parseDouble(text(props, "atende.llm.expected-seconds")));
        List<OllamaBackends.Spec> backendSpecs = OllamaBackends.parse(text(props, "atende.ollama.base-urls"));
        int llmSlots = backendSpecs.isEmpty() ? integer(props, "atende.llm.parallel")
                : backendSpecs.stream().mapToInt(OllamaBackends.Spec::slots).sum();
        if (!backendSpecs.isEmpty()) {
            // The LLM workers of this replica: as many as all backends together can compute.
            props.addOverrideProperty("atende.llm.parallel", String.valueOf(llmSlots));
        }
        InboundStore inboundStore = new InboundStore(tx, text(props, "atende.reply.media-notice"),
                new InboundStore.BusyNotice(llmSlots, integer(props, "atende.busy-notice.seconds"),
                        text(props, "atende.busy-notice.text"), llmStats),
                integer(props, "atende.ingest.batch-max"));
        camel.addService(inboundStore.groupCommit(), true, true);
        registry.bind("inboundStore", inboundStore);
        registry.bind("webhookAck", new WebhookAck(metrics));
        IntakeGate intake = new IntakeGate();
        camel.getManagementStrategy().addEventNotifier(intake);
        registry.bind("intakeGate", intake);

        // LLM clients: one Ollama server, or several behind per-backend breakers (OLLAMA_BASE_URLS)
        int maxReplyTokens = integer(props, "atende.llm.max-reply-tokens");
        int numCtx = integer(props, "atende.llm.num-ctx");
        LlmCallObserver observer = new LlmCallObserver(metrics, llmStats);
        registry.bind("llmCallObserver", observer);
        String model = text(props, "atende.ollama.model");
        double temperature = Double.parseDouble(text(props, "atende.llm.temperature"));
        Duration llmTimeout = Duration.ofSeconds(integer(props, "atende.ollama.timeout-seconds"));
        IntSupplier slotsNow;
        if (backendSpecs.isEmpty()) {
            registry.bind("ollamaChatModel", OllamaModels.streamingChatModel(text(props, "atende.ollama.base-url"), model,
                    numCtx, maxReplyTokens, temperature, llmTimeout, observer, metrics));
            int fixed = llmSlots;
            slotsNow = () -> fixed;
        } else {
            OllamaBackends backends = OllamaBackends.create(backendSpecs,
                    url -> OllamaModels.streamingChatModel(url, model, numCtx, maxReplyTokens, temperature, llmTimeout,
                            observer, metrics),
                    new OllamaBackends.BreakerSettings(integer(props, "atende.llm.breaker.failure-rate"),
                            integer(props, "atende.llm.breaker.minimum-calls"), integer(props, "atende.llm.breaker.window"),
                            Duration.ofSeconds(integer(props, "atende.llm.breaker.open-seconds"))), meters);
            registry.bind("ollamaChatModel", backends);
            registry.bind("ollamaBackends", backends);
            slotsNow = backends::healthySlots;
            LOG.info("LLM: {} Ollama backends, {} slots in all: {}", backendSpecs.size(), llmSlots, backendSpecs);
        }

        // Conversation
        String nodeId = text(props, "atende.node.id");
        if (nodeId.isEmpty()) {
            nodeId = hostName();
        }
        int leaseSeconds = integer(props, "atende.lease.seconds");
        int leaseCheckMs = integer(props, "atende.lease.check-ms");
        if (leaseCheckMs * 2L >= leaseSeconds * 1000L) {
            throw new IllegalArgumentException("ATENDE_LEASE_CHECK_MS must be under half of ATENDE_LEASE_S");
        }
        ConversationQueue queue = new ConversationQueue(tx, new ConversationQueue.Settings(llmSlots,
                Duration.ofMillis(integer(props, "atende.debounce-ms")),
                Duration.ofMillis(integer(props, "atende.debounce-max-ms")),
                Duration.ofMillis(integer(props, "atende.llm.retry-base-ms")),
                Duration.ofMillis(integer(props, "atende.llm.retry-max-ms")),
                text(props, "atende.llm.fallback-text"),
                Boolean.parseBoolean(text(props, "atende.llm.answer-after-recovery")),
                integer(props, "atende.history.turns")),
                new ReplySplitter(integer(props, "atende.reply.max-chars")), slotsNow,
                new ConversationQueue.Lease(nodeId, Duration.ofSeconds(leaseSeconds)));
        queue.observeWaits(metrics::waited);
        // While this replica's own turns hold every slot, wake-ups skip the claim; trusted at most one poll period.
        queue.trustFullFor(Duration.ofMillis(integer(props, "atende.dispatch.poll-ms")));
        registry.bind("conversationQueue", queue);
        registry.bind("queuedForTheLlm", IntakeDecisions.queuedForTheLlm());
        registry.bind("noticeOwed", IntakeDecisions.noticeOwed());
        registry.bind("llmSlotMayBeFree", IntakeDecisions.llmSlotMayBeFree(queue));
        registry.bind("backlogMonitor", new BacklogMonitor(metrics));
        LOG.info("Transport: {}; this replica is '{}' (leases of {} s)", transport, nodeId, leaseSeconds);
        registry.bind("conversationPrompt", new ConversationPrompt(new PromptBuilder(
                text(props, "atende.llm.system-prompt"), numCtx, maxReplyTokens,
                integer(props, "atende.history.max-message-chars"),
                Double.parseDouble(text(props, "atende.llm.chars-per-token")))));

        // Kafka transport
        registry.bind("kafkaCommits", new KafkaCommits());
        registry.bind("outboundBatches", new OutboundBatches(tx, queue));
        if ("kafka".equals(transport)) {
            ensureTopics(props);
        }

        // Reply
        DeliveryStore deliveries = new DeliveryStore(tx, metrics);
        registry.bind("deliveryStore", deliveries);
        EvolutionBreakers sendBreakers = new EvolutionBreakers(integer(props, "atende.send.breaker.failure-rate"),
                integer(props, "atende.send.breaker.minimum-calls"), integer(props, "atende.send.breaker.window"),
                Duration.ofSeconds(integer(props, "atende.send.breaker.open-seconds")), meters);
        registry.bind("evolutionDelivery", new EvolutionDelivery(deliveries, new EvolutionSendText(),
                text(props, "atende.evolution.api-key"), sendBreakers));
        registry.bind("sendReconciler", new SendReconciler(deliveries, new EvolutionSendText(),
                text(props, "atende.evolution.api-key"), new SendReconciler.Settings(
                SendReconciler.Mode.parse(text(props, "atende.send.reconcile")),
                Duration.ofSeconds(integer(props, "atende.send.reconcile-after-seconds")),
                Duration.ofSeconds(integer(props, "atende.send.reconcile-slack-seconds"))), Clock.systemUTC()));
        registry.bind("sendRetryPolicy", new SendRetryPolicy(integer(props, "atende.send.max-attempts")));

        // Admin
        // Dead letters (list, replay) behind a Bearer token; generated into the data dir when ATENDE_ADMIN_TOKEN is unset.
        registry.bind("adminAuthenticator", AdminAuthenticator.resolve(text(props, "atende.admin.token"), dataDir,
                integer(props, "atende.http.port")));
        DeadLetterStore deadLetters = new DeadLetterStore(tx, metrics);
        registry.bind("deadLetterStore", deadLetters);
        registry.bind("deadLetterJson", new DeadLetterJson());
        metrics.deadLettersOpen(deadLetters.countOpen());

        // Crash recovery runs before any route starts, so it never races a live turn.
        List<List<OutboundMessage>> undelivered = queue.recoverAfterRestart();
        registry.bind("undeliveredAtStartup", new UndeliveredReplies(undelivered));
    }

    /** Replies that were stored but not confirmed by Evolution when the gateway last stopped. */
    public record UndeliveredReplies(List<List<OutboundMessage>> batches) {
    }

    private static void announceToken(WebhookTokenStore.Resolved token, int port) {
        switch (token.source()) {
            case CONFIGURED -> LOG.info("Webhook token: taken from ATENDE_WEBHOOK_TOKEN");
            case FILE -> LOG.info("Webhook token: taken from {} (set ATENDE_WEBHOOK_TOKEN to choose your own)", token.file());
            case GENERATED -> LOG.warn("""
                    No ATENDE_WEBHOOK_TOKEN was set, so a webhook token was generated and saved in {}.
                    Point each Evolution API instance at Atende with it (shown this once):
                      POST {EVOLUTION_BASE_URL}/webhook/set/{instance}   (header apikey: <your Evolution key>)
                      {"webhook":{"enabled":true,"url":"http://<atende-host>:{}/webhooks/evolution","byEvents":false,"base64":false,
                                  "headers":{"Authorization":"Bearer {}"},"events":["MESSAGES_UPSERT"]}}
                    or, for the global webhook (no headers): WEBHOOK_GLOBAL_URL=http://<atende-host>:{}/webhooks/evolution?token={}""",
                    token.file(), port, token.token(), port, token.token());
        }
    }

    /** Topics created if missing; Kafka not reachable yet is not fatal (the consumers wait for it). */
    private static void ensureTopics(PropertiesComponent props) throws InterruptedException {
        KafkaTopics.Settings topics = new KafkaTopics.Settings(text(props, "atende.kafka.bootstrap-servers"),
                List.of(text(props, "atende.kafka.topic.inbound"), text(props, "atende.kafka.topic.outbound")),
                integer(props, "atende.kafka.partitions"), (short) integer(props, "atende.kafka.replication"),
                integer(props, "atende.webhook.max-bytes"));
        try {
            KafkaTopics.ensure(topics, Duration.ofSeconds(15));
        } catch (RuntimeException e) {
            LOG.warn("Kafka topics not checked at startup ({}); create {} by hand or let the broker create them",
                    e.getMessage(), topics.topics());
        }
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "atende";
        }
    }

    static String text(PropertiesComponent props, String key) {
        return props.resolveProperty(key).map(String::strip).orElse("");
    }

    static int integer(PropertiesComponent props, String key) {
        String v = text(props, key);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Property " + key + " must be a whole number, got '" + v + "'");
        }
    }
}
