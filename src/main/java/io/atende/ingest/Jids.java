package io.atende.ingest;

import java.util.Locale;

/** WhatsApp JID helpers. A JID is {@code user[:device]@server}; only the server part tells us what it is. */
final class Jids {

    static final String PHONE_SERVER = "@s.whatsapp.net";
    static final String LID_SERVER = "@lid";
    static final String STATUS_BROADCAST = "status@broadcast";

    private Jids() {
    }

    /**
     * Drops the {@code :device} suffix of the user part, so that messages from a contact's phone and from
     * their linked devices land in the same conversation. Returns null for null or blank input.
     */
    static String stripDevice(String jid) {
        if (jid == null || jid.isBlank()) {
            return null;
        }
        String trimmed = jid.strip();
        int at = trimmed.indexOf('@');
        if (at < 0) {
            return trimmed;
        }
        int colon = trimmed.lastIndexOf(':', at);
        return colon < 0 ? trimmed : trimmed.substring(0, colon) + trimmed.substring(at);
    }

    /** The user part, without the server: the phone number's digits of a phone JID, the LID's of a LID. */
    static String user(String jid) {
        int at = jid.indexOf('@');
        return at < 0 ? jid : jid.substring(0, at);
    }

    static boolean isPhone(String jid) {
        return jid != null && lower(jid).endsWith(PHONE_SERVER);
    }

    static boolean isLid(String jid) {
        return jid != null && lower(jid).endsWith(LID_SERVER);
    }

    static boolean isGroup(String jid) {
        return lower(jid).endsWith("@g.us");
    }

    static boolean isStatusBroadcast(String jid) {
        return lower(jid).equals(STATUS_BROADCAST);
    }

    /** Broadcast lists ({@code <timestamp>@broadcast}); check {@link #isStatusBroadcast} first. */
    static boolean isBroadcast(String jid) {
        return lower(jid).endsWith("@broadcast");
    }

    static boolean isNewsletter(String jid) {
        return lower(jid).endsWith("@newsletter");
    }

    private static String lower(String jid) {
        return jid.toLowerCase(Locale.ROOT);
    }
}
