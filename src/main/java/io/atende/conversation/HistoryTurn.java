package io.atende.conversation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
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
     * Converts the history columns the claim returns (parallel arrays, oldest first): {@code direction}
     * ({@code in}/{@code out}) and {@code text}. Entries without text (media, stickers) carry nothing the model can
     * use and are skipped, and so are entries with an unknown direction: one odd row must not stop the customer from
     * getting an answer.
     */
    public static List<HistoryTurn> fromColumns(List<String> directions, List<String> texts) {
        if (directions == null || texts == null || directions.isEmpty()) {
            return List.of();
        }
        List<HistoryTurn> turns = new ArrayList<>(directions.size());
        for (int i = 0; i < Math.min(directions.size(), texts.size()); i++) {
            String text = texts.get(i);
            String direction = directions.get(i);
            if (text == null || direction == null || text.isBlank()) {
                continue;
            }
            Role role = switch (direction.trim().toLowerCase(Locale.ROOT)) {
                case "in" -> Role.USER;
                case "out" -> Role.ASSISTANT;
                default -> null;
            };
            if (role != null) {
                turns.add(new HistoryTurn(role, text));
            }
        }
        return Collections.unmodifiableList(turns);
    }
}
