package io.atende.profile;

import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which customer message starts a conversation. {@code all}: every message. {@code keyword}: only a message that
 * matches; the conversation then goes on without it. Keywords compare without case and surrounding blanks; a regex
 * is searched in the text as written.
 */
public record TriggerRule(String operator, String value, Pattern regex) {

    public static final TriggerRule ALL = new TriggerRule("all", null, null);

    public static final java.util.Set<String> OPERATORS = java.util.Set.of("equals", "contains", "startsWith", "regex");

    /**
     * @throws IllegalArgumentException naming the problem (unknown type or operator, blank value, bad regex)
     */
    public static TriggerRule of(InstanceProfile.Trigger t) {
        if (t == null || t.type() == null || t.type().equals("all")) {
            if (t != null && (t.operator() != null || t.value() != null)) {
                throw new IllegalArgumentException("a trigger of type 'all' takes no operator or value");
            }
            return ALL;
        }
        if (!t.type().equals("keyword")) {
            throw new IllegalArgumentException("trigger.type must be 'all' or 'keyword', not '" + t.type() + "'");
        }
        if (t.operator() == null || !OPERATORS.contains(t.operator())) {
            throw new IllegalArgumentException("trigger.operator must be one of equals, contains, startsWith, regex");
        }
        if (t.value() == null || t.value().isBlank()) {
            throw new IllegalArgumentException("trigger.value must not be blank");
        }
        if (t.operator().equals("regex")) {
            try {
                return new TriggerRule("regex", t.value(), Pattern.compile(t.value()));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("trigger.value is not a valid regular expression: "
                        + e.getDescription());
            }
        }
        return new TriggerRule(t.operator(), fold(t.value()), null);
    }

    public boolean startsOnAnyMessage() {
        return regex == null && value == null;
    }

    /** @param text the customer's text (null for media without text: never a keyword) */
    public boolean matches(String text) {
        if (startsOnAnyMessage()) {
            return true;
        }
        if (text == null) {
            return false;
        }
        if (regex != null) {
            return regex.matcher(text).find();
        }
        String t = fold(text);
        return switch (operator) {
            case "equals" -> t.equals(value);
            case "contains" -> t.contains(value);
            case "startsWith" -> t.startsWith(value);
            default -> false;
        };
    }

    /** Case and Unicode form folded, so "Olá" typed on two phones compares equal. */
    private static String fold(String s) {
        return Normalizer.normalize(s.strip(), Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
    }
}
