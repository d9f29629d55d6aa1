package io.atende.admin;

import java.time.Instant;

/**
 * One message of a transcript, either way.
 *
 * @param direction    {@code in} (the customer's) or {@code out} (Atende's)
 * @param kind         in: {@code text}, {@code voice} (a voice note; its text is the transcript), {@code media} or
 *                     {@code ignored}; out: {@code answer} or a notice's kind
 * @param status       in: waiting, answering, answered, noticed, ignored; out: ready, sending, sent, dead
 * @param at           when Atende stored it
 * @param partIndex    out: the part of the reply, from 0; null for inbound messages
 * @param partCount    out: the reply's parts
 * @param ignoreReason why an inbound message was not answered, or null
 * @param remoteJid    the JID the webhook named (whole here; the renderer masks it), or null
 */
public record TranscriptMessage(long id, String direction, String kind, String status, String text, Instant at,
                                Integer partIndex, Integer partCount, String ignoreReason, String remoteJid) {
}
