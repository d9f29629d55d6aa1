package io.atende.painel;

import org.junit.jupiter.api.Test;

import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PainelAssetsTest {

    final PainelAssets assets = new PainelAssets();

    @Test
    void theFirstLoadIsUnder100KB() {
        int bytes = PainelAssets.FILES.keySet().stream().mapToInt(f -> assets.asset(f, null).body().length).sum();
        assertThat(bytes).isEqualTo(assets.firstLoadBytes()).isLessThan(100 * 1024);
    }

    @Test
    void thePageHasNoInlineScriptStyleOrHandlerSoTheCspHolds() {
        String html = PainelAssets.text(assets.asset("index.html", null).body());
        assertThat(Pattern.compile("<script(?![^>]*\\ssrc=)", Pattern.CASE_INSENSITIVE).matcher(html).find())
                .as("inline <script>").isFalse();
        assertThat(Pattern.compile("<style", Pattern.CASE_INSENSITIVE).matcher(html).find()).isFalse();
        assertThat(Pattern.compile("\\sstyle=", Pattern.CASE_INSENSITIVE).matcher(html).find()).isFalse();
        assertThat(Pattern.compile("\\son[a-z]+=", Pattern.CASE_INSENSITIVE).matcher(html).find()).isFalse();
        assertThat(html).contains("lang=\"pt-BR\"").contains("name=\"viewport\"");
    }

    @Test
    void theScriptNeverWritesHtmlNorKeepsTokens() {
        String js = PainelAssets.text(assets.asset("painel.js", null).body());
        assertThat(js).doesNotContain("innerHTML").doesNotContain("outerHTML").doesNotContain("insertAdjacentHTML")
                .doesNotContain("document.write").doesNotContain("localStorage").doesNotContain("sessionStorage")
                .doesNotContain("eval(");
    }

    @Test
    void aCurrentCopyIsA304AndAnyOtherNameA404() {
        PainelAssets.Asset page = assets.asset(null, null);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        assertThat(assets.asset("index.html", page.etag()).status()).isEqualTo(304);
        assertThatThrownBy(() -> assets.asset("../application.properties", null)).isInstanceOf(PainelException.class);
        assertThatThrownBy(() -> assets.asset("painel.js.map", null)).isInstanceOf(PainelException.class);
    }
}
