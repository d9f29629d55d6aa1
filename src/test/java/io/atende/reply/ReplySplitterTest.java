package io.atende.reply;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplySplitterTest {

    private static final int MAX = ReplySplitter.WHATSAPP_MAX_CHARS;
    private final ReplySplitter whatsapp = new ReplySplitter(MAX);

    private static String nonWhitespace(String s) {
        return s.replaceAll("\\s+", "");
    }

    /** The properties every split must have, whatever the input. */
    private static void assertWellFormed(String input, List<String> parts, int max) {
        assertThat(parts).isNotEmpty();
        for (String part : parts) {
            assertThat(part).isNotBlank().isEqualTo(part.strip());
            assertThat(part.length()).isLessThanOrEqualTo(max);
            assertThat(Character.isLowSurrogate(part.charAt(0))).as("starts with half an emoji").isFalse();
            assertThat(Character.isHighSurrogate(part.charAt(part.length() - 1))).as("ends with half an emoji").isFalse();
        }
        assertThat(nonWhitespace(String.join("", parts))).isEqualTo(nonWhitespace(input));
    }

    @Test
    void blankGivesNothingAndShortGivesOneTrimmedPart() {
        assertThat(whatsapp.split(null)).isEmpty();
        assertThat(whatsapp.split("")).isEmpty();
        assertThat(whatsapp.split(" \n\t \r\n")).isEmpty();
        assertThat(whatsapp.split("  Olá! Como posso ajudar? 😀\n\n")).containsExactly("Olá! Como posso ajudar? 😀");
    }

    @Test
    void exactlyMaxIsOnePartAndOneMoreCharIsTwo() {
        String exact = "a" + "b".repeat(MAX - 2) + "c";
        assertThat(whatsapp.split(exact)).containsExactly(exact);
        assertThat(whatsapp.split("\n  " + exact + "  \n")).containsExactly(exact);

        String over = exact + "d";
        List<String> parts = whatsapp.split(over);
        assertThat(parts).containsExactly(over.substring(0, MAX), "d");
    }

    @Test
    void tenThousandCharsOfParagraphsArePackedWholeAndGreedily() {
        List<String> paragraphs = new ArrayList<>();
        StringBuilder reply = new StringBuilder();
        for (int i = 0; reply.length() < 10_000; i++) {
            String paragraph = ("Parágrafo " + i + ": o pedido sai às 14h e chega em até 40 minutos. ").repeat(3 + i % 9).strip();
            paragraphs.add(paragraph);
            if (i > 0) {
                reply.append(i % 3 == 0 ? "\n\n\n" : "\n \n");
            }
            reply.append(paragraph);
        }
        String text = reply.toString();
        assertThat(text.length()).isGreaterThanOrEqualTo(10_000);

        List<String> parts = whatsapp.split(text);

        assertWellFormed(text, parts, MAX);
        assertThat(parts).hasSizeBetween(3, 4);
        // Every paragraph lies whole in one part, in order, one blank line apart.
        List<String> rebuilt = new ArrayList<>();
        for (String part : parts) {
            rebuilt.addAll(List.of(part.split("\n\n")));
        }
        assertThat(rebuilt).isEqualTo(paragraphs);
        // Greedy: the next part's first paragraph would not have fitted in the previous part.
        for (int i = 0; i + 1 < parts.size(); i++) {
            String next = parts.get(i + 1).split("\n\n")[0];
            assertThat(parts.get(i).length() + 2 + next.length()).isGreaterThan(MAX);
        }
    }

    @Test
    void giantParagraphIsCutAtLineBreaksFirst() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            lines.add("- item " + i + ": pão francês, manteiga e café com leite");
        }
        String text = "Cardápio:\n" + String.join("\n", lines);

        List<String> parts = whatsapp.split(text);

        assertWellFormed(text, parts, MAX);
        assertThat(parts).hasSizeGreaterThan(1);
        for (String part : parts) {
            for (String line : part.split("\n")) {
                assertThat(line).matches("Cardápio:|- item \\d+: pão francês, manteiga e café com leite");
            }
        }
    }

    @Test
    void giantParagraphWithoutLineBreaksIsCutAtSentenceEnds() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; text.length() < 10_000; i++) {
            text.append(switch (i % 4) {
                case 0 -> "Frase número " + i + " termina com ponto. ";
                case 1 -> "Esta termina com exclamação " + i + "! ";
                case 2 -> "Será que esta termina com interrogação " + i + "? ";
                default -> "E esta com reticências " + i + "…";
            });
        }
        String reply = text.toString();

        List<String> parts = whatsapp.split(reply);

        assertWellFormed(reply, parts, MAX);
        assertThat(parts).hasSize(3);
        for (String part : parts) {
            assertThat(part).matches("(?s).*[.!?…]");
        }
    }

    @Test
    void giantSentenceIsCutAtWhitespaceWithoutBreakingWords() {
        String reply = "palavra ".repeat(2000);

        List<String> parts = whatsapp.split(reply);

        assertWellFormed(reply, parts, MAX);
        for (int i = 0; i < parts.size(); i++) {
            assertThat(parts.get(i).split(" ")).containsOnly("palavra");
            if (i + 1 < parts.size()) {
                assertThat(parts.get(i).length() + 1 + "palavra".length()).as("greedy").isGreaterThan(MAX);
            }
        }
        assertThat(parts.get(0)).hasSize(MAX - 1); // 512 words of 7 chars and their 511 spaces
    }

    @Test
    void textWithoutAnyBreakIsHardCut() {
        String url = "https://exemplo.com.br/pedido?id=" + "x".repeat(9000);

        List<String> parts = whatsapp.split(url);

        assertWellFormed(url, parts, MAX);
        assertThat(parts).extracting(String::length).containsExactly(MAX, MAX, url.length() - 2 * MAX);
        assertThat(String.join("", parts)).isEqualTo(url);
    }

    @Test
    void emojiAtTheCutPointIsNotBroken() {
        String emoji = "😀";
        String text = "a".repeat(MAX - 1) + emoji + "b".repeat(100);

        List<String> parts = whatsapp.split(text);

        assertWellFormed(text, parts, MAX);
        assertThat(parts).containsExactly("a".repeat(MAX - 1), emoji + "b".repeat(100));

        String onlyEmoji = "👍🏽".repeat(1500); // 6000 chars of surrogate pairs
        List<String> emojiParts = whatsapp.split(onlyEmoji);
        assertWellFormed(onlyEmoji, emojiParts, MAX);
        assertThat(String.join("", emojiParts)).isEqualTo(onlyEmoji);
    }

    @Test
    void smallLimitShowsThePreferenceOrder() {
        ReplySplitter splitter = new ReplySplitter(30);

        assertThat(splitter.split("Olá, Maria!\n\nSeu pedido saiu.\n\nChega às 14h."))
                .containsExactly("Olá, Maria!\n\nSeu pedido saiu.", "Chega às 14h.");
        assertThat(splitter.split("Primeira linha curta\nsegunda linha também curta"))
                .containsExactly("Primeira linha curta", "segunda linha também curta");
        assertThat(splitter.split("Custa R$ 3.50 hoje. Amanhã não! Quer? Então…vem"))
                .containsExactly("Custa R$ 3.50 hoje.", "Amanhã não! Quer? Então…vem");
        assertThat(splitter.split("um dois três quatro cinco seis sete oito"))
                .containsExactly("um dois três quatro cinco seis", "sete oito");
    }

    @Test
    void windowsLineBreaksAreParagraphBreaksToo() {
        ReplySplitter splitter = new ReplySplitter(20);
        assertThat(splitter.split("Primeiro bloco.\r\n\r\nSegundo bloco."))
                .containsExactly("Primeiro bloco.", "Segundo bloco.");
    }

    @Test
    void rejectsLimitsThatCannotHoldAnEmoji() {
        assertThatThrownBy(() -> new ReplySplitter(1)).isInstanceOf(IllegalArgumentException.class);
        // Two chars hold exactly one emoji (a surrogate pair).
        assertThat(new ReplySplitter(2).split("😀")).containsExactly("😀");
        assertThat(new ReplySplitter(2).split("😀👍🏽")).containsExactly("😀", "👍", "🏽");
        assertThat(new ReplySplitter(3).split("a😀b")).containsExactly("a😀", "b");
    }
}
