package io.atende.transport;

import org.apache.camel.component.kafka.consumer.KafkaManualCommit;

/**
 * Commits a consumed record's offset, on the consumer thread, once its state is in PostgreSQL: a replica that dies
 * before this point leaves the record uncommitted, and the partition's next owner consumes it again (at least once;
 * the PostgreSQL state makes the second time a no-op).
 */
public final class KafkaCommits {

    /** @param commit the consumer's manual commit (the {@code CamelKafkaManualCommit} header) */
    public void commit(KafkaManualCommit commit) {
        if (commit == null) {
            throw new IllegalStateException("no manual commit on this exchange: the consumer needs allowManualCommit=true");
        }
        commit.commit();
    }
}
