package io.atende.profile;

import io.atende.support.SecretToken;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The profile document of the admin API and of the instances file: strict validation (any field not in the schema, any
 * wrong type or value is a 400 naming the field as a dotted path), JSON merge patch (RFC 7386), and rendering with the
 * secrets redacted.
 *
 * <p>Secrets ({@link #SECRETS}: {@code evolution.apiKey}, {@code evolution.webhookToken}) are write-only: they are
 * rendered as the read-only booleans {@code apiKeySet} and {@code webhookTokenSet}, which a request may carry (they are
 * ignored), so that a GET's body can be PUT back as it is.
 *
 * <p>Limits: {@code temperature} 0 to 2; {@code numPredict} 1 to {@value #MAX_NUM_PREDICT}; {@code historyTurns} 0 to
 * {@value #MAX_HISTORY_TURNS}; {@code debounceMs} 0 to {@value #MAX_DEBOUNCE_MS}; {@code displayName} up to
 * {@value #MAX_DISPLAY_NAME} characters, {@code model} {@value #MAX_MODEL}, {@code systemPrompt}
 * {@value #MAX_SYSTEM_PROMPT}, {@code facts} {@value #MAX_FACTS}, each text {@value #MAX_TEXT} (one WhatsApp message),
 * a trigger's value {@value #MAX_TRIGGER_VALUE}, a secret {@value #MAX_SECRET} (a webhook token at least
 * {@value #MIN_WEBHOOK_TOKEN}), a URL {@value #MAX_URL}; at most
 * {@value #MAX_JIDS} entries in each JID list; {@code handoff.pauseMinutes} over 0 and at most
 * {@value #MAX_PAUSE_MINUTES} (a week); at most {@value #MAX_KEYWORDS} keywords in each list, each (and the resume
 * keyword) up to {@value #MAX_KEYWORD} characters; {@code handoff.notifyNumber} {@value #MIN_PHONE_DIGITS} to
 * {@value #MAX_PHONE_DIGITS} digits; at most {@value #MAX_INTERVALS} intervals a day and {@value #MAX_HOLIDAYS}
 * holidays. {@code hours} is checked by {@link BusinessHours#of}, the one parser of business hours.
 */
public final class ProfileJson {

    public static final int MAX_DISPLAY_NAME = 200;
    public static final int MAX_MODEL = 200;
    public static final int MAX_SYSTEM_PROMPT = 20_000;
    public static final int MAX_FACTS = 50_000;
    public static final int MAX_TEXT = 4_096;
    public static final int MAX_TRIGGER_VALUE = 500;
    public static final int MAX_SECRET = 500;
    /** A webhook token authenticates this instance's webhooks on its own: not a guessable one. */
    public static final int MIN_WEBHOOK_TOKEN = 16;
    public static final int MAX_URL = 2_000;
    public static final int MAX_JIDS = 1_000;
    public static final int MAX_JID = 200;
    public static final int MAX_NUM_PREDICT = 32_768;
    public static final int MAX_HISTORY_TURNS = 200;
    public static final long MAX_DEBOUNCE_MS = 600_000;
    public static final int MAX_INSTANCE_NAME = 100;
    public static final int MAX_CHANGED_BY = 100;
    public static final double MAX_PAUSE_MINUTES = 10_080;
    public static final int MIN_SPLIT_CHARS = 100;
    public static final int MAX_SPLIT_PARTS = 20;
    public static final int MAX_MS_PER_CHAR = 1_000;
    public static final int MAX_KEYWORDS = 50;
    public static final int MAX_KEYWORD = 100;
    public static final int MIN_PHONE_DIGITS = 10;
    public static final int MAX_PHONE_DIGITS = 15;
    public static final int MAX_TIME_ZONE = 100;
    public static final int MAX_INTERVALS = 48;
    public static final int MAX_HOLIDAYS = 1_000;
    public static final String DEFAULT_CHANGED_BY = "admin-api";
    /** A number's Painel sign-in: long enough that guessing it is hopeless (the login is rate limited too). */
    public static final int MIN_OPERATOR_TOKEN = 20;
    /** The write-only operator token (issue 17): stored only as its SHA-256, {@value #OPERATOR_TOKEN_HASH}. */
    public static final String OPERATOR_TOKEN = "operatorToken";
    public static final String OPERATOR_TOKEN_HASH = "operatorTokenHash";

    /** The write-only fields, by object: each is rendered as {@code <name>Set}. A later token field goes here. */
    public static final Map<String, List<String>> SECRETS = Map.of("evolution", List.of("apiKey", "webhookToken"));

    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    // ---------------------------------------------------------------- requests

    /**
     * A PUT's body (or an instances file entry), validated.
     *
     * @throws ProfileValidationException not JSON, not an object, or any field wrong (named)
     */
    public ProfileDocument document(String body) {
        return entry(parse(body));
    }

    /** One profile document already parsed (an instances file entry). @see #document(String) */
    public static ProfileDocument entry(JsonNode node) {
        return new ProfileDocument(validate(node, true));
    }

    /**
     * A PATCH's body: a JSON object, applied to the stored document by {@link #mergePatch}. It is validated as part of
     * the result.
     *
     * @throws ProfileValidationException not a JSON object
     */
    public ObjectNode patch(String body) {
        return parse(body);
    }

    /**
     * RFC 7386 over the stored document (secrets included): a member set to null is removed, an object is merged, any
     * other value replaces. So a secret left out is kept and one set to null is cleared. The result is validated.
     *
     * @return the new stored document
     * @throws ProfileValidationException the result is not a valid profile (the field named)
     */
    public static ObjectNode mergePatch(ObjectNode stored, ObjectNode patch) {
        JsonNode merged = merge(stored.deepCopy(), patchOperatorToken(patch));
        return validate(merged, false);
    }

    /**
     * The document to store after a PUT: the request's fields, and each secret as the request says (left out: the
     * stored value is kept; null: cleared; a string: set).
     *
     * @param stored the stored document, empty when there is none
     */
    public static ObjectNode withSecrets(ProfileDocument request, ObjectNode stored) {
        ObjectNode result = request.fields().deepCopy();
        for (Map.Entry<String, List<String>> secrets : SECRETS.entrySet()) {
            String object = secrets.getKey();
            JsonNode requested = result.get(object);
            if (requested != null && requested.isNull()) {
                result.remove(object); // "evolution": null clears it whole
                continue;
            }
            JsonNode before = stored.get(object);
            ObjectNode target = requested == null ? NODES.objectNode() : (ObjectNode) requested;
            for (String name : secrets.getValue()) {
                JsonNode value = target.get(name);
                if (value == null) {
                    if (before != null && before.hasNonNull(name)) {
                        target.put(name, before.get(name).asText());
                    }
                } else if (value.isNull()) {
                    target.remove(name);
                }
            }
            if (target.isEmpty()) {
                result.remove(object);
            } else {
                result.set(object, target);
            }
        }
        JsonNode operatorToken = result.remove(OPERATOR_TOKEN);
        if (operatorToken == null) {
            if (stored.hasNonNull(OPERATOR_TOKEN_HASH)) {
                result.put(OPERATOR_TOKEN_HASH, stored.get(OPERATOR_TOKEN_HASH).asText());
            }
        } else if (!operatorToken.isNull()) {
            result.put(OPERATOR_TOKEN_HASH, operatorTokenHash(operatorToken.asText()));
        }
        return canonical(result);
    }

    /** The stored form of an operator token: the SHA-256 (hex) of the token, stripped. */
    public static String operatorTokenHash(String token) {
        return SecretToken.sha256Hex(token.strip());
    }

    /**
     * A PATCH's {@code operatorToken} as the stored document holds it, before the merge: a token becomes its hash,
     * null clears the hash; {@code operatorTokenSet} (read-only) is dropped. The hash itself is never accepted.
     *
     * @throws ProfileValidationException {@code operatorTokenHash} given, or a bad token
     */
    static ObjectNode patchOperatorToken(ObjectNode patch) {
        if (patch.has(OPERATOR_TOKEN_HASH)) {
            throw unknown(OPERATOR_TOKEN_HASH);
        }
        ObjectNode out = patch.deepCopy();
        JsonNode set = out.remove(OPERATOR_TOKEN + "Set");
        if (set != null && !set.isNull()) {
            bool(set, OPERATOR_TOKEN + "Set");
        }
        JsonNode token = out.remove(OPERATOR_TOKEN);
        if (token != null) {
            if (token.isNull()) {
                out.putNull(OPERATOR_TOKEN_HASH);
            } else {
                out.put(OPERATOR_TOKEN_HASH, operatorTokenHash(operatorToken(token)));
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- answers

    /** The document as the API shows it: every secret replaced by whether it is set. */
    public static ObjectNode render(ObjectNode stored) {
        ObjectNode shown = stored.deepCopy();
        for (Map.Entry<String, List<String>> secrets : SECRETS.entrySet()) {
            if (shown.get(secrets.getKey()) instanceof ObjectNode object) {
                for (String name : secrets.getValue()) {
                    boolean set = object.hasNonNull(name);
                    object.remove(name);
                    object.put(name + "Set", set);
                }
            }
        }
        if (shown.remove(OPERATOR_TOKEN_HASH) != null) {
            shown.put(OPERATOR_TOKEN + "Set", true);
        }
        return canonical(shown);
    }

    /** GET, PUT and PATCH: 200 (201 when created), the ETag and the redacted document. */
    public ProfileAnswer answer(ProfileVersion profile) {
        return new ProfileAnswer(profile.created() ? 201 : 200, profile.etag(), render(profile.document()).toString());
    }

    /** {@code [{"instance":…,"hasProfile":…,"version":…,"source":…,"updatedAt":…,"updatedBy":…}, …]} */
    public String list(List<InstanceSummary> instances) {
        ArrayNode array = NODES.arrayNode();
        for (InstanceSummary i : instances) {
            ObjectNode n = array.addObject();
            n.put("instance", i.instance());
            n.put("hasProfile", i.hasProfile());
            n.put("version", i.version());
            n.put("source", i.source());
            n.put("updatedAt", text(i.updatedAt()));
            n.put("updatedBy", i.updatedBy());
        }
        return array.toString();
    }

    /** {@code [{"version":…,"changedAt":…,"changedBy":…,"source":…,"changed":[…],"profile":{…}|null}, …]} */
    public String history(List<ProfileHistoryEntry> versions) {
        ArrayNode array = NODES.arrayNode();
        for (ProfileHistoryEntry v : versions) {
            ObjectNode n = array.addObject();
            n.put("version", v.version());
            n.put("changedAt", text(v.changedAt()));
            n.put("changedBy", v.changedBy());
            n.put("source", v.source());
            ArrayNode changed = n.putArray("changed");
            v.changed().forEach(changed::add);
            n.set("profile", v.profile() == null ? NODES.nullNode() : v.profile());
        }
        return array.toString();
    }

    // ---------------------------------------------------------------- support

    /** Keys sorted at every level: the same document always has the same text (and hash). */
    public static ObjectNode canonical(ObjectNode node) {
        ObjectNode sorted = NODES.objectNode();
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        names.sort(null);
        for (String name : names) {
            sorted.set(name, canonicalValue(node.get(name)));
        }
        return sorted;
    }

    private static JsonNode canonicalValue(JsonNode value) {
        if (value instanceof ObjectNode o) {
            return canonical(o);
        }
        if (value instanceof ArrayNode a) {
            ArrayNode copy = NODES.arrayNode();
            a.forEach(e -> copy.add(canonicalValue(e)));
            return copy;
        }
        return value;
    }

    /** The SHA-256 of a node's canonical JSON text, in hex. */
    public static String hash(JsonNode node) {
        return SecretToken.sha256Hex(canonicalValue(node).toString());
    }

    /** A stored document (jsonb text, whose key order is PostgreSQL's), keys sorted; empty for null. */
    static ObjectNode stored(String json) {
        if (json == null) {
            return NODES.objectNode();
        }
        try {
            return canonical((ObjectNode) JSON.readTree(json));
        } catch (JsonProcessingException | ClassCastException e) {
            throw new IllegalStateException("stored profile is not a JSON object", e);
        }
    }

    /**
     * An instance name from the path: 1 to {@value #MAX_INSTANCE_NAME} characters, no control character, no slash.
     *
     * @throws ProfileValidationException naming {@code instance}
     */
    public static String instanceName(String instance) {
        if (instance == null || instance.isEmpty() || instance.length() > MAX_INSTANCE_NAME
                || instance.chars().anyMatch(ch -> Character.isISOControl(ch) || ch == '/')) {
            throw new ProfileValidationException("instance", "instance must be 1 to " + MAX_INSTANCE_NAME
                    + " characters, without a slash or a control character");
        }
        return instance;
    }

    /**
     * Who changed the profile: the {@code X-Changed-By} header, trimmed, or {@value #DEFAULT_CHANGED_BY}.
     *
     * @throws ProfileValidationException longer than {@value #MAX_CHANGED_BY} characters or with a control character
     */
    public static String changedBy(String header) {
        String who = header == null ? "" : header.strip();
        if (who.isEmpty()) {
            return DEFAULT_CHANGED_BY;
        }
        if (who.length() > MAX_CHANGED_BY || who.chars().anyMatch(Character::isISOControl)) {
            throw new ProfileValidationException("X-Changed-By", "X-Changed-By must be at most " + MAX_CHANGED_BY
                    + " characters, without a control character");
        }
        return who;
    }

    private static ObjectNode parse(String body) {
        if (body == null || body.isBlank()) {
            throw new ProfileValidationException(null, "the body must be a JSON object");
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ProfileValidationException(null, "the body is not valid JSON (line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        }
        if (!(node instanceof ObjectNode object)) {
            throw new ProfileValidationException(null, "the body must be a JSON object");
        }
        return object;
    }

    private static JsonNode merge(JsonNode target, JsonNode patch) {
        if (!(patch instanceof ObjectNode p)) {
            return patch;
        }
        ObjectNode t = target instanceof ObjectNode o ? o : NODES.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNull()) {
                t.remove(e.getKey());
            } else {
                t.set(e.getKey(), merge(t.get(e.getKey()), e.getValue()));
            }
        }
        return t;
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }

    // ---------------------------------------------------------------- validation

    /**
     * The document with only the fields that are set, keys sorted. Null means "the default", so a null field is left
     * out, except a secret (or {@code evolution} whole) in a request, where null means "clear it".
     *
     * @param request true for a PUT's body or a file entry (null secrets kept as markers); false for a stored result
     */
    static ObjectNode validate(JsonNode node, boolean request) {
        if (!(node instanceof ObjectNode in)) {
            throw new ProfileValidationException(null, "a profile must be a JSON object");
        }
        ObjectNode out = NODES.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = in.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (v.isNull()) {
                if (!isKnownTopLevel(name) || (request && name.equals(OPERATOR_TOKEN_HASH))) {
                    throw unknown(name);
                }
                if (request && (name.equals("evolution") || name.equals(OPERATOR_TOKEN))) {
                    out.set(name, v); // clear it
                }
                continue;
            }
            switch (name) {
                // write-only: a request's token, a stored document's hash of it; never both ways
                case OPERATOR_TOKEN -> {
                    if (!request) {
                        throw unknown(name);
                    }
                    out.put(name, operatorToken(v));
                }
                case OPERATOR_TOKEN_HASH -> {
                    if (request || !v.isTextual() || !v.asText().matches("[0-9a-f]{64}")) {
                        throw unknown(name);
                    }
                    out.put(name, v.asText());
                }
                case "operatorTokenSet" -> bool(v, name); // read-only: a GET's body can be PUT back
                case "enabled" -> out.set(name, bool(v, name));
                case "displayName" -> out.put(name, string(v, name, MAX_DISPLAY_NAME, false));
                case "systemPrompt" -> out.put(name, string(v, name, MAX_SYSTEM_PROMPT, true));
                case "facts" -> out.put(name, string(v, name, MAX_FACTS, false));
                case "model" -> out.put(name, string(v, name, MAX_MODEL, true));
                case "temperature" -> out.set(name, number(v, name, 0, 2));
                case "numPredict" -> out.put(name, (int) integer(v, name, 1, MAX_NUM_PREDICT));
                case "historyTurns" -> out.put(name, (int) integer(v, name, 0, MAX_HISTORY_TURNS));
                case "debounceMs" -> out.put(name, integer(v, name, 0, MAX_DEBOUNCE_MS));
                case "texts" -> putIfNotEmpty(out, name, texts(v));
                case "trigger" -> putIfNotEmpty(out, name, trigger(v));
                case "ignoreJids", "allowJids" -> out.set(name, jids(v, name));
                case "evolution" -> {
                    ObjectNode evolution = evolution(v, request);
                    putIfNotEmpty(out, name, evolution);
                }
                case "handoff" -> putIfNotEmpty(out, name, handoff(v));
                case "optOut" -> putIfNotEmpty(out, name, optOut(v));
                case "hours" -> putIfNotEmpty(out, name, hours(v));
                case "typing" -> out.set(name, bool(v, name));
                case "split" -> putIfNotEmpty(out, name, split(v));
                case "voice" -> putIfNotEmpty(out, name, voice(v));
                default -> throw unknown(name);
            }
        }
        return canonical(out);
    }

    private static final List<String> TOP_LEVEL = List.of("enabled", "displayName", "systemPrompt", "facts", "model",
            "temperature", "numPredict", "historyTurns", "texts", "trigger", "ignoreJids", "allowJids", "debounceMs",
            "evolution", "handoff", "optOut", "hours", "typing", "split", "voice", OPERATOR_TOKEN, OPERATOR_TOKEN_HASH,
            "operatorTokenSet");

    private static String operatorToken(JsonNode v) {
        String token = string(v, OPERATOR_TOKEN, MAX_SECRET, true).strip();
        if (token.length() < MIN_OPERATOR_TOKEN || token.chars().anyMatch(Character::isWhitespace)) {
            throw new ProfileValidationException(OPERATOR_TOKEN, OPERATOR_TOKEN + " must be at least "
                    + MIN_OPERATOR_TOKEN + " characters, without spaces");
        }
        return token;
    }

    private static boolean isKnownTopLevel(String name) {
        return TOP_LEVEL.contains(name);
    }

    private static void putIfNotEmpty(ObjectNode out, String name, ObjectNode value) {
        if (!value.isEmpty()) {
            out.set(name, value);
        }
    }

    private static ObjectNode texts(JsonNode v) {
        ObjectNode in = object(v, "texts");
        ObjectNode out = NODES.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = in.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = "texts." + e.getKey();
            if (!TEXTS.contains(e.getKey())) {
                throw unknown(path);
            }
            if (!e.getValue().isNull()) {
                out.put(e.getKey(), string(e.getValue(), path, MAX_TEXT, false));
            }
        }
        return out;
    }

    private static final List<String> TEXTS = List.of("fallback", "busy", "media", "handoff", "optOutConfirm",
            "optInConfirm", "outOfHours", "voiceFailed", "voiceTooLong");

    private static ObjectNode split(JsonNode v) {
        ObjectNode in = object(v, "split");
        ObjectNode out = NODES.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = in.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = "split." + e.getKey();
            JsonNode value = e.getValue();
            if (value.isNull() && List.of("maxChars", "maxParts", "msPerChar").contains(e.getKey())) {
                continue;
            }
            switch (e.getKey()) {
                case "maxChars" -> out.put(e.getKey(), (int) integer(value, path, MIN_SPLIT_CHARS,
                        MAX_TEXT));
                case "maxParts" -> out.put(e.getKey(), (int) integer(value, path, 1, MAX_SPLIT_PARTS));
                case "msPerChar" -> out.put(e.getKey(), (int) integer(value, path, 0, MAX_MS_PER_CHAR));
                default -> throw unknown(path);
            }
        }
        return out;
    }

    private static ObjectNode voice(JsonNode v) {
        ObjectNode in = object(v, "voice");
        ObjectNode out = NODES.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = in.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("enabled")) {
                throw unknown("voice." + e.getKey());
            }
            if (!e.getValue().isNull()) {
                out.set(e.getKey(), bool(e.getValue(), "voice.enabled"));
            }
        }
        return out;
    }

    private static ObjectNode handoff(JsonNode v) {
        ObjectNode in = object(v, "handoff");
        ObjectNode out = NODES.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = in.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            String path = "handoff." + name;
            JsonNode value = e.getValue();
            if (!List.of("pauseMinutes", "keywords", "resumeKeyword", "notifyNumber").contains(name)) {
                throw unknown(path);
            }
            if (value.isNull()) {
                continue;
            }
            switch (name) {
                case "pauseMinutes" -> {
                    if (!value.isNumber() || !Double.isFinite(value.asDouble()) || value.asDouble() <= 0
                            || value.asDouble() > MAX_PAUSE_MINUTES) {
                        throw new ProfileValidationException(path, path + " must be a number greater than 0 and at most "
                                + fmt(MAX_PAUSE_MINUTES) + " (a week)");
                    }
                    out.put(name, value.asDouble());
                }
                case "keywords" -> out.set(name, keywords(value, path));
                case "resumeKeyword" -> out.put(name, string(value, path, MAX_KEYWORD, true));
                default -> out.put(name, phoneNumber(value, path));
            }
        }
        return out;
    }

    private static ObjectNode optOut(JsonNode v) {
        ObjectNode in = object(v, "optOut");
        ObjectNode out = NODES.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = in.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = "optOut." + e.getKey();
            if (!List.of("stopKeywords", "resumeKeywords").contains(e.getKey())) {
                throw unknown(path);
            }
            if (!e.getValue().isNull()) {
                out.set(e.getKey(), keywords(e.getValue(), path));
            }
        }
        return out;
    }

    /** An empty list is kept: it means "no keywords" (the feature off), where a missing one means the default list. */
    private static ArrayNode keywords(JsonNode v, String path) {
        if (!v.isArray()) {
            throw new ProfileValidationException(path, path + " must be a list of words or phrases");
        }
        if (v.size() > MAX_KEYWORDS) {
            throw new ProfileValidationException(path, path + " must have at most " + MAX_KEYWORDS + " entries");
        }
        ArrayNode out = NODES.arrayNode();
        for (int i = 0; i < v.size(); i++) {
            String entry = path + "[" + i + "]";
            String word = string(v.get(i), entry, MAX_KEYWORD, true);
            // Matching ignores punctuation, emoji and a trailing "por favor": a keyword of only those never matches.
            if (Keywords.normalise(word).isEmpty()) {
                throw new ProfileValidationException(entry, entry + " must have a letter or a digit");
            }
            out.add(word);
        }
        return out;
    }

    /**
     * Digits with the usual separators ({@code +55 (11) 99999-0000}), kept as written; the value is never repeated in
     * the message (it is a phone number, and the instances file's errors are logged).
     */
    private static String phoneNumber(JsonNode v, String path) {
        String rule = path + " must be a phone number with the country code, " + MIN_PHONE_DIGITS + " to "
                + MAX_PHONE_DIGITS + " digits (spaces, +, -, . and parentheses allowed), e.g. \"5511999990000\"";
        if (!v.isTextual()) {
            throw new ProfileValidationException(path, rule + " as a string (quoted in YAML)");
        }
        String digits = v.asText().replaceAll("[+\\s\\-.()]", "");
        if (!digits.matches("[0-9]{" + MIN_PHONE_DIGITS + "," + MAX_PHONE_DIGITS + "}")) {
            throw new ProfileValidationException(path, rule);
        }
        return v.asText().strip();
    }

    /**
     * The shape here (an object of lists of strings), the values by {@link BusinessHours#of}: one parser decides what
     * an interval, a zone or a date is, and its message already starts with the field's path.
     */
    private static ObjectNode hours(JsonNode v) {
        ObjectNode in = object(v, "hours");
        ObjectNode out = NODES.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = in.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            String path = "hours." + name;
            JsonNode value = e.getValue();
            if (!List.of("timeZone", "weekly", "holidays", "outOfHoursPolicy").contains(name)) {
                throw unknown(path);
            }
            if (value.isNull()) {
                continue;
            }
            switch (name) {
                case "timeZone" -> out.put(name, string(value, path, MAX_TIME_ZONE, true).strip());
                case "outOfHoursPolicy" -> out.put(name, string(value, path, 20, true));
                case "holidays" -> out.set(name, strings(value, path, MAX_HOLIDAYS, "ISO dates (2026-12-25)"));
                default -> {
                    ObjectNode days = object(value, path);
                    ObjectNode weekly = NODES.objectNode(); // kept even when empty: closed every day
                    for (Iterator<Map.Entry<String, JsonNode>> d = days.fields(); d.hasNext(); ) {
                        Map.Entry<String, JsonNode> day = d.next();
                        String dayPath = path + "." + day.getKey();
                        if (!BusinessHours.DAYS.contains(day.getKey())) {
                            throw unknown(dayPath);
                        }
                        if (!day.getValue().isNull()) {
                            weekly.set(day.getKey(), strings(day.getValue(), dayPath, MAX_INTERVALS,
                                    "intervals (\"09:00-18:00\")"));
                        }
                    }
                    out.set(name, weekly);
                }
            }
        }
        try {
            BusinessHours.of(InstanceProfiles.READER.convertValue(out, InstanceProfile.Hours.class), ZoneId.of("UTC"),
                    BusinessHours.Policy.ANSWER);
        } catch (IllegalArgumentException bad) {
            String message = bad.getMessage();
            int colon = message.indexOf(": ");
            throw new ProfileValidationException(colon > 0 ? message.substring(0, colon) : "hours", message);
        }
        return out;
    }

    /** A list of strings, each then read by {@link BusinessHours}, whose message says what a good one looks like. */
    private static ArrayNode strings(JsonNode v, String path, int maxEntries, String what) {
        if (!v.isArray()) {
            throw new ProfileValidationException(path, path + " must be a list of " + what);
        }
        if (v.size() > maxEntries) {
            throw new ProfileValidationException(path, path + " must have at most " + maxEntries + " entries");
        }
        ArrayNode out = NODES.arrayNode();
        for (int i = 0; i < v.size(); i++) {
            out.add(string(v.get(i), path + "[" + i + "]", 50, false));
        }
        return out;
    }

    private static ObjectNode trigger(JsonNode v) {
        ObjectNode in = object(v, "trigger");
        ObjectNode out = NODES.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = in.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = "trigger." + e.getKey();
            if (!List.of("type", "operator", "value").contains(e.getKey())) {
                throw unknown(path);
            }
            if (!e.getValue().isNull()) {
                out.put(e.getKey(), string(e.getValue(), path,
                        e.getKey().equals("value") ? MAX_TRIGGER_VALUE : 20, false));
            }
        }
        try {
            TriggerRule.of(new InstanceProfile.Trigger(text(out, "type"), text(out, "operator"), text(out, "value")));
        } catch (IllegalArgumentException bad) {
            String message = bad.getMessage();
            String field = message.startsWith("trigger.type") ? "trigger.type"
                    : message.startsWith("trigger.operator") ? "trigger.operator"
                    : message.startsWith("trigger.value") ? "trigger.value" : "trigger";
            throw new ProfileValidationException(field, message);
        }
        return out;
    }

    private static ArrayNode jids(JsonNode v, String name) {
        if (!v.isArray()) {
            throw new ProfileValidationException(name, name + " must be a list of JID patterns");
        }
        if (v.size() > MAX_JIDS) {
            throw new ProfileValidationException(name, name + " must have at most " + MAX_JIDS + " entries");
        }
        ArrayNode out = NODES.arrayNode();
        for (int i = 0; i < v.size(); i++) {
            String path = name + "[" + i + "]";
            String pattern = string(v.get(i), path, MAX_JID, true);
            try {
                JidPattern.parse(pattern);
            } catch (IllegalArgumentException bad) {
                // The pattern itself is not repeated: it may be a customer's phone number, and this message is logged.
                throw new ProfileValidationException(path, path + " is not a JID pattern: use @g.us, @s.whatsapp.net, "
                        + "@lid, a whole JID such as 5511999998888@s.whatsapp.net, or a phone number's digits");
            }
            out.add(pattern);
        }
        return out;
    }

    private static ObjectNode evolution(JsonNode v, boolean request) {
        ObjectNode in = object(v, "evolution");
        ObjectNode out = NODES.objectNode();
        List<String> secrets = SECRETS.get("evolution");
        for (Iterator<Map.Entry<String, JsonNode>> it = in.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            String path = "evolution." + name;
            JsonNode value = e.getValue();
            if (name.equals("baseUrl")) {
                if (!value.isNull()) {
                    out.put(name, url(value, path));
                }
            } else if (secrets.contains(name)) {
                if (value.isNull()) {
                    if (request) {
                        out.set(name, value); // clear it
                    }
                } else {
                    String secret = string(value, path, MAX_SECRET, true);
                    if (name.equals("webhookToken") && secret.strip().length() < MIN_WEBHOOK_TOKEN) {
                        throw new ProfileValidationException(path, path + " must be at least " + MIN_WEBHOOK_TOKEN
                                + " characters");
                    }
                    out.put(name, secret);
                }
            } else if (name.endsWith("Set") && secrets.contains(name.substring(0, name.length() - 3))) {
                if (!value.isNull()) {
                    bool(value, path); // read-only: accepted so that a GET's body can be PUT back, and ignored
                }
            } else {
                throw unknown(path);
            }
        }
        return out;
    }

    private static String url(JsonNode v, String path) {
        String text = string(v, path, MAX_URL, true).strip();
        if (InstanceProfile.Evolution.isPlainHttpUrl(text)) {
            return text;
        }
        throw new ProfileValidationException(path, path
                + " must be an absolute http:// or https:// URL with no query, fragment, user info or placeholder");
    }

    private static ObjectNode object(JsonNode v, String path) {
        if (v instanceof ObjectNode o) {
            return o;
        }
        throw new ProfileValidationException(path, path + " must be an object");
    }

    private static JsonNode bool(JsonNode v, String path) {
        if (!v.isBoolean()) {
            throw new ProfileValidationException(path, path + " must be true or false");
        }
        return v;
    }

    private static String string(JsonNode v, String path, int max, boolean nonBlank) {
        if (!v.isTextual()) {
            throw new ProfileValidationException(path, path + " must be a string");
        }
        String s = v.asText();
        if (nonBlank && s.isBlank()) {
            throw new ProfileValidationException(path, path + " must not be blank (leave it out for the default)");
        }
        if (s.length() > max) {
            throw new ProfileValidationException(path, path + " must be at most " + max + " characters");
        }
        return s;
    }

    private static JsonNode number(JsonNode v, String path, double min, double max) {
        if (!v.isNumber() || !Double.isFinite(v.asDouble()) || v.asDouble() < min || v.asDouble() > max) {
            throw new ProfileValidationException(path, path + " must be a number from " + fmt(min) + " to " + fmt(max));
        }
        return NODES.numberNode(v.asDouble());
    }

    private static long integer(JsonNode v, String path, long min, long max) {
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
            throw new ProfileValidationException(path, path + " must be a whole number from " + min + " to " + max);
        }
        return v.asLong();
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    private static String text(ObjectNode o, String name) {
        return o.hasNonNull(name) ? o.get(name).asText() : null;
    }

    private static ProfileValidationException unknown(String path) {
        return new ProfileValidationException(path, "unknown field " + path);
    }

    /** The top-level fields whose values differ between two stored documents, sorted. */
    static List<String> changedFields(ObjectNode before, ObjectNode after) {
        TreeSet<String> names = new TreeSet<>();
        before.fieldNames().forEachRemaining(names::add);
        after.fieldNames().forEachRemaining(names::add);
        names.removeIf(n -> Objects.equals(before.get(n), after.get(n)));
        if (names.remove(OPERATOR_TOKEN_HASH)) {
            names.add(OPERATOR_TOKEN); // the history says which field, never the hash
        }
        return List.copyOf(names);
    }
}
