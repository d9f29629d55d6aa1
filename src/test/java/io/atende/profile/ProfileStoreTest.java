package io.atende.profile;

import io.atende.store.Sql;
import io.atende.support.MigratedDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The profiles on a real PostgreSQL: versions and ETags, 412, history, secrets, the change mark and the cache. */
class ProfileStoreTest {

    static final ProfileDefaults DEFAULTS = new ProfileDefaults("prompt", "llama3", 0.7, 256, 10, "fb", "busy", "media",
            2000, "http://evolution:8080", "global-key");

    @RegisterExtension
    final MigratedDatabase db = new MigratedDatabase();
    final ProfileJson json = new ProfileJson();
    InstanceProfiles cache;
    ProfileStore store;

    @BeforeEach
    void open() {
        // A refresh far away: only invalidate() makes this cache see a write.
        cache = new InstanceProfiles(db.tx(), DEFAULTS, Duration.ofHours(1));
        store = new ProfileStore(db.tx(), cache);
    }

    ProfileDocument doc(String body) {
        return json.document(body);
    }

    long mark() {
        return db.tx().inTransaction(c -> Sql.oneLong(c, "select mark from instance_profile_mark"));
    }

    void knownInstance(String name) {
        db.tx().inTransaction(c -> Sql.update(c, "insert into instances (name) values (?)", name));
    }

    @Test
    void anInstanceWithoutAProfileIsAtVersionZeroAndAnUnknownOneIsNotFound() {
        knownInstance("loja");
        ProfileVersion none = store.find("loja");
        assertThat(none.version()).isZero();
        assertThat(none.document().toString()).isEqualTo("{}");
        assertThat(none.etag()).isEqualTo("\"0\"");
        assertThatThrownBy(() -> store.find("outra")).isInstanceOf(ProfileNotFoundException.class);
        assertThat(store.history("loja")).isEmpty();
        assertThatThrownBy(() -> store.history("outra")).isInstanceOf(ProfileNotFoundException.class);
        assertThat(cache.of("loja").version()).isZero();
    }

    @Test
    void writesCountVersionsBumpTheMarkAndTheCacheSeesThemAtOnce() {
        assertThat(cache.of("loja").temperature()).isEqualTo(0.7);
        long mark = mark();

        ProfileVersion created = store.put("loja", doc("{\"temperature\":0.2,\"model\":\"qwen\"}"), null, null);
        assertThat(created.version()).isEqualTo(1);
        assertThat(created.created()).isTrue();
        assertThat(mark()).isEqualTo(mark + 1);
        assertThat(cache.of("loja").temperature()).isEqualTo(0.2);
        assertThat(cache.of("loja").version()).isEqualTo(1);

        ProfileVersion replaced = store.put("loja", doc("{\"temperature\":0.4}"), "\"1\"", "maria");
        assertThat(replaced.version()).isEqualTo(2);
        assertThat(replaced.created()).isFalse();
        assertThat(cache.of("loja").model()).as("PUT replaces: the model went back to the default").isEqualTo("llama3");

        ProfileVersion patched = store.patch("loja", json.patch("{\"numPredict\":64}"), "W/\"2\"", null);
        assertThat(patched.version()).isEqualTo(3);
        assertThat(patched.document().toString()).isEqualTo("{\"numPredict\":64,\"temperature\":0.4}");
        assertThat(cache.of("loja").numPredict()).isEqualTo(64);
        assertThat(mark()).isEqualTo(mark + 3);
        assertThat(store.find("loja").version()).isEqualTo(3);
        // A profile alone makes an instance known.
        assertThat(store.list()).singleElement().satisfies(i -> {
            assertThat(i.instance()).isEqualTo("loja");
            assertThat(i.hasProfile()).isTrue();
            assertThat(i.version()).isEqualTo(3);
            assertThat(i.source()).isEqualTo("api");
            assertThat(i.updatedBy()).isEqualTo("admin-api");
            assertThat(i.updatedAt()).isNotNull();
        });
    }

    @Test
    void aStaleIfMatchIs412AndChangesNothing() {
        store.put("loja", doc("{\"temperature\":0.2}"), null, null);
        store.put("loja", doc("{\"temperature\":0.3}"), "\"1\"", null);
        long mark = mark();

        assertThatThrownBy(() -> store.put("loja", doc("{\"temperature\":0.9}"), "\"1\"", null))
                .isInstanceOfSatisfying(PreconditionFailedException.class, e -> assertThat(e.currentVersion()).isEqualTo(2));
        assertThatThrownBy(() -> store.patch("loja", json.patch("{\"temperature\":0.9}"), "\"1\"", null))
                .isInstanceOf(PreconditionFailedException.class);
        assertThatThrownBy(() -> store.delete("loja", "\"1\"", null)).isInstanceOf(PreconditionFailedException.class);
        // Creating: "0" (the ETag of "no profile") only while there is none; * only once there is one.
        assertThatThrownBy(() -> store.put("loja", doc("{}"), "\"0\"", null)).isInstanceOf(PreconditionFailedException.class);
        assertThatThrownBy(() -> store.put("nova", doc("{}"), "*", null)).isInstanceOf(PreconditionFailedException.class);

        assertThat(store.find("loja").version()).isEqualTo(2);
        assertThat(store.find("loja").document().get("temperature").asDouble()).isEqualTo(0.3);
        assertThat(mark()).isEqualTo(mark);
        assertThat(store.put("nova", doc("{}"), "\"0\"", null).version()).isEqualTo(1);
        assertThat(store.put("loja", doc("{}"), "*", null).version()).isEqualTo(3);
    }

