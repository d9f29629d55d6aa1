package io.atende.admin;

/**
 * {@code GET /admin/conversations/{instance}/{contact}}, its parameters checked.
 *
 * @param contactDigits the digits of the contact's phone number, or of its LID
 * @param before        only messages older than this message id, or null for the newest
 * @param unmask        show whole phone numbers
 */
public record TranscriptQuery(String instance, String contactDigits, Long before, boolean unmask) {
}
