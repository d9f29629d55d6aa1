package io.atende.painel;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.atende.conversation.ConversationPrompt;
import io.atende.llm.LlmAnswer;
import io.atende.llm.LlmPrompt;
import io.atende.profile.InstanceProfiles;
import io.atende.profile.InstanceSummary;
import io.atende.profile.ProfileJson;
import io.atende.profile.ProfileStore;
import io.atende.profile.ProfileValidationException;
import io.atende.profile.ProfileVersion;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The Número page: which profiles a session sees, which fields it may change (the persona, the facts, the hours and
 * the notices: what the owner writes; the admin also the operator token and whether the bot is on), and the "testar"
 * box, which asks the LLM with the profile as edited, sends nothing to WhatsApp and stores nothing. Validation and
 * storage are the admin API's ({@link ProfileJson}, {@link ProfileStore}).
 */
public final class PainelProfiles {

    /** Fields the page edits; the rest (Evolution's URL and keys, model, JID lists) stay the admin API's. */
    public static final Set<String> OPERATOR_FIELDS = Set.of("displayName", "systemPrompt", "facts", "hours", "texts");
    public static final Set<String> ADMIN_FIELDS = Set.of("displayName", "systemPrompt", "facts", "hours", "texts",
            "enabled", ProfileJson.OPERATOR_TOKEN);
    /** One WhatsApp message. */
    public static final int MAX_QUESTION = ProfileJson.MAX_TEXT;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A "testar" request: the prompt for the LLM. */
    public record Preview(LlmPrompt prompt) {
    }

    private final ProfileStore store;
    private final InstanceProfiles profiles;
    private final ConversationPrompt prompts;
    private final ProfileJson profileJson;

    public PainelProfiles(ProfileStore store, InstanceProfiles profiles, ConversationPrompt prompts,
                          ProfileJson profileJson) {
        this.store = store;
        this.profiles = profiles;
        this.prompts = prompts;
        this.profileJson = profileJson;
    }

    /** The numbers the session sees: an operator only its own. */
    public List<InstanceSummary> visible(PainelSession session, List<InstanceSummary> all) {
        return session.admin() ? all : all.stream().filter(i -> i.instance().equals(session.instance())).toList();
    }

    /**
     * The number the path names, if the session may see it.
     *
     * @throws PainelException 404 another number's, for an operator
     */
    public String instance(PainelSession session, String instance) {
        String asked = instance == null ? "" : instance.strip();
        if (asked.isEmpty() || (!session.admin() && !asked.equals(session.instance()))) {
            throw PainelException.notFound();
        }
        return asked;
    }

    /**
     * The page's merge patch, only with fields the session may change.
     *
     * @throws ProfileValidationException not a JSON object (400)
     * @throws PainelException            400 naming a field the page does not edit
     */
    public ObjectNode patch(PainelSession session, String body) {
        ObjectNode patch = profileJson.patch(body);
        editable(session, patch);
        return patch;
    }

    /** Who changed the profile, for its history. */
    public String changedBy(PainelSession session) {
        return session.admin() ? "painel:admin" : "painel:operator";
    }

    /**
     * {@code {"profile": {...merge patch...}, "question": "..."}}: the prompt the number would send with the patch
     * applied to its stored profile (validated as a save would be; nothing is saved).
     *
     * @throws ProfileValidationException the edited profile is not valid (400 naming the field)
     * @throws PainelException            400 no question, or a field the page does not edit
     */
    public Preview preview(PainelSession session, String instance, String body) {
        JsonNode json;
        try {
            json = body == null || body.isBlank() ? null : JSON.readTree(body);
        } catch (JsonProcessingException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            throw PainelException.badRequest(null, "the body must be {\"profile\": {...}, \"question\": \"...\"}");
        }
        JsonNode question = json.get("question");
        if (question == null || !question.isTextual() || question.asText().isBlank()
                || question.asText().length() > MAX_QUESTION) {
            throw PainelException.badRequest("question", "question must be a text of 1 to " + MAX_QUESTION
                    + " characters");
        }
        JsonNode edited = json.get("profile");
        ObjectNode patch = edited == null || edited.isNull() ? JSON.createObjectNode()
                : edited instanceof ObjectNode o ? o.deepCopy() : null;
        if (patch == null) {
            throw PainelException.badRequest("profile", "profile must be an object (the fields as edited)");
        }
        editable(session, patch);
        patch.remove(ProfileJson.OPERATOR_TOKEN); // no part of a prompt
        ProfileVersion stored = store.find(instance);
        ObjectNode document = ProfileJson.mergePatch(stored.document(), patch);
        return new Preview(prompts.preview(profiles.preview(instance, document), question.asText().strip()));
    }

    public LlmPrompt prompt(Preview preview) {
        return preview.prompt();
    }

    /** @throws PainelException always: 503, the LLM did not answer the test */
    public void llmUnavailable() {
        throw PainelException.llmUnavailable();
    }

    /** {@code {"answer": "..."}}: what the model wrote, as the customer would get it before formatting. */
    public String answer(LlmAnswer answer) {
        ObjectNode n = JSON.createObjectNode();
        n.put("answer", answer.reply());
        return n.toString();
    }

    private static void editable(PainelSession session, ObjectNode patch) {
        Set<String> allowed = session.admin() ? ADMIN_FIELDS : OPERATOR_FIELDS;
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = patch.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        for (String name : names) {
            if (!allowed.contains(name)) {
                throw PainelException.badRequest(name, name + " is not edited here; the admin API changes it");
            }
        }
    }
}
