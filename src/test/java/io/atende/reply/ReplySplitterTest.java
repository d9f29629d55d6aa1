package io.atende.reply;

import io.atende.profile.EffectiveProfile;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplySplitterTest {

    private static final int MAX = ReplySplitter.WHATSAPP_MAX_CHARS;
    /** The defaults: ATENDE_SPLIT_MAX_CHARS 600, ATENDE_SPLIT_MAX_PARTS 4. */
    private final ReplySplitter defaults = ReplySplitter.of(new EffectiveProfile.Split(600, 4, 20));

    private static String nonWhitespace(String s) {
        return s.replaceAll("\\s+", "");
    }

    /** The properties every split has, whatever the input: nothing but whitespace lost, no part blank or too long. */
    private static void assertWellFormed(String input, List<String> parts) {
        assertThat(parts).isNotEmpty();
        for (String part : parts) {
            assertThat(part).isNotBlank().isEqualTo(part.strip());
            assertThat(part.length()).isLessThanOrEqualTo(MAX);
            assertThat(Character.isLowSurrogate(part.charAt(0))).as("starts with half an emoji").isFalse();
            assertThat(Character.isHighSurrogate(part.charAt(part.length() - 1))).as("ends with half an emoji").isFalse();
        }
        assertThat(nonWhitespace(String.join("", parts))).isEqualTo(nonWhitespace(input));
    }

    @Test
    void blankGivesNothingAndShortGivesOneTrimmedPart() {
        assertThat(defaults.split(null)).isEmpty();
        assertThat(defaults.split("")).isEmpty();
        assertThat(defaults.split(" \n\t \r\n")).isEmpty();
        assertThat(defaults.split("  Olá! Como posso ajudar? 😀\n\n")).containsExactly("Olá! Como posso ajudar? 😀");
    }

    @Test
    void exactlyMaxCharsIsOnePartAndOneMoreIsSplit() {
        String first = "Primeira frase. ";
        String exact = first + "x".repeat(600 - first.length() - 1) + ".";
        assertThat(exact).hasSize(600);
        assertThat(defaults.split(exact)).containsExactly(exact);
        assertThat(defaults.split("\r\n  " + exact + "  \n")).containsExactly(exact);

        String over = exact + "!";
        assertThat(defaults.split(over)).containsExactly(first.strip(), over.substring(first.length()));
    }

    @Test
    void paragraphsArePackedGreedilyAndWholeOneBlankLineApart() {
        ReplySplitter splitter = new ReplySplitter(40, 10);

        assertThat(splitter.split("Olá, Maria!\n\nSeu pedido saiu às 14h.\n \n\n\nChega em 40 minutos.\n\nAté logo!"))
                .containsExactly("Olá, Maria!\n\nSeu pedido saiu às 14h.", "Chega em 40 minutos.\n\nAté logo!");
    }

    @Test
    void aParagraphTooLongIsCutAtSentenceEndsOnly() {
        ReplySplitter splitter = new ReplySplitter(30, 10);

        assertThat(splitter.split("Custa R$ 3.50 hoje. Amanhã não! Quer mesmo? Então…vem cá… Combinado?"))
                .containsExactly("Custa R$ 3.50 hoje.", "Amanhã não! Quer mesmo?", "Então…vem cá… Combinado?");
        // A dot, a comma or an ellipsis without whitespace after it ends nothing: R$ 1.000,00 and 3.5 stay whole.
        assertThat(splitter.split("O total é R$ 1.000,00 e o desconto 3.5%. Pode pagar no Pix?"))
                .containsExactly("O total é R$ 1.000,00 e o desconto 3.5%.", "Pode pagar no Pix?");
        // Closing quotes and brackets go with their sentence.
        assertThat(splitter.split("Ela disse \"pode ser amanhã.\" (Ou hoje mesmo.) Tudo bem."))
                .containsExactly("Ela disse \"pode ser amanhã.\"", "(Ou hoje mesmo.) Tudo bem.");
    }

    @Test
    void aLineBreakEndsASentenceSoListsAreCutBetweenItems() {
        ReplySplitter splitter = new ReplySplitter(40, 10);

        assertThat(splitter.split("Temos:\n- pão francês\n- pão de queijo\n- croissant de chocolate"))
                .containsExactly("Temos:\n- pão francês\n- pão de queijo", "- croissant de chocolate");
    }

    @Test
    void aSentenceLongerThanMaxCharsStaysWhole() {
        ReplySplitter splitter = new ReplySplitter(20, 10);
        String longSentence = "Esta frase é bem mais longa que vinte caracteres, e fica inteira.";

        assertThat(splitter.split("Curta. " + longSentence + " Outra curta."))
                .containsExactly("Curta.", longSentence, "Outra curta.");
    }

    @Test
    void aWebAddressIsNeverCutAndItsDotsEndNoSentence() {
        ReplySplitter splitter = new ReplySplitter(30, 10);
        String url = "https://loja.exemplo.com.br/pedidos/v1.2/rastreio?id=9.8.7&x=a.b";

        assertThat(splitter.split("Veja o pedido em " + url + ". Depois me conte. Tudo certo?"))
                .containsExactly("Veja o pedido em " + url + ".", "Depois me conte. Tudo certo?");
        assertThat(splitter.split("Site: www.padaria.com.br. Telefone no site. Obrigado!"))
                .containsExactly("Site: www.padaria.com.br.", "Telefone no site. Obrigado!");
    }

    @Test
    void emphasisSpanningASentenceEndIsNeverCut() {
        ReplySplitter splitter = new ReplySplitter(30, 10);

        assertThat(splitter.split("Oi. *Atenção. O horário mudou hoje.* Abrimos às 9h."))
                .containsExactly("Oi.", "*Atenção. O horário mudou hoje.*", "Abrimos às 9h.");
        assertThat(splitter.split("Oi. _Primeiro. Segundo. Terceiro item._ Fim."))
                .containsExactly("Oi.", "_Primeiro. Segundo. Terceiro item._", "Fim.");
        assertThat(splitter.split("Oi. ~Preço antigo. Era R$ 10 a unidade.~ Agora R$ 8."))
                .containsExactly("Oi.", "~Preço antigo. Era R$ 10 a unidade.~", "Agora R$ 8.");
        // A sentence that ends inside its emphasis ends after the closing marker.
        assertThat(splitter.split("*Pronto, seu pedido saiu.* Chega logo mais, ok?"))
                .containsExactly("*Pronto, seu pedido saiu.*", "Chega logo mais, ok?");
        // Emphasis across a line break inside a paragraph is kept together too.
        assertThat(splitter.split("Resumo: *primeiro item.\nsegundo item.* E mais nada."))
                .containsExactly("Resumo: *primeiro item.\nsegundo item.*", "E mais nada.");
    }

    @Test
    void markersInsideWordsAddressesOrUnclosedAreNotEmphasis() {
        ReplySplitter splitter = new ReplySplitter(30, 10);

        // snake_case and 2*3*4 are words, not spans: the sentence ends are free.
        assertThat(splitter.split("Use o campo nome_do_cliente. Depois o total_geral. Conta 2*3*4. Pronto."))
                .containsExactly("Use o campo nome_do_cliente.", "Depois o total_geral.", "Conta 2*3*4. Pronto.");
        // The underscore in the address opens nothing, so "Depois_" closes nothing: the cut after "promo." is free.
        assertThat(splitter.split("Abra https://x.com/_promo. Depois_ confirme."))
                .containsExactly("Abra https://x.com/_promo.", "Depois_ confirme.");
        // A marker never closed guards nothing.
        assertThat(new ReplySplitter(12, 10).split("Um *solto. Sem fechar. Fim."))
                .containsExactly("Um *solto.", "Sem fechar.", "Fim.");
    }

    @Test
    void aCodeBlockKeepsItsBlankLinesAndSentences() {
        ReplySplitter splitter = new ReplySplitter(30, 10);
        String code = "```\nlinha um. linha dois.\n\nlinha três.\n```";

        assertThat(splitter.split("Rode isto:\n\n" + code + "\n\nE pronto. Funciona."))
                .containsExactly("Rode isto:", code, "E pronto. Funciona.");
    }

    @Test
    void portugueseTitlesInitialsAndListNumbersEndNoSentence() {
        ReplySplitter splitter = new ReplySplitter(30, 10);

        // "Sr. Silva", "Dra. Ana", "Av. Paulista" and the initial of "João A. Souza" are never separated.
        assertThat(splitter.split("O Sr. Silva confirmou a entrega. A Dra. Ana Lima também. Fica na Av. Paulista."))
                .containsExactly("O Sr. Silva confirmou a entrega.", "A Dra. Ana Lima também.", "Fica na Av. Paulista.");
        assertThat(splitter.split("Quem assina é João A. Souza, gerente. Ok?"))
                .containsExactly("Quem assina é João A. Souza, gerente.", "Ok?");
        assertThat(splitter.split("Passos:\n1. Abra o aplicativo de pedidos\n  2. Toque em Pedidos"))
                .containsExactly("Passos:", "1. Abra o aplicativo de pedidos", "2. Toque em Pedidos");
        // Other abbreviations may end a part (the cut is still between words): the documented simple rule.
        assertThat(splitter.split("Pães, bolos, doces etc. Tudo fresquinho hoje cedo."))
                .containsExactly("Pães, bolos, doces etc.", "Tudo fresquinho hoje cedo.");
    }

    @Test
    void atMostMaxPartsTheRestJoinsTheLastPartEvenIfLonger() {
        ReplySplitter splitter = new ReplySplitter(25, 3);
        String text = "Primeiro parágrafo aqui.\n\nSegundo parágrafo aqui.\n\nTerceiro parágrafo.\n\n"
                + "Quarto parágrafo.\n\nQuinto. Sexto.";

        assertThat(splitter.split(text)).containsExactly("Primeiro parágrafo aqui.", "Segundo parágrafo aqui.",
                "Terceiro parágrafo.\n\nQuarto parágrafo.\n\nQuinto. Sexto.");
        assertThat(new ReplySplitter(25, 1).split(text)).containsExactly(text);
    }

    @Test
    void emojiCountAsTheirUtf16LengthAndGoWithTheSentenceBeforeThem() {
        // 😀 is two chars: "Oi! 😀😀 Tudo bem?" is 18.
        String text = "Oi! 😀😀 Tudo bem? Até.";
        assertThat(new ReplySplitter(18, 10).split(text)).containsExactly("Oi! 😀😀 Tudo bem?", "Até.");
        assertThat(new ReplySplitter(17, 10).split(text)).containsExactly("Oi! 😀😀", "Tudo bem? Até.");

        ReplySplitter splitter = new ReplySplitter(12, 10);
        assertThat(splitter.split("Claro! 😊 Nosso horário é das 9h às 18h."))
                .containsExactly("Claro! 😊", "Nosso horário é das 9h às 18h.");
        assertThat(splitter.split("Pronto!😀 Até amanhã. 👋🏽 ❤️ Tchau."))
                .containsExactly("Pronto!😀", "Até amanhã. 👋🏽 ❤️", "Tchau.");
        // A symbol is no sentence end: "Pronto ✓" goes on.
        assertThat(splitter.split("Pronto ✓ Pode vir buscar.")).containsExactly("Pronto ✓ Pode vir buscar.");
    }

    @Test
    void theRemainderBeyondWhatsAppsLimitIsSplitAgainAtIt() {
        List<String> paragraphs = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            paragraphs.add(("Parágrafo " + i + ": o pedido sai às 14h e chega em até 40 minutos. ").repeat(4).strip());
        }
        String text = String.join("\n\n", paragraphs);
        assertThat(text.length()).isGreaterThan(3 * MAX);

        List<String> parts = defaults.split(text);

        assertWellFormed(text, parts);
        // Three parts of at most 600, then the rest (over 4096) cut greedily at WhatsApp's limit.
        assertThat(parts.size()).isGreaterThan(4);
        for (int i = 0; i < 3; i++) {
            assertThat(parts.get(i).length()).isLessThanOrEqualTo(600);
        }
        assertThat(parts.get(3).length() + 2 + parts.get(4).split("\n\n")[0].length()).isGreaterThan(MAX);
        List<String> rebuilt = new ArrayList<>();
        for (String part : parts) {
            rebuilt.addAll(List.of(part.split("\n\n")));
        }
        assertThat(rebuilt).isEqualTo(paragraphs);
    }

    @Test
    void aMaxCharsAboveWhatsAppsLimitActsAsIt() {
        String text = ("Frase de teste número um. ").repeat(400).strip(); // 10,399 chars of sentences

        List<String> parts = new ReplySplitter(10_000, 10).split(text);

        assertWellFormed(text, parts);
        assertThat(parts).hasSize(3).allSatisfy(p -> assertThat(p).endsWith("um."));
    }

    @Test
    void aSentenceBeyondWhatsAppsLimitIsCutAtWhitespacePreferablyOutsideEmphasis() {
        String words = "palavra ".repeat(2000).strip();
        List<String> parts = defaults.split(words);
        assertWellFormed(words, parts);
        assertThat(parts.get(0)).hasSize(MAX - 1); // 512 words of 7 chars and their 511 spaces
        assertThat(parts).allSatisfy(p -> assertThat(p.split(" ")).containsOnly("palavra"));

        // The last whitespace that fits is inside the bold; the one before it is taken.
        String bold = "a".repeat(4000) + " *negrito com espaços " + "b".repeat(200) + "*";
        assertThat(defaults.split(bold)).containsExactly("a".repeat(4000), bold.substring(4001));
    }

    @Test
    void textWithoutWhitespaceIsHardCutAtWhatsAppsLimitOnly() {
        String url = "https://exemplo.com.br/pedido?id=" + "x".repeat(9000);

        List<String> parts = defaults.split(url);

        assertWellFormed(url, parts);
        assertThat(parts).extracting(String::length).containsExactly(MAX, MAX, url.length() - 2 * MAX);
        assertThat(String.join("", parts)).isEqualTo(url);
    }

    @Test
    void aHardCutNeverBreaksAnEmojiOrAnAccent() {
        String text = "a".repeat(MAX - 1) + "😀" + "b".repeat(100);
        assertThat(defaults.split(text)).containsExactly("a".repeat(MAX - 1), "😀" + "b".repeat(100));

        String skinTones = "x" + "👍🏽".repeat(1500); // the cut at 4096 would fall between 👍 and its tone
        List<String> emojiParts = defaults.split(skinTones);
        assertWellFormed(skinTones, emojiParts);
        assertThat(String.join("", emojiParts)).isEqualTo(skinTones);
        assertThat(emojiParts).allSatisfy(p -> assertThat(p).doesNotStartWith("🏽"));

        String accents = "a".repeat(MAX - 1) + "e\u0301" + "c".repeat(10); // é as e + combining acute
        assertThat(defaults.split(accents)).containsExactly("a".repeat(MAX - 1), "e\u0301" + "c".repeat(10));
    }

    @Test
    void windowsLineBreaksAreParagraphBreaksToo() {
        ReplySplitter splitter = new ReplySplitter(24, 4);
        assertThat(splitter.split("Primeiro bloco.\r\n\r\nSegundo bloco.\rTerceiro."))
                .containsExactly("Primeiro bloco.", "Segundo bloco.\nTerceiro.");
    }

    @Test
    void randomAnswersLoseOnlyWhitespaceAndKeepTheLimits() {
        Random random = new Random(14);
        String[] words = {"pão", "R$ 3.50", "*promoção*", "_hoje_", "https://x.com.br/a_b?c=1.2", "😀", "👍🏽",
                "Sr.", "etc.", "1.", "~antigo~", "fim.", "mesmo!", "certo?", "então…", "```", "nome_do_item"};
        for (int round = 0; round < 300; round++) {
            StringBuilder b = new StringBuilder();
            int length = random.nextInt(6000);
            while (b.length() < length) {
                b.append(words[random.nextInt(words.length)]);
                int gap = random.nextInt(20);
                b.append(gap == 0 ? "\n\n" : gap == 1 ? "\n" : gap == 2 ? "" : " ");
            }
            String text = b.toString();
            int maxChars = 1 + random.nextInt(800);
            int maxParts = 1 + random.nextInt(6);
            List<String> parts = new ReplySplitter(maxChars, maxParts).split(text);
            if (text.isBlank()) {
                assertThat(parts).isEmpty();
                continue;
            }
            assertWellFormed(text, parts);
            if (text.strip().length() <= MAX) {
                assertThat(parts.size()).isLessThanOrEqualTo(maxParts);
            }
        }
    }

    @Test
    void rejectsLimitsBelowOne() {
        assertThatThrownBy(() -> new ReplySplitter(0, 4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReplySplitter(600, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new ReplySplitter(1, 1).split("Oi. Tudo bem?")).containsExactly("Oi. Tudo bem?");
        assertThat(new ReplySplitter(1, 9).split("Oi. Tudo bem?")).containsExactly("Oi.", "Tudo bem?");
    }
}
