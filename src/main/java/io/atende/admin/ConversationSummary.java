package io.atende.admin;

import java.time.Instant;

/**
 * One conversation as the admin API lists it; the contact's JID is whole here, the renderer masks it.
 *
 * @param contactJid    the phone JID, or the {@code @lid} JID of a contact known only by its LID
 * @param state         the API's state: {@code waiting}, {@code answering} or {@code idle}
 * @param waitingSince  the oldest customer message still waiting for an answer, or null
 * @param lastMessageAt the newest message either way (the conversation's creation when it has none)
 * @param waiting       customer messages waiting for the LLM or being answered
 */
public record ConversationSummary(long id, String instance, String contactJid, String pushName, String state,
                                  Instant waitingSince, Instant lastMessageAt, long messagesIn, long messagesOut,
                                  long waiting) {
}
