package io.atende.transport;

import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits a consumed record's offset, on the consumer thread, once its state is in PostgreSQL: a replica that dies
 * before this point leaves the record uncommitted, and the partition's next owner consumes it again (at least once;
 * the PostgreSQL state makes the second time a no-op).
 */
public final class KafkaCommits {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaCommits.class);

    /** @param commit the consumer's manual commit (the {@code CamelKafkaManualCommit} header) */
    public void commit(KafkaManualCommit commit) {
        if (commit == null) {
            throw new IllegalStateException("no manual commit on this exchange: the consumer needs allowManualCommit=true");
        }
        commit.commit();
    }

    /**
     * For a record whose work this replica has already taken on when it commits (a reply adopted from
     * atende.outbound: the conversation's lease is now this replica's): a failed commit is logged and the work goes
     * on. A commit reported as failed may well have been written: a broker killed after writing the commit but
     * before answering leaves the consumer with a timeout, and after its restart the record is never read again.
     * Failing the exchange there dropped the adopted reply for good - its conversation stayed 'replying' under a
     * lease this live replica kept renewing, and the customer got no answer. If the commit really was lost, the
     * record comes back, and its second reading is a no-op once the parts are sent
     * ({@code ConversationQueue.adoptReply} adopts only pending parts; a part in flight is asked about, not resent).
     * Returns nothing: a bean step keeps the exchange's body (the parts to deliver).
     */
    public void commitOrWarn(KafkaManualCommit commit) {
        if (commit == null) {
            throw new IllegalStateException("no manual commit on this exchange: the consumer needs allowManualCommit=true");
        }
        try {
            commit.commit();
        } catch (KafkaException e) {
            LOG.warn("Offset commit not confirmed ({}): the record's work goes on here, a redelivery of it is a no-op",
                    e.toString());
        }
    }
}
