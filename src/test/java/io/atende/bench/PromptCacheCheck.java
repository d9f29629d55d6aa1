package io.atende.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The LLM simulator's prompt-cache model ({@link PromptCache}). Like CapacityBench, its name matches neither
 * surefire's nor failsafe's patterns, so the normal suite never runs it; run it alone with
 * {@code mvn -B -o test -Dtest=PromptCacheCheck -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class PromptCacheCheck {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SYS = "Você é a Ana da Padaria. Horário: 7h às 19h. Pix, cartão e dinheiro.";

    private static JsonNode messages(String json) throws Exception {
        return JSON.readTree(json);
    }

    @Test
    void tokensAreFourCharBlocks() {
        assertThat(PromptCache.tokens("")).isZero();
        assertThat(PromptCache.tokens("abcd")).isEqualTo(1);
        assertThat(PromptCache.tokens("abcde")).isEqualTo(2);
        assertThat(PromptCache.commonPrefixTokens("abcdefgh", "abcdefgX")).isEqualTo(1);
        assertThat(PromptCache.commonPrefixTokens("abcdefgh", "abcdefgh")).isEqualTo(2);
        assertThat(PromptCache.commonPrefixTokens("abcdef", "abcdef")).isEqualTo(2); // both end in the same partial block
        assertThat(PromptCache.commonPrefixTokens("abcdef", "abcdefgh")).isEqualTo(1); // "ef" != "efgh"
        assertThat(PromptCache.commonPrefixTokens("", "abcd")).isZero();
    }

    @Test
    void mistralPutsTheSystemPromptInTheLastInst() throws Exception {
        String p = PromptCache.renderChat(PromptCache.Template.MISTRAL, messages("[{\"role\":\"system\",\"content\":\""
                + "S\"},{\"role\":\"user\",\"content\":\"u1\"},{\"role\":\"assistant\",\"content\":\"a1\"},"
                + "{\"role\":\"user\",\"content\":\"u2\"},{\"role\":\"user\",\"content\":\"u3\"}]"));
        assertThat(p).isEqualTo("[INST] u1[/INST] a1</s>[INST] S\n\nu2\n\nu3[/INST]");
        assertThat(PromptCache.renderGenerate(PromptCache.Template.MISTRAL, "S", "u1")).isEqualTo("[INST] S\n\nu1[/INST]");
        assertThat(PromptCache.answerSuffix(PromptCache.Template.MISTRAL, "a2")).isEqualTo(" a2</s>");
        assertThat(PromptCache.Template.of("auto", "mistral:7b-instruct")).isEqualTo(PromptCache.Template.MISTRAL);
        assertThat(PromptCache.Template.of("auto", "qwen2.5:7b")).isEqualTo(PromptCache.Template.CHATML);
    }

    @Test
    void chatmlPutsTheSystemPromptFirst() throws Exception {
        String p = PromptCache.renderChat(PromptCache.Template.CHATML, messages("[{\"role\":\"system\",\"content\":\"S\"},"
                + "{\"role\":\"user\",\"content\":\"u1\"}]"));
        assertThat(p).isEqualTo("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nu1<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void theSameConversationOnTheSlotReusesPromptAndAnswer() {
        PromptCache cache = new PromptCache(1);
        String p1 = "[INST] " + SYS + "\n\nOlá, vocês abrem amanhã?[/INST]";
        PromptCache.Lease l1 = cache.acquire(p1, 4096, 4);
        assertThat(l1.cachedTokens()).isZero();
        assertThat(l1.evaluatedTokens()).isEqualTo(PromptCache.tokens(p1));
        cache.release(l1, PromptCache.answerSuffix(PromptCache.Template.MISTRAL, "Abrimos sim, das 7h às 19h."), 4096, 4);
        String p2 = p1 + " Abrimos sim, das 7h às 19h.</s>[INST] E no domingo?[/INST]";
        PromptCache.Lease l2 = cache.acquire(p2, 4096, 4);
        // the whole earlier prompt and answer are cached (to the 4-char block where they end)
        assertThat(l2.cachedTokens()).isEqualTo((p1.length() + " Abrimos sim, das 7h às 19h.</s>".length()) / 4);
        assertThat(l2.evaluatedTokens()).isEqualTo(PromptCache.tokens(p2) - l2.cachedTokens());
        cache.release(l2, " Não.</s>", 4096, 4);
        // the same prompt again: all cached but one token, which is evaluated
        PromptCache.Lease l3 = cache.acquire(p2 + " Não.</s>", 4096, 4);
        assertThat(l3.evaluatedTokens()).isEqualTo(1);
        cache.release(l3, "", 4096, 4);
    }

    @Test
    void systemLastSharesNothingAcrossConversationsSystemFirstSharesTheProfile() {
        String a = "[INST] " + SYS + "\n\nQual o preço do pão de queijo?[/INST]";
        String b = "[INST] " + SYS + "\n\nVocês entregam no Cambuí?[/INST]";
        PromptCache cache = new PromptCache(1);
        cache.release(cache.acquire(a, 4096, 4), " R$ 2,50.</s>", 4096, 4);
        PromptCache.Lease l = cache.acquire(b, 4096, 4);
        assertThat(l.cachedTokens()).isEqualTo(PromptCache.commonPrefixTokens(a, b)).isGreaterThan(SYS.length() / 4);
        cache.release(l, " Sim.</s>", 4096, 4);
        // with the system prompt in the last [INST] (Ollama's mistral template), a second turn shares only "[INST] "
        String c = "[INST] Qual o preço do pão de queijo?[/INST] R$ 2,50.</s>[INST] " + SYS + "\n\nE o café?[/INST]";
        String d = "[INST] Vocês entregam no Cambuí?[/INST] Sim.</s>[INST] " + SYS + "\n\nQuanto custa?[/INST]";
        cache.release(cache.acquire(c, 4096, 4), " R$ 5.</s>", 4096, 4);
        assertThat(cache.acquire(d, 4096, 4).cachedTokens()).isLessThanOrEqualTo(2);
    }

    @Test
    void slotsKeepTheirOwnCachesAndTheLongestPrefixWins() {
        PromptCache cache = new PromptCache(2);
        String a = "A".repeat(400), b = "B".repeat(400);
        PromptCache.Lease la = cache.acquire(a, 4096, 4);
        PromptCache.Lease lb = cache.acquire(b, 4096, 4); // slot 0 busy: the other slot
        assertThat(lb.slot()).isNotEqualTo(la.slot());
        cache.release(la, "", 4096, 4);
        cache.release(lb, "", 4096, 4);
        assertThat(cache.acquire(b + "x", 4096, 4).slot()).isEqualTo(lb.slot());
        // a different num_ctx reloads the model: every slot starts empty
        PromptCache fresh = new PromptCache(1);
        fresh.release(fresh.acquire(a, 4096, 4), "", 4096, 4);
        PromptCache.Lease reload = fresh.acquire(a, 2048, 4);
        assertThat(reload.reloaded()).isTrue();
        assertThat(reload.cachedTokens()).isZero();
    }

    @Test
    void aPromptOverNumCtxKeepsNumKeepAndItsEnd() {
        PromptCache cache = new PromptCache(1);
        String p = "k".repeat(16) + "m".repeat(400) + "e".repeat(40); // 114 tokens
        PromptCache.Lease l = cache.acquire(p, 64, 4);
        assertThat(l.truncated()).isTrue();
        assertThat(PromptCache.tokens(l.prompt())).isEqualTo(64);
        assertThat(l.prompt()).startsWith("k".repeat(16)).endsWith("e".repeat(40));
        assertThat(l.sentTokens()).isEqualTo(114);
        cache.release(l, "x".repeat(40), 64, 4); // 74 tokens > 64: shifted
        assertThat(PromptCache.tokens(cache.cacheOf(0))).isLessThanOrEqualTo(64);
        assertThat(cache.cacheOf(0)).startsWith("k".repeat(16));
    }

    @Test
    void repliesAreDeterministicAndCarryTheirMarkers() {
        String r = OllamaSim.portugueseReply(60, List.of("l12", "l13"), 7);
        assertThat(r).isEqualTo(OllamaSim.portugueseReply(60, List.of("l12", "l13"), 7));
        assertThat(Markers.in(r)).containsExactly("l12", "l13");
        assertThat(PromptCache.tokens(r)).isBetween(58, 61);
        int n = OllamaSim.replyLength("some prompt", 40, 90);
        assertThat(n).isBetween(40, 90).isEqualTo(OllamaSim.replyLength("some prompt", 40, 90));
        assertThat(PromptCache.lastUserTurn(PromptCache.Template.MISTRAL,
                "[INST] a [bm:x1][/INST] b [bm:x1]</s>[INST] S\n\nc [bm:x2][/INST]")).isEqualTo("[INST] S\n\nc [bm:x2][/INST]");
    }
}
