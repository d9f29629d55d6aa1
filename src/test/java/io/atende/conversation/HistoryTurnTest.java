package io.atende.conversation;

import io.atende.conversation.HistoryTurn.Role;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HistoryTurnTest {

    @Test
    void mapsDirectionsToRolesInOrder() {
        assertThat(HistoryTurn.fromColumns(List.of("in", "out", "in"),
                List.of("Oi, vocês abrem sábado?", "Sim, das 9h às 13h.", "Obrigado!"))).containsExactly(
                new HistoryTurn(Role.USER, "Oi, vocês abrem sábado?"),
                new HistoryTurn(Role.ASSISTANT, "Sim, das 9h às 13h."),
                new HistoryTurn(Role.USER, "Obrigado!"));
    }

    @Test
    void directionValuesAreCaseInsensitive() {
        assertThat(HistoryTurn.fromColumns(List.of("IN", " out "), List.of("pergunta", "resposta"))).containsExactly(
                new HistoryTurn(Role.USER, "pergunta"),
                new HistoryTurn(Role.ASSISTANT, "resposta"));
    }

    @Test
    void skipsEntriesWithoutTextOrWithUnknownDirection() {
        List<String> directions = Arrays.asList("in", "out", "sideways", null, "in");
        List<String> texts = Arrays.asList(null, "   \n", "??", "sem direção", "a única que vale");

        assertThat(HistoryTurn.fromColumns(directions, texts))
                .containsExactly(new HistoryTurn(Role.USER, "a única que vale"));
    }

    @Test
    void missingOrEmptyColumnsGiveEmptyHistory() {
        assertThat(HistoryTurn.fromColumns(null, null)).isEmpty();
        assertThat(HistoryTurn.fromColumns(List.of(), List.of())).isEmpty();
        // Parallel arrays of different lengths: only the complete pairs count.
        assertThat(HistoryTurn.fromColumns(List.of("in", "out"), List.of("oi"))).containsExactly(
                new HistoryTurn(Role.USER, "oi"));
    }

    @Test
    void resultIsUnmodifiable() {
        List<HistoryTurn> turns = HistoryTurn.fromColumns(List.of("in"), List.of("oi"));
        assertThatThrownBy(() -> turns.add(new HistoryTurn(Role.USER, "x")))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void rejectsNullComponents() {
        assertThatThrownBy(() -> new HistoryTurn(null, "x")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new HistoryTurn(Role.USER, null)).isInstanceOf(NullPointerException.class);
    }
}