    @Test
    void withoutIfMatchTheLastWriterWinsAndBothVersionsAreKept() {
        store.put("loja", doc("{\"displayName\":\"A\"}"), null, "ana");
        store.put("loja", doc("{\"displayName\":\"B\"}"), null, "bia");

        assertThat(store.find("loja").document().get("displayName").asText()).isEqualTo("B");
        List<ProfileHistoryEntry> history = store.history("loja");
        assertThat(history).extracting(ProfileHistoryEntry::version).containsExactly(2L, 1L);
        assertThat(history).extracting(ProfileHistoryEntry::changedBy).containsExactly("bia", "ana");
        assertThat(history).extracting(h -> h.profile().get("displayName").asText()).containsExactly("B", "A");
    }

    @Test
    void concurrentCreatorsEachGetTheirOwnVersion() throws Exception {
        int writers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<ProfileVersion>> results = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                String body = "{\"displayName\":\"writer " + i + "\"}";
                results.add(pool.submit(() -> {
                    start.await();
                    return store.put("loja", doc(body), null, null);
                }));
            }
            start.countDown();
            List<Long> versions = Collections.synchronizedList(new ArrayList<>());
            int created = 0;
            for (Future<ProfileVersion> f : results) {
                ProfileVersion v = f.get(30, TimeUnit.SECONDS);
                versions.add(v.version());
                created += v.created() ? 1 : 0;
            }
            assertThat(versions).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
            assertThat(created).isEqualTo(1);
            assertThat(store.history("loja")).hasSize(writers);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void ofConcurrentWritersWithTheSameIfMatchExactlyOneWins() throws Exception {
        store.put("loja", doc("{}"), null, null);
        int writers = 6;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<ProfileVersion>> results = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                String body = "{\"numPredict\":" + (100 + i) + "}";
                results.add(pool.submit(() -> {
                    start.await();
                    return store.put("loja", doc(body), "\"1\"", null);
                }));
            }
            start.countDown();
            int won = 0;
            int refused = 0;
            for (Future<ProfileVersion> f : results) {
                try {
                    assertThat(f.get(30, TimeUnit.SECONDS).version()).isEqualTo(2);
                    won++;
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(PreconditionFailedException.class);
                    refused++;
                }
            }
            assertThat(won).isEqualTo(1);
            assertThat(refused).isEqualTo(writers - 1);
            assertThat(store.history("loja")).hasSize(2);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theHistoryNamesWhatChangedAndNeverHoldsASecret() {
        store.put("loja", doc("{\"model\":\"a\",\"evolution\":{\"apiKey\":\"k-SECRET\"}}"), null, "ana");
        store.put("loja", doc("{\"model\":\"a\",\"temperature\":1}"), null, null); // apiKey left out: kept
        store.patch("loja", json.patch("{\"evolution\":{\"apiKey\":null}}"), null, null);

        List<ProfileHistoryEntry> history = store.history("loja");
        assertThat(history).extracting(ProfileHistoryEntry::changed)
                .containsExactly(List.of("evolution"), List.of("temperature"), List.of("evolution", "model"));
        assertThat(history.get(1).profile().toString())
                .isEqualTo("{\"evolution\":{\"apiKeySet\":true,\"webhookTokenSet\":false},\"model\":\"a\",\"temperature\":1.0}");
        assertThat(history.get(0).profile().toString()).isEqualTo("{\"model\":\"a\",\"temperature\":1.0}");
        assertThat(history).extracting(ProfileHistoryEntry::source).containsOnly("api");
        long withSecret = db.tx().inTransaction(c -> Sql.oneLong(c,
                "select count(*) from instance_profile_history where profile::text like '%SECRET%'"));
        assertThat(withSecret).isZero();
        assertThat(store.find("loja").document().has("evolution")).isFalse();
    }

    @Test
    void takeoverOptOutAndHoursAreStoredPatchedAndNamedInTheHistory() {
        store.put("loja", doc(ProfileJsonTest.QUIET), null, null);
        store.patch("loja", json.patch("{\"hours\":{\"outOfHoursPolicy\":\"answer\"}}"), null, null);
        store.patch("loja", json.patch("{\"handoff\":{\"pauseMinutes\":5},\"optOut\":{\"resumeKeywords\":[]}}"),
                null, null);

        List<ProfileHistoryEntry> history = store.history("loja");
        assertThat(history).extracting(ProfileHistoryEntry::changed).containsExactly(List.of("handoff", "optOut"),
                List.of("hours"), List.of("handoff", "hours", "optOut", "texts"));
        // jsonb gave back what was stored: the weekly schedule survived the patch of its policy.
        assertThat(store.find("loja").document().at("/hours/weekly/mon").toString())
                .isEqualTo("[\"09:00-12:00\",\"13:00-18:00\"]");
        EffectiveProfile p = cache.of("loja");
        assertThat(p.hours().policy()).isEqualTo(BusinessHours.Policy.ANSWER);
        assertThat(p.hours().hasSchedule()).isTrue();
        assertThat(p.handoff().pause()).isEqualTo(java.time.Duration.ofMinutes(5));
        assertThat(p.handoff().notifyJid()).isEqualTo("5511999990000@s.whatsapp.net");
        assertThat(p.optOut().resume().isEmpty()).isTrue();
        assertThat(p.texts().outOfHours()).isEqualTo("Fechado.");
    }

