package io.atende.reply;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WhatsAppFormatTest {

    private final WhatsAppFormat whatsapp = new WhatsAppFormat();

    private static String lines(String... lines) {
        return String.join("\n", lines);
    }

    @Test
    void nullEmptyAndWhitespaceComeBackAsTheyAre() {
        assertThat(whatsapp.format(null)).isNull();
        assertThat(whatsapp.format("")).isEmpty();
        assertThat(whatsapp.format(" ")).isEqualTo(" ");
        assertThat(whatsapp.format("  \n\t\n")).isEqualTo("  \n\t\n");
    }

    @Test
    void doubleAsterisksAndDoubleUnderscoresBecomeBold() {
        assertThat(whatsapp.format("Seu pedido está **confirmado**.")).isEqualTo("Seu pedido está *confirmado*.");
        assertThat(whatsapp.format("Seu pedido está __confirmado__.")).isEqualTo("Seu pedido está *confirmado*.");
        assertThat(whatsapp.format("**Atenção:** o prazo mudou")).isEqualTo("*Atenção:* o prazo mudou");
        assertThat(whatsapp.format("**um** e **dois**")).isEqualTo("*um* e *dois*");
    }

    @Test
    void singleAsterisksAndUnderscoresBecomeItalic() {
        assertThat(whatsapp.format("Chega em *5 dias úteis*.")).isEqualTo("Chega em _5 dias úteis_.");
        assertThat(whatsapp.format("Chega em _5 dias úteis_.")).isEqualTo("Chega em _5 dias úteis_.");
        assertThat(whatsapp.format("*Observação:* leve o RG")).isEqualTo("_Observação:_ leve o RG");
    }

    @Test
    void singleAsteriskIsReadAsMarkdownItalicEvenWhenItLooksLikeWhatsAppBold() {
        assertThat(whatsapp.format("*bold*")).isEqualTo("_bold_");
        // So the formatter is not idempotent on bold: it is meant to run once on the model's Markdown.
        assertThat(whatsapp.format(whatsapp.format("**bold**"))).isEqualTo("_bold_");
    }

    @Test
    void boldAndItalicTogetherNestAsMarkdownDoesItalicOutside() {
        assertThat(whatsapp.format("***both***")).isEqualTo("_*both*_");
        assertThat(whatsapp.format("___both___")).isEqualTo("_*both*_");
        assertThat(whatsapp.format("**negrito com _itálico_ dentro**")).isEqualTo("*negrito com _itálico_ dentro*");
        assertThat(whatsapp.format("*itálico com **negrito** dentro*")).isEqualTo("_itálico com *negrito* dentro_");
        assertThat(whatsapp.format("*it **b***")).isEqualTo("_it *b*_");
    }

    @Test
    void unmatchedOrSpacedDelimitersStayAsWritten() {
        assertThat(whatsapp.format("**Atenção: sem fechamento")).isEqualTo("**Atenção: sem fechamento");
        assertThat(whatsapp.format("a ** b ** c")).isEqualTo("a ** b ** c");
        assertThat(whatsapp.format("**x*")).isEqualTo("*_x_");
        assertThat(whatsapp.format("linha **um\nlinha dois**")).isEqualTo("linha **um\nlinha dois**");
    }

    @Test
    void doubleTildeStrikethroughBecomesSingleTilde() {
        assertThat(whatsapp.format("De ~~R$ 99,90~~ por R$ 79,90")).isEqualTo("De ~R$ 99,90~ por R$ 79,90");
        assertThat(whatsapp.format("~já riscado~")).isEqualTo("~já riscado~");
        assertThat(whatsapp.format("leva ~10 min")).isEqualTo("leva ~10 min");
        assertThat(whatsapp.format("~~sem par")).isEqualTo("~~sem par");
    }

    @Test
    void atxHeadingsOfEveryLevelBecomeABoldLine() {
        for (int level = 1; level <= 6; level++) {
            assertThat(whatsapp.format("#".repeat(level) + " Horário de atendimento"))
                    .isEqualTo("*Horário de atendimento*");
        }
        assertThat(whatsapp.format("## Título com fechamento ##")).isEqualTo("*Título com fechamento*");
        assertThat(whatsapp.format("   ### Recuado  ")).isEqualTo("*Recuado*");
        assertThat(whatsapp.format("Texto\n# Título\nMais texto")).isEqualTo("Texto\n*Título*\nMais texto");
    }

    @Test
    void headingThatIsAlreadyBoldIsNotBoldedTwice() {
        assertThat(whatsapp.format("# **Título**")).isEqualTo("*Título*");
        assertThat(whatsapp.format("## __Título__")).isEqualTo("*Título*");
        assertThat(whatsapp.format("## **Passo 1:** abra o app")).isEqualTo("*Passo 1: abra o app*");
        assertThat(whatsapp.format("# ***Promoção***")).isEqualTo("*_Promoção_*");
        assertThat(whatsapp.format("## Prazo *estimado*")).isEqualTo("*Prazo _estimado_*");
    }

    @Test
    void whatIsNotAnAtxHeadingStays() {
        assertThat(whatsapp.format("#promoção de verão")).isEqualTo("#promoção de verão");
        assertThat(whatsapp.format("####### sete")).isEqualTo("####### sete");
        assertThat(whatsapp.format("Pedido #4521")).isEqualTo("Pedido #4521");
        assertThat(whatsapp.format("# Linguagem C#")).isEqualTo("*Linguagem C#*");
    }

    @Test
    void linksBecomeTextThenAddress() {
        assertThat(whatsapp.format("Veja [nosso site](https://loja.exemplo.com.br/ofertas)."))
                .isEqualTo("Veja nosso site https://loja.exemplo.com.br/ofertas.");
        assertThat(whatsapp.format("[**Central**](https://exemplo.com/ajuda \"Ajuda\")"))
                .isEqualTo("*Central* https://exemplo.com/ajuda");
        assertThat(whatsapp.format("[artigo](https://pt.wikipedia.org/wiki/Pix_(pagamento))"))
                .isEqualTo("artigo https://pt.wikipedia.org/wiki/Pix_(pagamento)");
        assertThat(whatsapp.format("**[Rastreio](https://exemplo.com/r?id=1_a)**"))
                .isEqualTo("*Rastreio https://exemplo.com/r?id=1_a*");
    }

    @Test
    void linkWhoseTextIsTheAddressBecomesJustTheAddress() {
        assertThat(whatsapp.format("[https://exemplo.com/a_b](https://exemplo.com/a_b)"))
                .isEqualTo("https://exemplo.com/a_b");
        assertThat(whatsapp.format("[www.exemplo.com.br](https://www.exemplo.com.br/)"))
                .isEqualTo("https://www.exemplo.com.br/");
        assertThat(whatsapp.format("[](https://exemplo.com)")).isEqualTo("https://exemplo.com");
        assertThat(whatsapp.format("[sac@exemplo.com.br](mailto:sac@exemplo.com.br)")).isEqualTo("sac@exemplo.com.br");
        assertThat(whatsapp.format("[fale conosco](mailto:sac@exemplo.com.br)"))
                .isEqualTo("fale conosco sac@exemplo.com.br");
    }

    @Test
    void autolinksLoseTheirBrackets() {
        assertThat(whatsapp.format("Acesse <https://exemplo.com/a_b_c>.")).isEqualTo("Acesse https://exemplo.com/a_b_c.");
        assertThat(whatsapp.format("Escreva para <sac@exemplo.com.br>")).isEqualTo("Escreva para sac@exemplo.com.br");
        assertThat(whatsapp.format("use <nome:valor> e <b>")).isEqualTo("use <nome:valor> e <b>");
    }

    @Test
    void imagesBecomeAltTextThenAddress() {
        assertThat(whatsapp.format("![Cardápio de verão](https://exemplo.com/cardapio.png)"))
                .isEqualTo("Cardápio de verão https://exemplo.com/cardapio.png");
        assertThat(whatsapp.format("![](https://exemplo.com/foto.jpg)")).isEqualTo("https://exemplo.com/foto.jpg");
    }

    @Test
    void bulletsOfAnyMarkerBecomeDashKeepingIndentation() {
        assertThat(whatsapp.format(lines(
                "* Pix",
                "+ Cartão",
                "- Boleto",
                "  * Itaú",
                "    + Agência *centro*",
                "\t- com tab")))
                .isEqualTo(lines(
                        "- Pix",
                        "- Cartão",
                        "- Boleto",
                        "  - Itaú",
                        "    - Agência _centro_",
                        "\t- com tab"));
        assertThat(whatsapp.format("* **Pix:** aprovação imediata")).isEqualTo("- *Pix:* aprovação imediata");
    }

    @Test
    void numberedListsKeepTheirNumbers() {
        assertThat(whatsapp.format(lines("1. Abra o app", "2. Toque em **Pedidos**", "   10) Confirme")))
                .isEqualTo(lines("1. Abra o app", "2. Toque em *Pedidos*", "   10) Confirme"));
    }

    @Test
    void horizontalRulesBecomeTheBlankLineBetweenSections() {
        assertThat(whatsapp.format("Parte 1\n\n---\n\nParte 2")).isEqualTo("Parte 1\n\nParte 2");
        assertThat(whatsapp.format("Parte 1\n***\nParte 2")).isEqualTo("Parte 1\n\nParte 2");
        assertThat(whatsapp.format("Parte 1\n\n___\nParte 2")).isEqualTo("Parte 1\n\nParte 2");
        assertThat(whatsapp.format("Parte 1\n - - -\nParte 2")).isEqualTo("Parte 1\n\nParte 2");
        assertThat(whatsapp.format("---\n\nTexto\n---")).isEqualTo("Texto");
        assertThat(whatsapp.format("Texto\n---\n")).isEqualTo("Texto\n");
    }

    @Test
    void fencedCodeKeepsItsContentAndLosesItsLanguageTag() {
        assertThat(whatsapp.format(lines(
                "Rode:",
                "```bash",
                "export TOKEN=**abc**_def",
                "# não é título",
                "* nem lista [link](http://x)",
                "```",
                "Pronto **já**.")))
                .isEqualTo(lines(
                        "Rode:",
                        "```",
                        "export TOKEN=**abc**_def",
                        "# não é título",
                        "* nem lista [link](http://x)",
                        "```",
                        "Pronto *já*."));
    }

    @Test
    void tildeFencesAndIndentedFencesBecomeBacktickFences() {
        assertThat(whatsapp.format("~~~json\n{\"a_b\": \"**x**\"}\n~~~"))
                .isEqualTo("```\n{\"a_b\": \"**x**\"}\n```");
        assertThat(whatsapp.format("1. Rode:\n   ```sh\n   ls *.txt\n   ```"))
                .isEqualTo("1. Rode:\n   ```\n   ls *.txt\n   ```");
        // A shorter or different fence inside does not close it.
        assertThat(whatsapp.format("````\n```\n**x**\n````")).isEqualTo("```\n```\n**x**\n```");
    }

    @Test
    void unclosedFenceIsClosedAtTheEnd() {
        assertThat(whatsapp.format("```python\nprint('**oi**')")).isEqualTo("```\nprint('**oi**')\n```");
        assertThat(whatsapp.format("```\nprint('oi')\n")).isEqualTo("```\nprint('oi')\n```\n");
    }

    @Test
    void inlineCodeSpansAreNotConverted() {
        assertThat(whatsapp.format("Use `**nome**_do_arquivo` e **salve**."))
                .isEqualTo("Use `**nome**_do_arquivo` e *salve*.");
        assertThat(whatsapp.format("Digite ``a ` **b**`` aqui")).isEqualTo("Digite ``a ` **b**`` aqui");
        assertThat(whatsapp.format("```monoespaçado *x*```")).isEqualTo("```monoespaçado *x*```");
        assertThat(whatsapp.format("crase solta ` e **negrito**")).isEqualTo("crase solta ` e *negrito*");
    }

    @Test
    void tablesAreLeftExactlyAsWritten() {
        String table = lines(
                "| Plano | **Preço** |",
                "|:------|----------:|",
                "| *Básico* | R$ 29,90 |",
                "| [Pro](https://x.com) | R$ 59,90 |");
        assertThat(whatsapp.format("Planos:\n\n" + table + "\n\n**Fim**"))
                .isEqualTo("Planos:\n\n" + table + "\n\n*Fim*");
        assertThat(whatsapp.format("Plano | Preço\n--- | ---\n*Básico* | R$ 29,90"))
                .isEqualTo("Plano | Preço\n--- | ---\n*Básico* | R$ 29,90");
    }

    @Test
    void quotesKeepTheirMarkerAndConvertWhatFollows() {
        assertThat(whatsapp.format("> Lembre-se: **traga o RG**")).isEqualTo("> Lembre-se: *traga o RG*");
        assertThat(whatsapp.format("> # Aviso\n> * item")).isEqualTo("> *Aviso*\n> - item");
    }

    @Test
    void backslashEscapesLoseTheBackslashAndAreNeverEmphasis() {
        assertThat(whatsapp.format("arquivo nome\\_do\\_arquivo.txt")).isEqualTo("arquivo nome_do_arquivo.txt");
        assertThat(whatsapp.format("\\*\\*não é negrito\\*\\*")).isEqualTo("**não é negrito**");
        assertThat(whatsapp.format("1\\. não é lista")).isEqualTo("1. não é lista");
        assertThat(whatsapp.format("C:\\Users\\maria")).isEqualTo("C:\\Users\\maria");
    }

    @Test
    void plainTextPassesThroughUnchanged() {
        String[] unchanged = {
                "Olá! Tudo bem? 😀👍🏽 Ação, informação, atenção, pão, avó.",
                "Total: R$ 1.000,00 em até 10x de R$ 100,00 (5% de desconto à vista).",
                "3*4=12 e 2*3*4=24 e 3 * 4 = 12",
                "x**2 + y**2 = z**2",
                "snake_case_words e nome_do_arquivo.txt e __init__py_x",
                "https://exemplo.com/a_b_c/*x*/__init__?q=*y*&r=_z_",
                "Veja https://exemplo.com/_privado_ ou www.exemplo.com/*oferta*",
                "Escreva para joao_silva@exemplo.com.br ou contato+loja@exemplo.com",
                "Ligue (11) 99999-9999 ou +55 11 4000-1234, das 8h às 18h.",
                "Pedido #4521 — status: em trânsito → entregue"
        };
        for (String text : unchanged) {
            assertThat(whatsapp.format(text)).as(text).isEqualTo(text);
        }
    }

    @Test
    void indentedTextIsNotTakenForACodeBlock() {
        // LLMs indent list continuations by four spaces far more often than they write indented code blocks.
        assertThat(whatsapp.format("    recuado **não** é código")).isEqualTo("    recuado *não* é código");
    }

    @Test
    void emphasisAroundAnAddressClosesAfterIt() {
        assertThat(whatsapp.format("*veja https://exemplo.com/a_b*")).isEqualTo("_veja https://exemplo.com/a_b_");
        assertThat(whatsapp.format("**https://exemplo.com/x**")).isEqualTo("*https://exemplo.com/x*");
        assertThat(whatsapp.format("(veja https://exemplo.com/p?id=1).")).isEqualTo("(veja https://exemplo.com/p?id=1).");
    }

    @Test
    void textAlreadyInWhatsAppFormatComesBackUnchanged() {
        String whatsApp = lines(
                "_Olá_, seu pedido foi ~cancelado~ reembolsado.",
                "",
                "- Pix",
                "- Cartão",
                "1. primeiro",
                "> citação",
                "Código `ABC_123` e ```bloco *mono*```");
        assertThat(whatsapp.format(whatsApp)).isEqualTo(whatsApp);
    }

    @Test
    void windowsLineBreaksComeOutAsLineFeeds() {
        assertThat(whatsapp.format("# Título\r\n\r\n**a**\rb")).isEqualTo("*Título*\n\n*a*\nb");
    }

    @Test
    void longLineOfUnmatchedDelimitersStaysAsWritten() {
        String text = "a* _b ".repeat(20_000) + "**c~~";
        assertThat(whatsapp.format(text)).isEqualTo(text);
    }

    @Test
    void degenerateRepetitionDoesNotOverflowTheStack() {
        int n = 200_000;
        assertThat(whatsapp.format("_".repeat(n))).isEmpty(); // a (very long) rule
        assertThat(whatsapp.format("Fim\n" + "- ".repeat(n) + "\nok")).isEqualTo("Fim\n\nok");
        assertThat(whatsapp.format(">".repeat(n))).isEqualTo(">".repeat(n));
        assertThat(whatsapp.format("[" + "a".repeat(n))).isEqualTo("[" + "a".repeat(n));
        assertThat(whatsapp.format("[a](" + "b".repeat(n) + ")")).isEqualTo("a " + "b".repeat(n));
        assertThat(whatsapp.format("a|b\n" + "|-".repeat(n))).isEqualTo("a|b\n" + "|-".repeat(n));
        assertThat(whatsapp.format("# a" + " ".repeat(n) + "b #")).isEqualTo("*a" + " ".repeat(n) + "b*");
        assertThat(whatsapp.format("https://x.com/" + ")".repeat(n))).isEqualTo("https://x.com/" + ")".repeat(n));
    }

    @Test
    void realisticAnswerInPortuguese() {
        String answer = lines(
                "## Como rastrear seu pedido",
                "",
                "Olá, **Maria**! 😊 Seu pedido *nº 4521* já saiu para entrega.",
                "",
                "### Passos",
                "",
                "1. Acesse [nossa central](https://loja.exemplo.com.br/pedidos?id=4521&ref=wa_bot).",
                "2. Informe o código **BR-4521_X**.",
                "3. Acompanhe o status em tempo real.",
                "",
                "**Formas de pagamento aceitas:**",
                "* Pix — aprovação imediata",
                "* Cartão de crédito em até __12x__ sem juros",
                "  + Visa e Mastercard",
                "* ~~Boleto~~ (indisponível no momento)",
                "",
                "---",
                "",
                "Se preferir, use a API:",
                "",
                "```bash",
                "curl -s \"https://api.exemplo.com.br/v1/pedidos/4521\" -H \"Authorization: Bearer **token**\"",
                "```",
                "",
                "Valor total: R$ 1.299,90 (frete grátis acima de R$ 199,00). Dúvidas? Escreva para "
                        + "atendimento_sac@exemplo.com.br ou veja <https://exemplo.com.br/ajuda>.",
                "");

        assertThat(whatsapp.format(answer)).isEqualTo(lines(
                "*Como rastrear seu pedido*",
                "",
                "Olá, *Maria*! 😊 Seu pedido _nº 4521_ já saiu para entrega.",
                "",
                "*Passos*",
                "",
                "1. Acesse nossa central https://loja.exemplo.com.br/pedidos?id=4521&ref=wa_bot.",
                "2. Informe o código *BR-4521_X*.",
                "3. Acompanhe o status em tempo real.",
                "",
                "*Formas de pagamento aceitas:*",
                "- Pix — aprovação imediata",
                "- Cartão de crédito em até *12x* sem juros",
                "  - Visa e Mastercard",
                "- ~Boleto~ (indisponível no momento)",
                "",
                "Se preferir, use a API:",
                "",
                "```",
                "curl -s \"https://api.exemplo.com.br/v1/pedidos/4521\" -H \"Authorization: Bearer **token**\"",
                "```",
                "",
                "Valor total: R$ 1.299,90 (frete grátis acima de R$ 199,00). Dúvidas? Escreva para "
                        + "atendimento_sac@exemplo.com.br ou veja https://exemplo.com.br/ajuda.",
                ""));
    }
}
