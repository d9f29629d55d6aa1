package io.atende.reply;

import io.atende.support.LogMask;


/**
 * One conversation that is shown "digitando…" while the model writes its answer: where its next {@code composing}
 * presence goes.
 *
 * @param conversationId the conversation whose turn is running
 * @param instance       the Evolution instance (the number) that types
 * @param contactJid     the customer's JID
 */
public record TypingTarget(long conversationId, String instance, String contactJid) {

    /** Evolution's {@code number}: digits for a phone JID, the full JID for a LID, as sendText takes it. */
    public String number() {
        return EvolutionSendText.number(contactJid);
    }

    /** The instance as a URL path segment ({@code /chat/sendPresence/{instance}}): names may hold spaces or accents. */
    public String instancePath() {
        return EvolutionTarget.instancePath(instance);
    }

    /** Never the whole number: this record may reach a log line or an exchange dump. */
    @Override
    public String toString() {
        return "TypingTarget[conversation " + conversationId + ", " + instance + " to " + LogMask.jid(contactJid) + "]";
    }
}