    @Test
    void aPutKeepsTheStoredSecretsItLeavesOutAndTheCacheUsesThem() {
        store.put("loja", doc("{\"evolution\":{\"apiKey\":\"k-1\",\"webhookToken\":\"w-1-long-enough-token\"}}"), null, null);
        store.put("loja", doc("{\"evolution\":{\"baseUrl\":\"http://other:8080/\"}}"), null, null);

        EffectiveProfile p = cache.of("loja");
        assertThat(p.evolutionApiKey()).isEqualTo("k-1");
        assertThat(p.webhookToken()).isEqualTo("w-1-long-enough-token");
        assertThat(p.evolutionBaseUrl()).isEqualTo("http://other:8080");
        assertThat(cache.webhookTokens()).containsExactly("w-1-long-enough-token");

        store.put("loja", doc("{\"evolution\":{\"webhookToken\":null}}"), null, null);
        assertThat(cache.of("loja").webhookToken()).isNull();
        assertThat(cache.of("loja").evolutionApiKey()).isEqualTo("k-1");
    }

    @Test
    void aWebhookTokenBelongsToOneInstance() {
        store.put("loja", doc("{\"evolution\":{\"webhookToken\":\"token-of-the-shop-1\"}}"), null, null);
        assertThatThrownBy(() -> store.put("padaria", doc("{\"evolution\":{\"webhookToken\":\"token-of-the-shop-1\"}}"),
                null, null)).isInstanceOfSatisfying(ProfileValidationException.class, e -> {
                    assertThat(e.field()).isEqualTo("evolution.webhookToken");
                    assertThat(e.getMessage()).doesNotContain("token-of-the-shop-1").doesNotContain("loja");
                });
        assertThat(store.put("loja", doc("{\"displayName\":\"Loja\"}"), null, null).version())
                .as("its own instance keeps it").isEqualTo(2);
        assertThat(cache.webhookTokens()).containsExactly("token-of-the-shop-1");
    }

    @Test
    void aDeletionIsKeptInTheHistoryAndVersionsAreNeverReused() {
        knownInstance("loja");
        store.put("loja", doc("{\"temperature\":0.1}"), null, null);
        store.put("loja", doc("{\"temperature\":0.2}"), null, null);
        long mark = mark();

        assertThat(store.delete("loja", "\"2\"", "ana")).isEqualTo(3);
        assertThat(mark()).isEqualTo(mark + 1);
        assertThat(cache.of("loja").temperature()).isEqualTo(0.7);
        assertThat(store.find("loja").version()).isZero();
        assertThatThrownBy(() -> store.delete("loja", null, null)).isInstanceOf(ProfileNotFoundException.class);

        ProfileVersion again = store.put("loja", doc("{\"temperature\":0.3}"), "\"0\"", null);
        assertThat(again.version()).isEqualTo(4);
        assertThat(again.created()).isTrue();
        List<ProfileHistoryEntry> history = store.history("loja");
        assertThat(history).extracting(ProfileHistoryEntry::version).containsExactly(4L, 3L, 2L, 1L);
        assertThat(history.get(1).profile()).isNull();
        assertThat(history.get(1).changedBy()).isEqualTo("ana");
        assertThat(history.get(1).changed()).containsExactly("temperature");
    }

    @Test
    void aNewStoreAndCacheOverTheSameDatabaseSeeEverything() {
        store.put("loja", doc("{\"displayName\":\"Loja\",\"evolution\":{\"apiKey\":\"k-1\"}}"), null, null);
        store.put("loja", doc("{\"displayName\":\"Loja 2\"}"), null, null);

        InstanceProfiles restartedCache = new InstanceProfiles(db.tx(), DEFAULTS, Duration.ofHours(1));
        ProfileStore restarted = new ProfileStore(db.tx(), restartedCache);
        assertThat(restarted.find("loja").version()).isEqualTo(2);
        assertThat(restarted.find("loja").document().toString())
                .isEqualTo("{\"displayName\":\"Loja 2\",\"evolution\":{\"apiKey\":\"k-1\"}}");
        assertThat(restarted.history("loja")).hasSize(2);
        assertThat(restartedCache.of("loja").displayName()).isEqualTo("Loja 2");
        assertThat(restartedCache.of("loja").evolutionApiKey()).isEqualTo("k-1");
    }
}
