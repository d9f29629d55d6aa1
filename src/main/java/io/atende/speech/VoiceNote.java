package io.atende.speech;

/**
 * A customer's voice note claimed for transcription (V14 {@code atende_claim_transcriptions}), or one whose attempts
 * are used up ({@link #giveUp()}).
 *
 * @param messageId   the stored inbound message (kind {@code voice}, status {@code transcribing})
 * @param chatJid     the chat as the webhook named it ({@code key.remoteJid})
 * @param waMessageId WhatsApp's {@code key.id}, with which Evolution finds the audio
 * @param seconds     the note's length as the payload gave it, or null
 * @param attempt     this attempt's number (1 for the first; a second one follows only a replica's death)
 */
public record VoiceNote(long messageId, long conversationId, String instance, String contactJid, String chatJid,
                        String waMessageId, Integer seconds, int attempt, boolean giveUp) {

    /** The instance as a URL path segment. */
    public String instancePath() {
        return io.atende.reply.EvolutionTarget.instancePath(instance);
    }

    @Override
    public String toString() {
        return "VoiceNote[message " + messageId + ", conversation " + conversationId + ", attempt " + attempt + "]";
    }
}
