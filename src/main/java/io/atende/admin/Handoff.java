package io.atende.admin;

import java.time.Instant;

/**
 * A customer who asked for a human attendant, still with one ({@code human_until} later than the gateway's clock).
 *
 * @param conversationId   the conversation's id (the Painel addresses conversations by it)
 * @param contactJid       whole here, the renderer masks it
 * @param since            when the customer asked
 * @param until            when the bot takes over again unless extended
 * @param operatorAnswered the operator has written to the customer since (from the business's phone)
 * @param waitingSeconds   while not answered: how long the number has been open since the handoff (business hours,
 *                         the number's own); 0 once answered
 */
public record Handoff(long conversationId, String instance, String contactJid, String pushName, Instant since, Instant until,
                      boolean operatorAnswered, long waitingSeconds) {
}
