package io.atende.admin;

/**
 * {@code /admin/conversations/{instance}/{contact}}: the number's conversation with a contact, addressed as the
 * transcript is (the digits of the phone number, or of the LID of a contact known only by its LID).
 */
public record ConversationAddress(String instance, String contactDigits) {
}
