package io.atende.profile;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One entry of {@code ignoreJids} / {@code allowJids}.
 * <ul>
 *   <li>{@code @g.us}, {@code @s.whatsapp.net}, {@code @lid}: wildcards, any address on that server;</li>
 *   <li>a whole JID: {@code 5511999998888@s.whatsapp.net}, {@code 123456789012345@lid}, {@code 1203...@g.us};</li>
 *   <li>digits alone (a leading {@code +} allowed): a phone number, the same as {@code digits@s.whatsapp.net}.</li>
 * </ul>
 * A pattern matches a contact when it matches any of the contact's addresses: WhatsApp may address one contact by
 * phone or by LID, and both are the same contact.
 */
public record JidPattern(String text, String user, String server) {

    private static final Pattern USER = Pattern.compile("[0-9A-Za-z.\\-_]+");
    private static final Pattern PHONE = Pattern.compile("\\+?[0-9]{6,20}");
    private static final String[] SERVERS = {"@s.whatsapp.net", "@lid", "@g.us"};

    /**
     * @throws IllegalArgumentException with a message fit for the caller when the pattern is none of the above
     */
    public static JidPattern parse(String pattern) {
        if (pattern == null || pattern.isBlank()) {
            throw new IllegalArgumentException("a JID pattern must not be blank");
        }
        String p = pattern.strip().toLowerCase(Locale.ROOT);
        if (PHONE.matcher(p).matches()) {
            return new JidPattern(pattern, p.startsWith("+") ? p.substring(1) : p, "@s.whatsapp.net");
        }
        for (String server : SERVERS) {
            if (p.endsWith(server)) {
                String user = p.substring(0, p.length() - server.length());
                if (user.isEmpty()) {
                    return new JidPattern(pattern, null, server);
                }
                if (USER.matcher(user).matches()) {
                    return new JidPattern(pattern, user, server);
                }
            }
        }
        throw new IllegalArgumentException("'" + pattern + "' is not a JID pattern: use @g.us, @s.whatsapp.net, @lid, "
                + "a whole JID such as 5511999998888@s.whatsapp.net, or a phone number's digits");
    }

    /** A wildcard matches every address on its server. */
    public boolean wildcard() {
        return user == null;
    }

    /** @param jid one of the contact's addresses (device suffix stripped), or null */
    public boolean matches(String jid) {
        if (jid == null) {
            return false;
        }
        String j = jid.toLowerCase(Locale.ROOT);
        if (!j.endsWith(server)) {
            return false;
        }
        return wildcard() || j.equals(user + server);
    }
}
