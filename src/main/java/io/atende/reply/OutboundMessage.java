package io.atende.reply;

/** One WhatsApp message Atende owes a customer: an answer part or a notice, persisted before it is sent. */
public record OutboundMessage(long id, long conversationId, String instance, String contactJid,
                              String kind, String text, int partIndex, int partCount) {
}
