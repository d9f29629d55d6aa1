package io.atende.conversation;

import io.atende.reply.OutboundMessage;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;

import java.util.List;

/**
 * Crash recovery, run while the gateway starts and before any route does, so it never races a live turn: turns that
 * were at the LLM wait again, and the replies Evolution never confirmed are handed to
 * {@code deliver-undelivered-at-startup}. The last configuration to run: it needs the others' beans.
 */
public class StartupRecovery implements CamelConfiguration {

    /** Replies that were stored but not confirmed by Evolution when the gateway last stopped. */
    public record UndeliveredReplies(List<List<OutboundMessage>> batches) {
    }

    @BindToRegistry("undeliveredAtStartup")
    public UndeliveredReplies undeliveredAtStartup(ConversationQueue queue) {
        return new UndeliveredReplies(queue.recoverAfterRestart());
    }
}
