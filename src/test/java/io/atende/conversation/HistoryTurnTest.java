package io.atende.conversation;

import io.atende.conversation.HistoryTurn.Role;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HistoryTurnTest {

    private static Map<String, Object> row(String directionKey, Object direction, String textKey, Object text) {
        // Not Map.of: camel-sql rows may hold nulls.
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", 1L);
        row.put(directionKey, direction);
        row.put(textKey, text);
        return row;
    }

    @Test
    void mapsDirectionsToRolesInOrder() {
        List<Map<String, Object>> rows = List.of(
                row("direction", "in", "text", "Oi, vocês abrem sábado?"),
                row("direction", "out", "text", "Sim, das 9h às 13h."),
                row("direction", "in", "text", "Obrigado!"));

        assertThat(HistoryTurn.fromRows(rows)).containsExactly(
                new HistoryTurn(Role.USER, "Oi, vocês abrem sábado?"),
                new HistoryTurn(Role.ASSISTANT, "Sim, das 9h às 13h."),
                new HistoryTurn(Role.USER, "Obrigado!"));
    }

    @Test
    void columnNamesAndDirectionValuesAreCaseInsensitive() {
        List<Map<String, Object>> rows = List.of(
                row("DIRECTION", "IN", "Text", "pergunta"),
                row("Direction", " out ", "TEXT", "resposta"));

        assertThat(HistoryTurn.fromRows(rows)).containsExactly(
                new HistoryTurn(Role.USER, "pergunta"),
                new HistoryTurn(Role.ASSISTANT, "resposta"));
    }

    @Test
    void skipsRowsWithoutTextOrWithUnknownDirection() {
        List<Map<String, Object>> rows = new ArrayList<>();
        rows.add(row("direction", "in", "text", null));       // media message
        rows.add(row("direction", "out", "text", "   \n"));
        rows.add(row("direction", "sideways", "text", "??"));
        rows.add(row("direction", null, "text", "sem direção"));
        rows.add(null);
        rows.add(new HashMap<>());
        rows.add(row("direction", "in", "text", "a única que vale"));

        assertThat(HistoryTurn.fromRows(rows)).containsExactly(new HistoryTurn(Role.USER, "a única que vale"));
    }

    @Test
    void nullOrEmptyRowsGiveEmptyHistory() {
        assertThat(HistoryTurn.fromRows(null)).isEmpty();
        assertThat(HistoryTurn.fromRows(List.of())).isEmpty();
    }

    @Test
    void resultIsUnmodifiable() {
        List<HistoryTurn> turns = HistoryTurn.fromRows(List.of(row("direction", "in", "text", "oi")));
        assertThatThrownBy(() -> turns.add(new HistoryTurn(Role.USER, "x")))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void rejectsNullComponents() {
        assertThatThrownBy(() -> new HistoryTurn(null, "x")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new HistoryTurn(Role.USER, null)).isInstanceOf(NullPointerException.class);
    }
}
