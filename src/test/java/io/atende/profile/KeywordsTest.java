package io.atende.profile;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Keywords as customers type them on a phone: case, accents, punctuation, emoji and "por favor" do not matter. */
class KeywordsTest {

    @Test
    void normalisingDropsCaseAccentsPunctuationEmojiAndATrailingPorFavor() {
        assertThat(Keywords.normalise("Parar, por favor! 🙏")).isEqualTo("parar");
        assertThat(Keywords.normalise("ATENDENTE")).isEqualTo("atendente");
        assertThat(Keywords.normalise("Não, obrigação")).isEqualTo("nao obrigacao");
        assertThat(Keywords.normalise("  Falar   com... ALGUÉM?!  ")).isEqualTo("falar com alguem");
        assertThat(Keywords.normalise("👍👍")).isEmpty();
        assertThat(Keywords.normalise(null)).isEmpty();
        // Only a trailing "por favor", as a whole phrase, and repeated ones.
        assertThat(Keywords.normalise("Por favor, me ajuda")).isEqualTo("por favor me ajuda");
        assertThat(Keywords.normalise("parar por favor, por favor")).isEqualTo("parar");
        assertThat(Keywords.normalise("compor favor")).isEqualTo("compor favor");
        assertThat(Keywords.normalise("por favor")).isEmpty();
    }

    @Test
    void isExactlyTheWholeMessage() {
        Keywords stop = Keywords.of(List.of("parar", "Sair", "STOP"));
        assertThat(stop.isExactly("Parar.")).isTrue();
        assertThat(stop.isExactly("PARAR 🙏")).isTrue();
        assertThat(stop.isExactly("parar, por favor")).isTrue();
        assertThat(stop.isExactly("sair!")).isTrue();
        assertThat(stop.isExactly("Stop")).isTrue();
        assertThat(stop.isExactly("quero parar de fumar")).isFalse();
        assertThat(stop.isExactly("pararam")).isFalse();
        assertThat(stop.isExactly("")).isFalse();
        assertThat(stop.isExactly(null)).isFalse();
    }

    @Test
    void mentionsAWholeWordOrPhraseInsideASentence() {
        Keywords human = Keywords.of(List.of("atendente", "falar com alguém", "pessoa"));
        assertThat(human.mentions("Oi! Posso falar com alguem? 😊")).isTrue();
        assertThat(human.mentions("Quero FALAR COM ALGUÉM da loja")).isTrue();
        assertThat(human.mentions("quero falar com um atendente, por favor")).isTrue();
        assertThat(human.mentions("Atendente")).isTrue();
        assertThat(human.mentions("uma pessoa, por favor")).isTrue();
        // Word boundaries: neither inside a longer word nor a phrase broken up.
        assertThat(human.mentions("o atendimento pessoal foi ótimo")).isFalse();
        assertThat(human.mentions("atendentes")).isFalse();
        assertThat(human.mentions("falar com você, alguém sabe?")).isFalse();
        assertThat(human.mentions(null)).isFalse();
    }

    @Test
    void blankAndEmptyKeywordListsNeverMatch() {
        Keywords of = Keywords.of(Arrays.asList("Parar!", " parar ", "", null, "🙏", "por favor"));
        assertThat(of.words()).containsExactly("parar");
        assertThat(Keywords.of(null).isEmpty()).isTrue();
        Keywords none = Keywords.of(List.of());
        assertThat(none.isEmpty()).isTrue();
        assertThat(none.isExactly("")).isFalse();
        assertThat(none.mentions("qualquer coisa")).isFalse();
    }
}
