package io.atende.conversation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One earlier message of a conversation, as fed back to the LLM: who said it and what was said.
 */
public record HistoryTurn(Role role, String text) {

    public enum Role { USER, ASSISTANT }

    public HistoryTurn {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(text, "text");
    }

    /**
     * Converts camel-sql rows (oldest first) with columns {@code direction} ({@code in}/{@code out}) and {@code text}.
     * Rows without text (media, stickers) carry nothing the model can use and are skipped, and so are rows with an
     * unknown direction: one odd row must not stop the customer from getting an answer.
     */
    public static List<HistoryTurn> fromRows(List<Map<String, Object>> rows) {
        if (rows == null || rows.isEmpty()) {
            return List.of();
        }
        List<HistoryTurn> turns = new ArrayList<>(rows.size());
        for (Map<String, Object> row : rows) {
            if (row == null) {
                continue;
            }
            Object text = column(row, "text");
            Object direction = column(row, "direction");
            if (text == null || direction == null || text.toString().isBlank()) {
                continue;
            }
            Role role = switch (direction.toString().trim().toLowerCase(Locale.ROOT)) {
                case "in" -> Role.USER;
                case "out" -> Role.ASSISTANT;
                default -> null;
            };
            if (role != null) {
                turns.add(new HistoryTurn(role, text.toString()));
            }
        }
        return Collections.unmodifiableList(turns);
    }

    // JDBC drivers and SQL aliases differ in the case of column labels; camel-sql passes them through as given.
    private static Object column(Map<String, Object> row, String name) {
        Object exact = row.get(name);
        if (exact != null) {
            return exact;
        }
        for (Map.Entry<String, Object> e : row.entrySet()) {
            if (e.getKey() != null && e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }
}
