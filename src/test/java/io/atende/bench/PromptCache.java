package io.atende.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Ollama's per-slot prompt cache, as the LLM simulator models it (issue 15). Sources: ollama/ollama
 * {@code runner/ollamarunner/cache.go} ({@code LoadCacheSlot}, {@code findLongestCacheSlot}, {@code countCommonPrefix},
 * {@code ShiftCacheSlot}), {@code template/template.go} ({@code collate}), the {@code mistral} model's template and
 * {@code template/chatml.gotmpl}.
 *
 * <ul>
 * <li><b>Rendering.</b> {@code /api/chat} messages are collated as Ollama does (every system message joined with a
 * blank line into the system prompt; consecutive messages of one role merged with a blank line) and rendered with the
 * template of the model: {@link Template#MISTRAL} puts the system prompt inside the <em>last</em> {@code [INST]}
 * ({@code [INST] u1[/INST] a1</s>[INST] {system}\n\n{u2}[/INST]}), {@link Template#CHATML} puts it first. {@code
 * /api/generate} with {@code raw} takes the prompt as given; without it, {@code system} and {@code prompt} are rendered
 * with the template.</li>
 * <li><b>Tokens.</b> A fixed rule: 1 token = 4 characters (UTF-16 chars), token i = chars [4i, 4i + 4); a string of n
 * chars is ceil(n / 4) tokens. Two prompts share token i only if those 4 chars are equal in both (and every token
 * before): a difference anywhere in a 4-char block ends the shared prefix at that block, as a real tokenizer's
 * differing token would.</li>
 * <li><b>Slots.</b> {@code OLLAMA_NUM_PARALLEL} slots, each with its own cached text. A request takes, among the free
 * slots, the one with the longest common token prefix (ties: the least recently used); it evaluates the rest of its
 * prompt, at least one token (when the whole prompt is cached, Ollama still evaluates the last token). After
 * generating, the slot holds the prompt plus the answer as the template renders it back (Mistral {@code " "+answer+"</s>"},
 * ChatML {@code answer+"<|im_end|>\n"}).</li>
 * <li><b>num_ctx</b> is per slot. A request whose num_ctx differs from the loaded one reloads the model (Ollama does):
 * every slot's cache is cleared. A prompt longer than num_ctx is cut as the runner does: its first num_keep tokens
 * and its last num_ctx - num_keep tokens are kept (the middle is dropped, so the cache matches at most num_keep tokens
 * of it). When prompt plus answer exceed num_ctx, the context shift drops (num_ctx - num_keep) / 2 tokens after the
 * first num_keep from the slot's cache. (Ollama's {@code /api/chat} first drops whole old messages in
 * {@code server/prompt.go}; the gateway trims its prompts to num_ctx - num_predict itself, so neither happens in the
 * bench's phases.)</li>
 * </ul>
 */
final class PromptCache {

    static final int CHARS_PER_TOKEN = 4;

    enum Template {
        /** Mistral's instruction format: system prompt in the last user turn. */
        MISTRAL,
        /** ChatML (Qwen and others): system turn first. */
        CHATML,
        /** No template: contents concatenated (only for a model the simulator does not know, with template none). */
        NONE;

        /**
         * {@code auto}: mistral* and mixtral* -> MISTRAL, anything else (qwen*, llama3*, ...) -> CHATML, the
         * system-first layout of most current models; or a name: mistral, chatml, none.
         */
        static Template of(String setting, String model) {
            String s = setting == null ? "auto" : setting.trim().toLowerCase(Locale.ROOT);
            switch (s) {
                case "mistral":
                    return MISTRAL;
                case "chatml":
                    return CHATML;
                case "none":
                    return NONE;
                default:
                    String m = model == null ? "" : model.toLowerCase(Locale.ROOT);
                    return m.startsWith("mistral") || m.startsWith("mixtral") ? MISTRAL : CHATML;
            }
        }
    }

    /** One message after collation. */
    record Msg(String role, String content) {
    }

    /** What a request got from the cache: the slot, the prompt as evaluated (after a cut), tokens sent/cached/evaluated. */
    record Lease(int slot, String prompt, int sentTokens, int cachedTokens, int evaluatedTokens, boolean truncated,
                 boolean reloaded) {
    }

    private static final class Slot {
        String cache = "";
        long lastUsed;
        boolean inUse;
    }

    private final Slot[] slots;
    private int loadedNumCtx;
    private long clock;

    PromptCache(int parallel) {
        slots = new Slot[parallel];
        for (int i = 0; i < parallel; i++) {
            slots[i] = new Slot();
        }
    }

    // ------------------------------------------------------------------ tokens

    static int tokens(String s) {
        return (s.length() + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
    }

    /** Tokens two texts share from their start (4-char blocks, see the class comment). */
    static int commonPrefixTokens(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int l = 0;
        while (l < n && a.charAt(l) == b.charAt(l)) {
            l++;
        }
        int t = l / CHARS_PER_TOKEN;
        // a last, partial block counts when both texts end there with the same chars
        if (l % CHARS_PER_TOKEN != 0 && l == a.length() && l == b.length()) {
            t++;
        }
        return t;
    }

    // ------------------------------------------------------------------ templates

    /** Ollama's collate: system messages joined into the system prompt, runs of one role merged with a blank line. */
    static String collate(JsonNode messages, List<Msg> out) {
        List<String> system = new ArrayList<>();
        for (JsonNode m : messages) {
            String role = m.path("role").asText();
            String content = m.path("content").asText("");
            if ("system".equals(role)) {
                system.add(content);
                continue;
            }
            if (!out.isEmpty() && out.get(out.size() - 1).role().equals(role)) {
                Msg last = out.remove(out.size() - 1);
                out.add(new Msg(role, last.content() + "\n\n" + content));
            } else {
                out.add(new Msg(role, content));
            }
        }
        return String.join("\n\n", system);
    }

    /** {@code /api/chat}: the messages rendered with the model's template, ending where the answer starts. */
    static String renderChat(Template t, JsonNode messages) {
        List<Msg> msgs = new ArrayList<>();
        String system = collate(messages, msgs);
        return renderChat(t, system, msgs);
    }

    static String renderChat(Template t, String system, List<Msg> msgs) {
        StringBuilder sb = new StringBuilder();
        switch (t) {
            case MISTRAL -> {
                for (int i = 0; i < msgs.size(); i++) {
                    Msg m = msgs.get(i);
                    if ("user".equals(m.role())) {
                        sb.append("[INST] ");
                        if (i == msgs.size() - 1 && !system.isEmpty()) {
                            sb.append(system).append("\n\n");
                        }
                        sb.append(m.content()).append("[/INST]");
                    } else if ("assistant".equals(m.role())) {
                        sb.append(' ').append(m.content()).append("</s>");
                    }
                }
            }
            case CHATML -> {
                if (!system.isEmpty()) {
                    sb.append("<|im_start|>system\n").append(system).append("<|im_end|>\n");
                }
                for (Msg m : msgs) {
                    sb.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
                }
                sb.append("<|im_start|>assistant\n");
            }
            case NONE -> {
                if (!system.isEmpty()) {
                    sb.append(system).append("\n\n");
                }
                for (Msg m : msgs) {
                    sb.append(m.content()).append("\n\n");
                }
            }
        }
        return sb.toString();
    }

    /** {@code /api/generate} without raw: system and prompt through the template. */
    static String renderGenerate(Template t, String system, String prompt) {
        return renderChat(t, system == null ? "" : system, List.of(new Msg("user", prompt == null ? "" : prompt)));
    }

    /** The answer as the template renders it back after the prompt (what the slot's cache holds after generating). */
    static String answerSuffix(Template t, String answer) {
        return switch (t) {
            case MISTRAL -> " " + answer + "</s>";
            case CHATML -> answer + "<|im_end|>\n";
            case NONE -> answer;
        };
    }

    /** The last user turn of a rendered prompt: where the markers of the messages this call answers are. */
    static String lastUserTurn(Template t, String prompt) {
        int i = switch (t) {
            case MISTRAL -> prompt.lastIndexOf("[INST]");
            case CHATML -> prompt.lastIndexOf("<|im_start|>user");
            case NONE -> -1;
        };
        return i < 0 ? prompt : prompt.substring(i);
    }

    // ------------------------------------------------------------------ slots

    /**
     * Takes a free slot for this prompt (the caller guarantees one is free: at most {@code parallel} holders).
     *
     * @param numKeep Ollama's num_keep (tokens kept at the start when a prompt is cut or the context shifts)
     */
    synchronized Lease acquire(String prompt, int numCtx, int numKeep) {
        boolean reloaded = false;
        if (numCtx != loadedNumCtx) {
            reloaded = loadedNumCtx != 0;
            loadedNumCtx = numCtx;
            for (Slot s : slots) {
                s.cache = "";
            }
        }
        int sent = tokens(prompt);
        boolean truncated = false;
        if (sent > numCtx) {
            int keep = Math.min(numKeep, numCtx - 1);
            int dropFrom = keep * CHARS_PER_TOKEN;
            int dropTo = (sent - (numCtx - keep)) * CHARS_PER_TOKEN;
            prompt = prompt.substring(0, dropFrom) + prompt.substring(dropTo);
            truncated = true;
        }
        int best = -1, bestCount = -1;
        for (int i = 0; i < slots.length; i++) {
            Slot s = slots[i];
            if (s.inUse) {
                continue;
            }
            int c = commonPrefixTokens(s.cache, prompt);
            if (c > bestCount || (c == bestCount && s.lastUsed < slots[best].lastUsed)) {
                best = i;
                bestCount = c;
            }
        }
        if (best < 0) {
            throw new IllegalStateException("no free slot");
        }
        Slot s = slots[best];
        s.inUse = true;
        s.lastUsed = ++clock;
        int total = tokens(prompt);
        int cached = Math.min(bestCount, total - 1); // at least one token is evaluated
        s.cache = prompt.substring(0, Math.min(prompt.length(), cached * CHARS_PER_TOKEN));
        return new Lease(best, prompt, sent, cached, total - cached, truncated, reloaded);
    }

    /** The call is over: the slot holds prompt + answer (shifted when over num_ctx). */
    synchronized void release(Lease lease, String answerSuffix, int numCtx, int numKeep) {
        Slot s = slots[lease.slot()];
        String c = lease.prompt() + answerSuffix;
        int n = tokens(c);
        if (n > numCtx) {
            int keep = Math.min(numKeep, numCtx - 1);
            int discard = Math.max(1, (numCtx - keep) / 2) + (n - numCtx); // ShiftDiscard: free half the window
            c = c.substring(0, keep * CHARS_PER_TOKEN)
                    + c.substring(Math.min(c.length(), (keep + discard) * CHARS_PER_TOKEN));
        }
        s.cache = c;
        s.inUse = false;
    }

    /** Every slot empty (a fresh Ollama). */
    synchronized void clear() {
        for (Slot s : slots) {
            s.cache = "";
            s.lastUsed = 0;
        }
        loadedNumCtx = 0;
    }

    synchronized String cacheOf(int slot) {
        return slots[slot].cache;
    }
}
