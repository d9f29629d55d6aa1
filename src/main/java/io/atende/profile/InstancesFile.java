package io.atende.profile;

import io.atende.support.SecretToken;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The instances file ({@code ATENDE_INSTANCES_FILE}): profiles seeded from YAML, re-read when it changes.
 *
 * <pre>
 * instances:
 *   loja-centro:
 *     displayName: Loja Centro
 *     temperature: 0.3
 *     evolution:
 *       apiKey: ...
 * </pre>
 *
 * Each entry is a profile document (the admin API's fields and rules). The rules: an entry that changed (its
 * canonical JSON's hash differs from the one last applied, {@code instance_profile_seeds}) replaces that instance's
 * profile, as a PUT would (a secret it leaves out keeps the stored value); an entry removed from the file leaves the
 * profile as it is; a change made through the API wins until the instance's entry changes again. An invalid file
 * (not YAML, or any entry invalid) applies nothing: one ERROR names the entry and the field, and the file is read again
 * once it changes. Never logs a secret or a text.
 *
 * <p>The check is cheap when nothing changed: the file's modification time and size, then its content's hash, against
 * the last version found fully applied. Until then every check compares the entries with the stored hashes, so an
 * entry whose apply failed (PostgreSQL down) is retried at the next check.
 */
public final class InstancesFile {

    private static final Logger LOG = LoggerFactory.getLogger(InstancesFile.class);
    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /**
     * One entry of the file, valid, to apply.
     *
     * @param hash     the SHA-256 of the entry's canonical JSON, as written in the file
     * @param fileName the file's name, for the history's {@code changedBy} ({@code file:<name>})
     */
    public record Entry(String instance, ProfileDocument document, String hash, String fileName) {
        @Override
        public String toString() {
            return "Entry[" + instance + "]"; // never the document: it holds secrets
        }
    }

    /**
     * What one check found.
     *
     * @param changed entries to apply (new, or different from the one last applied)
     * @param removed instances whose entry was applied once and is no longer in the file
     */
    public record Check(List<Entry> changed, List<String> removed) {
        public static final Check NOTHING = new Check(List.of(), List.of());

        public boolean nothing() {
            return changed.isEmpty() && removed.isEmpty();
        }
    }

    private record Stamp(FileTime modified, long size, String contentHash) {
    }

    private final Path file;
    private final ProfileStore store;
    /** The file as last seen fully applied, or found invalid (and reported): not read again until it changes. */
    private Stamp settled;

    /** @param file the file, or null when none is configured (every check finds nothing) */
    public InstancesFile(Path file, ProfileStore store) {
        this.file = file;
        this.store = store;
    }

    /** ATENDE_INSTANCES_FILE, blank when none. */
    public static Path path(String setting) {
        return setting == null || setting.isBlank() ? null : Path.of(setting.strip());
    }

    public boolean configured() {
        return file != null;
    }

    /** The entries to apply now, and those no longer in the file; nothing when the file did not change. */
    public synchronized Check check() {
        if (file == null) {
            return Check.NOTHING;
        }
        BasicFileAttributes attributes;
        byte[] content;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
            if (settled != null && settled.modified().equals(attributes.lastModifiedTime())
                    && settled.size() == attributes.size()) {
                return Check.NOTHING;
            }
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException missing) {
            if (settled == null || settled.size() != -1) {
                LOG.warn("Instances file {} does not exist: no profile is seeded from it until it does", file);
                settled = new Stamp(FileTime.fromMillis(0), -1, "");
            }
            return Check.NOTHING;
        } catch (IOException e) {
            LOG.warn("Instances file {} cannot be read ({}): tried again at the next check", file, e.getMessage());
            return Check.NOTHING;
        }
        Stamp stamp = new Stamp(attributes.lastModifiedTime(), attributes.size(),
                SecretToken.sha256Hex(content));
        if (settled != null && settled.contentHash().equals(stamp.contentHash())) {
            settled = stamp; // touched, not changed
            return Check.NOTHING;
        }
        Map<String, ProfileDocument> entries;
        Map<String, String> hashes = new LinkedHashMap<>();
        try {
            entries = parse(content, hashes);
        } catch (InvalidFileException invalid) {
            LOG.error("Instances file {} is invalid, nothing of it is applied until it changes: {}", file,
                    invalid.getMessage());
            settled = stamp;
            return Check.NOTHING;
        }
        Map<String, String> applied = store.seedHashes();
        String name = Objects.toString(file.getFileName(), file.toString());
        List<Entry> changed = new ArrayList<>();
        entries.forEach((instance, document) -> {
            if (!hashes.get(instance).equals(applied.get(instance))) {
                changed.add(new Entry(instance, document, hashes.get(instance), name));
            }
        });
        List<String> removed = applied.keySet().stream().filter(i -> !entries.containsKey(i)).sorted().toList();
        if (changed.isEmpty() && removed.isEmpty()) {
            settled = stamp;
        } else {
            LOG.info("Instances file {}: {} entr{} to apply, {} removed", file, changed.size(),
                    changed.size() == 1 ? "y" : "ies", removed.size());
        }
        return new Check(List.copyOf(changed), removed);
    }

    /**
     * The file's entries, each validated; {@code hashes} gets each entry's hash.
     *
     * @throws InvalidFileException naming the entry and the field (never a value)
     */
    static Map<String, ProfileDocument> parse(byte[] content, Map<String, String> hashes) {
        JsonNode root;
        try {
            root = YAML.readTree(content);
        } catch (JsonProcessingException e) {
            // snakeyaml's own message quotes the offending line, which may hold a secret: only where and what.
            String problem = e.getCause() instanceof MarkedYAMLException marked ? ": " + marked.getProblem() : "";
            throw new InvalidFileException("not valid YAML at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + problem);
        } catch (IOException e) {
            throw new InvalidFileException("unreadable (" + e.getClass().getSimpleName() + ")");
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return Map.of(); // an empty file: no entries
        }
        if (!(root instanceof ObjectNode top)) {
            throw new InvalidFileException("the file must be a mapping with one key, instances");
        }
        for (Iterator<String> it = top.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!key.equals("instances")) {
                throw new InvalidFileException("unknown key " + key + " (the file has one key, instances)");
            }
        }
        JsonNode instances = top.get("instances");
        if (instances == null || instances.isNull()) {
            return Map.of();
        }
        if (!(instances instanceof ObjectNode map)) {
            throw new InvalidFileException("instances must be a mapping of instance name to profile");
        }
        Map<String, ProfileDocument> entries = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String instance = e.getKey();
            JsonNode raw = e.getValue().isNull() ? ProfileJson.JSON.createObjectNode() : e.getValue();
            try {
                ProfileJson.instanceName(instance);
                entries.put(instance, ProfileJson.entry(raw));
            } catch (ProfileValidationException invalid) {
                throw new InvalidFileException("entry " + instance + ", field "
                        + (invalid.field() == null ? "-" : invalid.field()) + ": " + invalid.getMessage());
            }
            hashes.put(instance, ProfileJson.hash(raw));
        }
        Map<String, String> tokens = new HashMap<>();
        entries.forEach((instance, document) -> {
            String token = document.fields().path("evolution").path("webhookToken").asText(null);
            if (token != null && tokens.putIfAbsent(token, instance) != null) {
                throw new InvalidFileException("entry " + instance + ", field evolution.webhookToken: the same as entry "
                        + tokens.get(token) + "'s (each instance needs its own)");
            }
        });
        return entries;
    }

    /** The file cannot be applied; the message names where and never quotes a value. */
    static final class InvalidFileException extends RuntimeException {
        InvalidFileException(String message) {
            super(message, null, false, false);
        }
    }

    @Override
    public String toString() {
        return "InstancesFile[" + (file == null ? "none" : file) + "]";
    }
}
