package io.atende.admin;

import java.time.Instant;

/**
 * One conversation as the admin API lists it; the contact's JID is whole here, the renderer masks it.
 *
 * @param contactJid    the phone JID, or the {@code @lid} JID of a contact known only by its LID
 * @param state         the API's state: {@code opted_out}, {@code human}, {@code answering}, {@code waiting} or
 *                      {@code idle} (the first that holds, see {@link ConversationBrowser})
 * @param waitingSince  the oldest customer message still waiting for an answer, or null
 * @param lastMessageAt the newest message either way (the conversation's creation when it has none)
 * @param waiting       customer messages waiting for the LLM or being answered
 * @param human         the human attendant's hold while the state is {@code human}, else null
 * @param optedOutAt    when the contact opted out, or null
 */
public record ConversationSummary(long id, String instance, String contactJid, String pushName, String state,
                                  Instant waitingSince, Instant lastMessageAt, long messagesIn, long messagesOut,
                                  long waiting, Human human, Instant optedOutAt) {

    /**
     * A human attendant has the conversation.
     *
     * @param reason      who handed it over: {@code operator} (a message from the business's phone), {@code customer}
     *                    (asked for a human), {@code admin} (the API)
     * @param since       when the handoff began
     * @param until       when the bot takes over again unless extended
     * @param secondsLeft whole seconds until then, by the gateway's clock (rounded up)
     */
    public record Human(String reason, Instant since, Instant until, long secondsLeft) {
    }

    /** Neither human nor opted out. */
    public ConversationSummary(long id, String instance, String contactJid, String pushName, String state,
                               Instant waitingSince, Instant lastMessageAt, long messagesIn, long messagesOut,
                               long waiting) {
        this(id, instance, contactJid, pushName, state, waitingSince, lastMessageAt, messagesIn, messagesOut, waiting,
                null, null);
    }
}
