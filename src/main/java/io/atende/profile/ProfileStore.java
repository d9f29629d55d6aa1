package io.atende.profile;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.atende.store.Sql;
import io.atende.store.Transactions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The profiles in PostgreSQL (V11), as the admin API and the instances file write them.
 *
 * <p>Every write is one transaction that first locks the one row of {@code instance_profile_mark}: writers of profiles
 * take turns (they are rare: an operator's edit, a changed file), whatever the instance and whether its profile exists
 * yet, so two creations of one profile cannot both win. The transaction then checks {@code If-Match}, writes the
 * profile and its history row (secrets redacted) and bumps the mark, so every replica's {@link InstanceProfiles} cache
 * reloads; this replica's at once ({@link InstanceProfiles#invalidate()}).
 *
 * <p>Versions: the ETag. The next version is one more than any the instance ever had (its history), so a version is
 * never reused, not even after a deletion. An instance without a profile is at version 0.
 */
public final class ProfileStore {

    private static final Logger LOG = LoggerFactory.getLogger(ProfileStore.class);

    private record Current(long version, ObjectNode document) {
        static final Current NONE = new Current(0, ProfileJson.canonical(ProfileJson.JSON.createObjectNode()));

        boolean exists() {
            return version > 0;
        }
    }

    private final Transactions tx;
    private final InstanceProfiles cache;

    public ProfileStore(Transactions tx, InstanceProfiles cache) {
        this.tx = tx;
        this.cache = cache;
    }

    // ---------------------------------------------------------------- reads

    /** Every known instance (one that sent a webhook, or one with a profile), by name. */
    public List<InstanceSummary> list() {
        return tx.inTransaction(c -> Sql.query(c, """
                select n.name, p.version, p.source, p.updated_at, p.updated_by
                  from (select name from instances union select instance from instance_profiles) n(name)
                  left join instance_profiles p on p.instance = n.name
                 order by n.name""",
                rs -> {
                    long version = rs.getLong(2);
                    boolean has = !rs.wasNull();
                    return new InstanceSummary(rs.getString(1), has, has ? version : 0, rs.getString(3),
                            Sql.instant(rs, "updated_at"), rs.getString(5));
                }));
    }

    /**
     * The stored profile; an empty one at version 0 for a known instance without one.
     *
     * @throws ProfileNotFoundException neither a profile nor a known instance
     */
    public ProfileVersion find(String instance) {
        return tx.inTransaction(c -> {
            Current current = current(c, instance, false);
            if (!current.exists() && !known(c, instance)) {
                throw new ProfileNotFoundException(instance);
            }
            return new ProfileVersion(instance, current.version(), false, current.document());
        });
    }

    /**
     * Every version of the instance's profile, newest first, deletions included (profile null).
     *
     * @throws ProfileNotFoundException no history and not a known instance
     */
    public List<ProfileHistoryEntry> history(String instance) {
        return tx.inTransaction(c -> {
            List<ProfileHistoryEntry> versions = Sql.query(c, """
                    select version, changed_at, changed_by, source, changed, profile::text
                      from instance_profile_history where instance = ? order by version desc""",
                    rs -> new ProfileHistoryEntry(rs.getLong(1), Sql.instant(rs, "changed_at"), rs.getString(3),
                            rs.getString(4), texts(rs.getArray(5)),
                            rs.getString(6) == null ? null : ProfileJson.stored(rs.getString(6))),
                    instance);
            if (versions.isEmpty() && !known(c, instance)) {
                throw new ProfileNotFoundException(instance);
            }
            return versions;
        });
    }

    // ---------------------------------------------------------------- writes

    /**
     * PUT: creates or replaces the profile. A secret the request leaves out keeps its stored value; null clears it.
     *
     * @param ifMatch   the {@code If-Match} header, or null (the last writer wins)
     * @param changedBy the {@code X-Changed-By} header, or null
     * @throws PreconditionFailedException {@code If-Match} names another version
     */
    public ProfileVersion put(String instance, ProfileDocument request, String ifMatch, String changedBy) {
        String name = ProfileJson.instanceName(instance);
        String who = ProfileJson.changedBy(changedBy);
        ProfileVersion written = tx.inTransaction(c -> {
            lockWriters(c);
            Current current = current(c, name, true);
            precondition(name, ifMatch, current);
            ObjectNode next = ProfileJson.withSecrets(request, current.document());
            return write(c, name, current, next, "api", who);
        });
        cache.invalidate();
        return written;
    }

    /**
     * PATCH: a JSON merge patch over the stored document (over an empty one when there is none: the profile is then
     * created), validated as a whole.
     *
     * @throws PreconditionFailedException {@code If-Match} names another version
     * @throws ProfileValidationException  the patched document is not valid
     */
    public ProfileVersion patch(String instance, ObjectNode patch, String ifMatch, String changedBy) {
        String name = ProfileJson.instanceName(instance);
        String who = ProfileJson.changedBy(changedBy);
        ProfileVersion written = tx.inTransaction(c -> {
            lockWriters(c);
            Current current = current(c, name, true);
            precondition(name, ifMatch, current);
            ObjectNode next = ProfileJson.mergePatch(current.document(), patch);
            return write(c, name, current, next, "api", who);
        });
        cache.invalidate();
        return written;
    }

    /**
     * DELETE: the instance goes back to the environment's defaults; its history keeps a deletion (profile null).
     *
     * @return the version the deletion got in the history
     * @throws ProfileNotFoundException    the instance has no profile
     * @throws PreconditionFailedException {@code If-Match} names another version
     */
    public long delete(String instance, String ifMatch, String changedBy) {
        String who = ProfileJson.changedBy(changedBy);
        long version = tx.inTransaction(c -> {
            lockWriters(c);
            Current current = current(c, instance, true);
            if (!current.exists()) {
                throw new ProfileNotFoundException(instance);
            }
            precondition(instance, ifMatch, current);
            long next = nextVersion(c, instance);
            Sql.update(c, "delete from instance_profiles where instance = ?", instance);
            Sql.update(c, """
                    insert into instance_profile_history (instance, version, profile, changed, source, changed_by)
                    values (?, ?, null, ?, 'api', ?)""",
                    instance, next, ProfileJson.changedFields(current.document(), Current.NONE.document())
                            .toArray(String[]::new), who);
            bumpMark(c);
            return next;
        });
        cache.invalidate();
        LOG.info("Profile of instance {} deleted by {} (history version {}): the environment's defaults apply",
                instance, who, version);
        return version;
    }

    // ---------------------------------------------------------------- the instances file

    /** The hash of each file entry as last applied, by instance. */
    public Map<String, String> seedHashes() {
        return tx.inTransaction(c -> {
            Map<String, String> hashes = new HashMap<>();
            Sql.query(c, "select instance, entry_hash from instance_profile_seeds", rs -> hashes.put(rs.getString(1),
                    rs.getString(2)));
            return hashes;
        });
    }

    /**
     * Applies one changed entry of the instances file as a PUT (secrets it leaves out keep their stored values) and
     * records its hash, in one transaction. When another replica applied this very entry already, nothing happens; when
     * the stored profile already equals the entry, only the hash is recorded (no new version).
     *
     * @return the profile written, or null when nothing was written
     */
    public ProfileVersion applySeed(InstancesFile.Entry entry) {
        String name = ProfileJson.instanceName(entry.instance());
        ProfileVersion written = tx.inTransaction(c -> {
            lockWriters(c);
            String applied = Sql.one(c, "select entry_hash from instance_profile_seeds where instance = ?",
                    rs -> rs.getString(1), name);
            if (entry.hash().equals(applied)) {
                return null; // another replica was first
            }
            Sql.update(c, """
                    insert into instance_profile_seeds (instance, entry_hash) values (?, ?)
                    on conflict (instance) do update set entry_hash = excluded.entry_hash, applied_at = now()""",
                    name, entry.hash());
            Current current = current(c, name, true);
            ObjectNode next = ProfileJson.withSecrets(entry.document(), current.document());
            if (current.exists() && next.equals(current.document())) {
                return null;
            }
            try {
                return write(c, name, current, next, "file", "file:" + entry.fileName());
            } catch (ProfileValidationException conflict) {
                // Only what depends on other profiles gets here (another instance's webhook token). The entry counts
                // as applied, so it is tried again once it changes, like an invalid file, instead of at every check.
                LOG.error("Instances file: entry {} not applied, field {}: {}", name, conflict.field(),
                        conflict.getMessage());
                return null;
            }
        });
        if (written != null) {
            cache.invalidate();
            LOG.info("Profile of instance {} replaced by its entry in the instances file (version {})", name,
                    written.version());
        }
        return written;
    }

    /**
     * Entries no longer in the instances file: their profiles stay as they are, but the file's memory of them goes, so
     * an entry put back later is applied again.
     */
    public void forgetSeeds(List<String> instances) {
        if (instances == null || instances.isEmpty()) {
            return;
        }
        tx.inTransaction(c -> Sql.update(c, "delete from instance_profile_seeds where instance = any(?)",
                (Object) instances.toArray(String[]::new)));
        LOG.info("Instances file: {} entr{} removed from the file; their profiles stay as they are",
                instances.size(), instances.size() == 1 ? "y" : "ies");
    }

    // ---------------------------------------------------------------- support

    private ProfileVersion write(Connection c, String instance, Current current, ObjectNode next, String source,
                                 String who) throws SQLException {
        String token = next.path("evolution").path("webhookToken").asText(null);
        if (token != null && Sql.oneLong(c, """
                select count(*) from instance_profiles
                 where instance <> ? and profile -> 'evolution' ->> 'webhookToken' = ?""", instance, token) > 0) {
            // Each token authenticates one instance's webhooks only. The answer never repeats the token.
            throw new ProfileValidationException("evolution.webhookToken",
                    "evolution.webhookToken is another instance's: each instance needs its own");
        }
        String operatorHash = next.path(ProfileJson.OPERATOR_TOKEN_HASH).asText(null);
        if (operatorHash != null && Sql.oneLong(c, """
                select count(*) from instance_profiles
                 where instance <> ? and profile ->> 'operatorTokenHash' = ?""", instance, operatorHash) > 0) {
            // A token signs an operator in to one number: the Painel must know which.
            throw new ProfileValidationException(ProfileJson.OPERATOR_TOKEN,
                    "operatorToken is another instance's: each instance needs its own");
        }
        long version = nextVersion(c, instance);
        String json = next.toString();
        Sql.update(c, """
                insert into instance_profiles (instance, version, profile, source, updated_at, updated_by)
                values (?, ?, ?::jsonb, ?, now(), ?)
                on conflict (instance) do update set version = excluded.version, profile = excluded.profile,
                       source = excluded.source, updated_at = now(), updated_by = excluded.updated_by""",
                instance, version, json, source, who);
        Sql.update(c, """
                insert into instance_profile_history (instance, version, profile, changed, source, changed_by)
                values (?, ?, ?::jsonb, ?, ?, ?)""",
                instance, version, ProfileJson.render(next).toString(),
                ProfileJson.changedFields(current.document(), next).toArray(String[]::new), source, who);
        bumpMark(c);
        if (source.equals("api")) {
            LOG.info("Profile of instance {} {} by {}: version {}", instance, current.exists() ? "replaced" : "created",
                    who, version);
        }
        return new ProfileVersion(instance, version, !current.exists(), next);
    }

    /** Writers of profiles take turns on the mark's one row (see the class comment). */
    private static void lockWriters(Connection c) throws SQLException {
        Sql.oneLong(c, "select mark from instance_profile_mark for update");
    }

    private static void bumpMark(Connection c) throws SQLException {
        Sql.update(c, "update instance_profile_mark set mark = mark + 1");
    }

    private static long nextVersion(Connection c, String instance) throws SQLException {
        return Sql.oneLong(c, "select coalesce(max(version), 0) + 1 from instance_profile_history where instance = ?",
                instance);
    }

    private static Current current(Connection c, String instance, boolean forUpdate) throws SQLException {
        record Row(long version, String json) {
        }
        Row row = Sql.one(c, "select version, profile::text from instance_profiles where instance = ?"
                        + (forUpdate ? " for update" : ""),
                rs -> new Row(rs.getLong(1), rs.getString(2)), instance);
        return row == null ? Current.NONE : new Current(row.version(), ProfileJson.stored(row.json()));
    }

    private static boolean known(Connection c, String instance) throws SQLException {
        return Sql.oneLong(c, "select count(*) from instances where name = ?", instance) > 0;
    }

    /**
     * {@code If-Match}: absent, the write goes ahead (the last writer wins); {@code *} only when a profile exists;
     * otherwise one of the listed ETags ({@code "3"}, {@code W/"3"}, a bare {@code 3}) must be the current version.
     * {@code "0"} matches an instance without a profile, as its GET's ETag says, so a creation can be conditional too.
     */
    static void precondition(String instance, String ifMatch, long currentVersion) {
        if (ifMatch == null || ifMatch.isBlank()) {
            return;
        }
        for (String tag : ifMatch.split(",")) {
            String t = tag.strip();
            if (t.equals("*")) {
                if (currentVersion > 0) {
                    return;
                }
                continue;
            }
            if (t.startsWith("W/")) {
                t = t.substring(2);
            }
            if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
                t = t.substring(1, t.length() - 1);
            }
            if (t.equals(String.valueOf(currentVersion))) {
                return;
            }
        }
        throw new PreconditionFailedException(instance, currentVersion);
    }

    private static void precondition(String instance, String ifMatch, Current current) {
        precondition(instance, ifMatch, current.version());
    }

    private static List<String> texts(Array array) throws SQLException {
        return array == null ? List.of() : Arrays.asList((String[]) array.getArray());
    }
}
