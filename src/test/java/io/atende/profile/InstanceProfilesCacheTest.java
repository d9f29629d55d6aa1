package io.atende.profile;

import io.atende.store.Sql;
import io.atende.support.MigratedDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The read side only: rows written straight into the V11 tables, as any replica's write would leave them. */
class InstanceProfilesCacheTest {

    @RegisterExtension
    final MigratedDatabase db = new MigratedDatabase();

    private void write(String instance, long version, String json) {
        db.tx().inTransaction(c -> {
            Sql.update(c, """
                    insert into instance_profiles (instance, version, profile, source, updated_by)
                    values (?, ?, ?::jsonb, 'api', 'test')
                    on conflict (instance) do update set version = excluded.version, profile = excluded.profile""",
                    instance, version, json);
            return Sql.update(c, "update instance_profile_mark set mark = mark + 1");
        });
    }

    @Test
    void aProfileWrittenAnywhereIsSeenOnceTheMarkMoves() {
        // A refresh interval no test waits out: only invalidate() or a new cache sees a change.
        InstanceProfiles cache = new InstanceProfiles(db.tx(), EffectiveProfileTest.DEFAULTS, Duration.ofHours(1));
        assertThat(cache.of("loja").version()).isZero();
        assertThat(cache.of("loja").systemPrompt()).isEqualTo("persona padrão");

        write("loja", 1, "{\"systemPrompt\":\"Você é a Loja.\",\"evolution\":{\"webhookToken\":\"tok-loja\"}}");
        assertThat(cache.of("loja").version()).as("cached until the refresh interval or an invalidation").isZero();
        cache.invalidate();
        assertThat(cache.of("loja").version()).isEqualTo(1);
        assertThat(cache.of("loja").systemPrompt()).isEqualTo("Você é a Loja.");
        assertThat(cache.webhookTokens()).containsExactly("tok-loja");
        assertThat(cache.of("other").systemPrompt()).isEqualTo("persona padrão");
    }

    @Test
    void anotherReplicasEditIsSeenAfterTheRefreshInterval() {
        InstanceProfiles cache = new InstanceProfiles(db.tx(), EffectiveProfileTest.DEFAULTS, Duration.ZERO);
        assertThat(cache.of("loja").enabled()).isTrue();
        write("loja", 1, "{\"enabled\":false}");
        assertThat(cache.of("loja").enabled()).isFalse();
    }

    @Test
    void anUnreadableRowLeavesThatNumberOnTheDefaults() {
        write("loja", 1, "{\"ignoreJids\":[\"not a jid\"]}");
        write("padaria", 1, "{\"displayName\":\"Padaria\"}");
        InstanceProfiles cache = new InstanceProfiles(db.tx(), EffectiveProfileTest.DEFAULTS, Duration.ZERO);
        assertThat(cache.of("loja").version()).isZero();
        assertThat(cache.of("padaria").displayName()).isEqualTo("Padaria");
    }
}
