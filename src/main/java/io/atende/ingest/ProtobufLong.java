package io.atende.ingest;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads a protobuf 64-bit value in any of the JSON shapes Evolution has emitted: a plain number, a decimal
 * string (protobufjs {@code toJSON}, Evolution 2.3.5 and older) or a {@code {low, high, unsigned}} object
 * (plain-object copy of a Long, 2.3.6 and newer).
 */
final class ProtobufLong {

    private ProtobufLong() {
    }

    /** The value, or null when the node is absent or not a 64-bit integer in a known shape. */
    static Long read(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? node.longValue() : null;
        }
        if (node.isFloatingPointNumber()) {
            double value = node.doubleValue();
            return Double.isFinite(value) && Math.abs(value) < 0x1p63 ? (long) value : null;
        }
        if (node.isTextual()) {
            try {
                return Long.parseLong(node.textValue().strip());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        if (node.isObject()) {
            return fromLowHigh(node.get("low"), node.get("high"), node.path("unsigned").asBoolean(false));
        }
        return null;
    }

    // protobufjs Long stores two signed 32-bit halves.
    private static Long fromLowHigh(JsonNode low, JsonNode high, boolean unsigned) {
        if (!isInt32Half(low) || !isInt32Half(high)) {
            return null;
        }
        long lowBits = low.longValue() & 0xFFFF_FFFFL;
        long highBits = (int) high.longValue();
        if (unsigned && highBits < 0) {
            return null; // above Long.MAX_VALUE: not a value we could use anyway
        }
        return (highBits << 32) | lowBits;
    }

    private static boolean isInt32Half(JsonNode node) {
        // Accept the unsigned spelling of a half too (0..2^32-1), which some serialisers produce.
        return node != null && node.isIntegralNumber() && node.canConvertToLong()
                && node.longValue() >= Integer.MIN_VALUE && node.longValue() <= 0xFFFF_FFFFL;
    }
}
