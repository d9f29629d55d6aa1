package io.atende.support;

/**
 * What logs may show of personal data: enough of an address to tell conversations apart and to find one when a
 * customer calls, never a whole phone number, and never what anybody wrote.
 */
public final class LogMask {

    private static final int KEEP_START = 4;
    private static final int KEEP_END = 2;
    // With so few chars, keeping four at the start would show (nearly) everything.
    private static final int SHORT = 6;

    private LogMask() {
    }

    /**
     * Masks the user part of a WhatsApp JID ({@code @s.whatsapp.net}, {@code @lid}, {@code @g.us}, ...) and keeps the
     * domain, so the log still tells a phone from a LID from a group: {@code 5521987654321@s.whatsapp.net} becomes
     * {@code 5521*******21@s.whatsapp.net}. Without an {@code @} the whole value is masked as a user part.
     */
    public static String jid(String jid) {
        if (jid == null || jid.isBlank()) {
            return "-";
        }
        String value = jid.strip();
        int at = value.lastIndexOf('@');
        if (at < 0) {
            return mask(value);
        }
        return mask(value.substring(0, at)) + value.substring(at);
    }

    /** Masks a phone number like the user part of a JID: {@code 5521987654321} becomes {@code 5521*******21}. */
    public static String phone(String digits) {
        if (digits == null || digits.isBlank()) {
            return "-";
        }
        return mask(digits.strip());
    }

    /** A message text's size only, never its content: {@code [123 chars]}. */
    public static String text(String text) {
        return text == null ? "[none]" : "[" + text.length() + " chars]";
    }

    /**
     * Keeps the first 4 and last 2 chars and stars the rest, one star per char so lengths still compare;
     * 6 chars or fewer keep only the last 2.
     */
    private static String mask(String user) {
        int length = user.length();
        int keepStart = length <= SHORT ? 0 : KEEP_START;
        int keepEnd = Math.min(KEEP_END, length);
        StringBuilder masked = new StringBuilder(length);
        masked.append(user, 0, keepStart);
        masked.append("*".repeat(length - keepStart - keepEnd));
        masked.append(user, length - keepEnd, length);
        return masked.toString();
    }
}
