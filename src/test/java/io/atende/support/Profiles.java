package io.atende.support;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.atende.profile.EffectiveProfile;
import io.atende.profile.InstanceProfile;
import io.atende.profile.ProfileDefaults;
import io.atende.store.Sql;
import io.atende.store.Transactions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * Profiles for tests, written straight into {@code instance_profiles} as the admin API will (the document as jsonb, the
 * version bumped, the change mark moved in the same transaction), or resolved in memory over test defaults.
 */
public final class Profiles {

    private static final ObjectMapper READER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    /** Defaults as a test gateway would have them (the texts as in application.properties, shortened). */
    public static final ProfileDefaults DEFAULTS = new ProfileDefaults("Você é um atendente.", "mistral", 0.7, 512, 10,
            "Instabilidade, já respondemos.", "Você é o n.º {position} na fila", "Só leio texto.", 0,
            "http://evolution.local:8080", "chave-global");

    private Profiles() {
    }

    public static InstanceProfile parse(String json) {
        try {
            return READER.readValue(json, InstanceProfile.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The profile document over {@link #DEFAULTS}. */
    public static EffectiveProfile effective(String instance, String json) {
        return EffectiveProfile.resolve(instance, 1, parse(json), DEFAULTS);
    }

    /** Writes (or replaces) the instance's profile and moves the change mark, in one transaction. */
    public static void write(Transactions tx, String instance, String json) {
        parse(json); // a test's typo fails here, not as a profile the cache skips
        tx.inTransaction(c -> {
            write(c, instance, json);
            return null;
        });
    }

    /** The same through a JDBC URL (user postgres), for the end-to-end tests. */
    public static void write(String jdbcUrl, String instance, String json) {
        parse(json);
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "")) {
            c.setAutoCommit(false);
            write(c, instance, json);
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void write(Connection c, String instance, String json) throws SQLException {
        Sql.update(c, """
                insert into instance_profiles (instance, version, profile, source, updated_by)
                values (?, 1, ?::jsonb, 'api', 'test')
                on conflict (instance) do update
                  set version = instance_profiles.version + 1, profile = excluded.profile, updated_at = now()""",
                instance, json);
        Sql.update(c, "update instance_profile_mark set mark = mark + 1");
    }
}
