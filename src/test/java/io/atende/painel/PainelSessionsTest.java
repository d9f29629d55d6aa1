package io.atende.painel;

import io.atende.support.SecretToken;

import io.atende.profile.InstanceProfiles;
import io.atende.profile.ProfileDefaults;
import io.atende.profile.ProfileJson;
import io.atende.profile.ProfileStore;
import io.atende.store.Sql;
import io.atende.support.GatewayClock;
import io.atende.support.MigratedDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The Painel's sessions on a real PostgreSQL (V17): only hashes stored, idle and absolute expiry, token rotation. */
class PainelSessionsTest {

    static final String TOKEN = "operador-da-loja-0123456789";

    @RegisterExtension
    final MigratedDatabase db = new MigratedDatabase();
    final GatewayClock clock = new GatewayClock();
    PainelSessions sessions;
    ProfileStore profiles;

    @BeforeEach
    void open() {
        sessions = new PainelSessions(db.tx(), clock, Duration.ofMinutes(30), Duration.ofHours(12));
        profiles = new ProfileStore(db.tx(), new InstanceProfiles(db.tx(), new ProfileDefaults("prompt", "llama3", 0.7,
                256, 10, "fb", "busy", "media", 2000, "http://evolution:8080", "key"), Duration.ofHours(1)));
    }

    @Test
    void onlyTheCookiesHashIsStoredAndAnUnknownCookieOpensNothing() {
        PainelSessions.Started admin = sessions.start(null, null);
        assertThat(admin.session().admin()).isTrue();
        String stored = db.tx().inTransaction(c -> Sql.one(c, "select id_hash from painel_sessions",
                rs -> rs.getString(1)));
        assertThat(stored).isNotEqualTo(admin.cookieValue()).isEqualTo(SecretToken.sha256Hex(admin.cookieValue()));
        assertThat(sessions.find(admin.cookieValue()).idHash()).isEqualTo(stored);
        assertThat(sessions.find(admin.cookieValue()).csrf()).isEqualTo(admin.session().csrf());
        assertThat(sessions.find("not-a-session")).isNull();
        assertThat(sessions.find(null)).isNull();
        assertThat(sessions.find(stored)).as("the hash is not a cookie").isNull();
    }

    @Test
    void aSessionLastsWhileUsedThenEndsAfterItsIdleTimeAndAfterTwelveHoursInAnyCase() {
        String cookie = sessions.start(null, null).cookieValue();
        for (int i = 0; i < 24; i++) { // 24 x 29 min = 11 h 36
            clock.advance(Duration.ofMinutes(29));
            assertThat(sessions.find(cookie)).as("after %d half hours", i + 1).isNotNull();
        }
        clock.advance(Duration.ofMinutes(29));
        assertThat(sessions.find(cookie)).as("12 hours after sign-in").isNull();

        String idle = sessions.start(null, null).cookieValue();
        clock.advance(Duration.ofMinutes(31));
        assertThat(sessions.find(idle)).isNull();
    }

    @Test
    void anOperatorSessionEndsWhenItsNumbersTokenChangesAndLogoutEndsAny() {
        profiles.put("loja", new ProfileJson().document("{\"operatorToken\":\"" + TOKEN + "\"}"), null, null);
        String hash = ProfileJson.operatorTokenHash(TOKEN);
        assertThat(sessions.operatorInstance(hash)).isEqualTo("loja");
        assertThat(sessions.operatorInstance(ProfileJson.operatorTokenHash("another-token-0123456789"))).isNull();

        PainelSessions.Started operator = sessions.start("loja", hash);
        assertThat(sessions.find(operator.cookieValue()).instance()).isEqualTo("loja");
        profiles.patch("loja", new ProfileJson().patch("{\"operatorToken\":\"" + TOKEN + "-novo\"}"), null, null);
        assertThat(sessions.find(operator.cookieValue())).isNull();

        PainelSessions.Started admin = sessions.start(null, null);
        sessions.end(admin.session());
        assertThat(sessions.find(admin.cookieValue())).isNull();
    }
}
