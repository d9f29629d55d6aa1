package io.atende.transport;

import io.atende.conversation.ConversationQueue;
import io.atende.store.Transactions;
import io.atende.support.AtendeMetrics;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.support.service.ServiceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;

/** The transport chosen by ATENDE_QUEUE: its routes are loaded from transport/<queue>/, its beans are here. */
public class TransportConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(TransportConfiguration.class);

    /** Checked while the gateway starts: an unknown transport would load no intake route at all. */
    @BindToRegistry("transport")
    public String transport(@PropertyInject("atende.queue") String queue,
                            @PropertyInject("atende.kafka.bootstrap-servers") String bootstrap,
                            @PropertyInject("atende.kafka.topic.inbound") String inbound,
                            @PropertyInject("atende.kafka.topic.outbound") String outbound,
                            @PropertyInject("atende.kafka.partitions") int partitions,
                            @PropertyInject("atende.kafka.replication") short replication,
                            @PropertyInject("atende.webhook.max-bytes") int maxBytes,
                            @PropertyInject("atende.kafka.send-timeout-ms") int sendTimeoutMs) throws InterruptedException {
        String transport = queue.strip();
        if (!List.of("postgres", "kafka").contains(transport)) {
            throw new IllegalArgumentException("ATENDE_QUEUE must be postgres or kafka, got '" + transport + "'");
        }
        LOG.info("Transport: {}", transport);
        if ("kafka".equals(transport)) {
            ensureTopics(new KafkaTopics.Settings(bootstrap, List.of(inbound, outbound), partitions, replication,
                    maxBytes), Duration.ofMillis(sendTimeoutMs));
        }
        return transport;
    }

    /**
     * Topics created if missing; Kafka not reachable yet is not fatal (the consumers wait for it). Waits as long as a
     * webhook waits for Kafka (ATENDE_KAFKA_SEND_TIMEOUT_MS), not a fixed time that holds up every start without it.
     */
    private static void ensureTopics(KafkaTopics.Settings topics, Duration timeout) throws InterruptedException {
        try {
            KafkaTopics.ensure(topics, timeout);
        } catch (RuntimeException e) {
            LOG.warn("Kafka topics not checked at startup ({}); create {} by hand or let the broker create them",
                    e.getMessage(), topics.topics());
        }
    }

    @BindToRegistry(value = "kafkaCommits", lazy = true)
    public KafkaCommits kafkaCommits() {
        return new KafkaCommits();
    }

    /**
     * The inbound consumer's wait while PostgreSQL is down (ATENDE_KAFKA_DB_BACKOFF_MAX_MS). Its waits end as soon as
     * the gateway starts stopping, so that a waiting consumer never holds up the shutdown.
     */
    @BindToRegistry(value = "inboundBackoff", lazy = true)
    public InboundBackoff inboundBackoff(CamelContext camel, AtendeMetrics metrics,
                                         @PropertyInject("atende.kafka.db-backoff-max-ms") long maxMs) {
        InboundBackoff.WakeableSleeper sleeper = new InboundBackoff.WakeableSleeper();
        InboundBackoff backoff = new InboundBackoff(Duration.ofMillis(maxMs), metrics.registry(), sleeper);
        EventNotifierSupport stopping = new EventNotifierSupport() {
            @Override
            public boolean isEnabled(CamelEvent event) {
                return event instanceof CamelEvent.CamelContextStoppingEvent;
            }

            @Override
            public void notify(CamelEvent event) {
                sleeper.close();
            }
        };
        camel.getManagementStrategy().addEventNotifier(stopping);
        ServiceHelper.startService(stopping); // looked up lazily, possibly after the notifiers were started
        return backoff;
    }

    @BindToRegistry(value = "outboundBatches", lazy = true)
    public OutboundBatches outboundBatches(Transactions tx, ConversationQueue queue) {
        return new OutboundBatches(tx, queue);
    }
}
