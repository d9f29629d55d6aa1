package io.atende.admin;

import java.time.Instant;

/**
 * One dead letter as the admin API shows it: the contact already masked ({@code LogMask.jid}), and of the
 * message only its length, never its text (customers' data).
 *
 * @param contact        masked contact JID, e.g. {@code 5521*******21@s.whatsapp.net}
 * @param reason         why the part was given up, with phone numbers masked
 * @param lastHttpStatus Evolution's status on the last attempt; null when no answer came (timeout, refused)
 * @param attempts       sendText attempts since the message was last replayed
 * @param textLength     characters in the part
 * @param replayedAt     null while the letter is open
 * @param replayCount    replays of the message so far, this letter's own included
 */
public record DeadLetter(long id, long messageId, String instance, String contact, String kind, String reason,
                         Integer lastHttpStatus, int attempts, int textLength, Instant createdAt,
                         Instant replayedAt, int replayCount) {
}
