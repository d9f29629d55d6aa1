package io.atende.admin;

import java.util.Locale;

/** The admin API's query parameters as the routes hand them over (raw header values): 400 when malformed. */
final class AdminParameters {

    private AdminParameters() {
    }

    /** Absent or blank: null. */
    static String text(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    /**
     * @throws AdminBadRequestException naming the parameter, when the value is not a whole number in range
     */
    static long wholeNumber(String name, String value, long min, long max) {
        try {
            long n = Long.parseLong(value.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // falls through to 400
        }
        throw new AdminBadRequestException(name + " must be a whole number from " + min
                + (max == Long.MAX_VALUE ? " up" : " to " + max));
    }

    /** {@code true} or {@code false} (any case); absent or blank: false. */
    static boolean flag(String name, String value) {
        String v = text(value);
        if (v == null || v.toLowerCase(Locale.ROOT).equals("false")) {
            return false;
        }
        if (v.toLowerCase(Locale.ROOT).equals("true")) {
            return true;
        }
        throw new AdminBadRequestException(name + " must be true or false");
    }
}
