package io.atende.transport;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;

/**
 * Creates Atende's Kafka topics when they are missing, with the configured partition count. Existing topics are
 * left as they are (their partition count is the operator's business once created).
 */
public final class KafkaTopics {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTopics.class);

    /**
     * @param maxMessageBytes topic {@code max.message.bytes}: the largest webhook body accepted
     */
    public record Settings(String bootstrapServers, List<String> topics, int partitions, short replication,
                           int maxMessageBytes) {
    }

    private KafkaTopics() {
    }

    /** @return the topics created now (empty when all existed) */
    public static List<String> ensure(Settings s, Duration timeout) throws InterruptedException {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrapServers());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 10_000));
        try (Admin admin = Admin.create(p)) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (String t : s.topics()) {
                if (!existing.contains(t)) {
                    missing.add(new NewTopic(t, s.partitions(), s.replication())
                            .configs(Map.of("max.message.bytes", String.valueOf(s.maxMessageBytes()))));
                }
            }
            List<String> created = new ArrayList<>();
            for (NewTopic t : missing) {
                try {
                    admin.createTopics(List.of(t)).all().get();
                    created.add(t.name());
                    LOG.info("Kafka topic {} created with {} partition(s)", t.name(), s.partitions());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("Could not create Kafka topic " + t.name() + ": "
                                + e.getCause(), e.getCause());
                    }
                }
            }
            return created;
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka at " + s.bootstrapServers() + " did not answer: " + e.getCause(), e.getCause());
        }
    }
}
