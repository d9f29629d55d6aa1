package io.atende.admin;

import java.util.List;

/**
 * A conversation and its messages, oldest first.
 *
 * @param hasMore whether older messages exist (ask again with {@code before} = the first message's id)
 */
public record Transcript(TranscriptQuery query, ConversationSummary conversation, List<TranscriptMessage> messages,
                         boolean hasMore) {
}
