package io.atende.profile;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.atende.store.Sql;
import io.atende.support.MigratedDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The instances file over a real PostgreSQL: a changed entry replaces, a removed one leaves the profile, an API change
 * wins until the entry changes again; an invalid file applies nothing; a restart keeps everything.
 */
class InstancesFileTest {

    @RegisterExtension
    final MigratedDatabase db = new MigratedDatabase();
    @TempDir
    Path dir;
    Path path;
    InstanceProfiles cache;
    ProfileStore store;
    InstancesFile file;
    final ProfileJson json = new ProfileJson();
    final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    /** Each write gets a later modification time: a test never depends on the clock's resolution. */
    long writes;

    @BeforeEach
    void open() {
        path = dir.resolve("instances.yaml");
        cache = new InstanceProfiles(db.tx(), ProfileStoreTest.DEFAULTS, Duration.ofHours(1));
        store = new ProfileStore(db.tx(), cache);
        file = new InstancesFile(path, store);
        logs.start();
        logger().addAppender(logs);
    }

    @AfterEach
    void close() {
        logger().detachAppender(logs);
    }

    static Logger logger() {
        return (Logger) LoggerFactory.getLogger("io.atende.profile"); // the file and the store
    }

    void write(String yaml) throws IOException {
        Files.writeString(path, yaml);
        Files.setLastModifiedTime(path, FileTime.fromMillis(1_700_000_000_000L + 1000 * ++writes));
    }

    /** One timer round of instances-file.camel.yaml: check, apply each changed entry, forget removed ones. */
    InstancesFile.Check round(InstancesFile f) {
        InstancesFile.Check check = f.check();
        check.changed().forEach(store::applySeed);
        store.forgetSeeds(check.removed());
        return check;
    }

    InstancesFile.Check round() {
        return round(file);
    }

    String profile(String instance) {
        return store.find(instance).document().toString();
    }

    long versions(String instance) {
        return db.tx().inTransaction(c -> Sql.oneLong(c,
                "select count(*) from instance_profile_history where instance = ?", instance));
    }

    long mark() {
        return db.tx().inTransaction(c -> Sql.oneLong(c, "select mark from instance_profile_mark"));
    }

    List<String> errors() {
        return logs.list.stream().filter(e -> e.getLevel() == Level.ERROR).map(ILoggingEvent::getFormattedMessage).toList();
    }

    static final String TWO = """
            instances:
              loja:
                displayName: Loja Centro
                temperature: 0.3
                evolution:
                  apiKey: k-SECRET
              padaria:
                trigger: {type: keyword, operator: equals, value: pão}
            """;

    @Test
    void entriesAreAppliedOnceAndAnUnchangedFileDoesNothing() throws Exception {
        write(TWO);
        InstancesFile.Check first = round();
        assertThat(first.changed()).extracting(InstancesFile.Entry::instance).containsExactly("loja", "padaria");
        assertThat(profile("loja")).isEqualTo(
                "{\"displayName\":\"Loja Centro\",\"evolution\":{\"apiKey\":\"k-SECRET\"},\"temperature\":0.3}");
        assertThat(cache.of("loja").evolutionApiKey()).isEqualTo("k-SECRET");
        assertThat(store.list()).extracting(InstanceSummary::source).containsOnly("file");
        assertThat(store.history("loja").get(0).changedBy()).isEqualTo("file:instances.yaml");
        long mark = mark();

        assertThat(round().nothing()).isTrue(); // compared with the stored hashes: all applied
        assertThat(round().nothing()).isTrue(); // settled: the file is not even read
        write(TWO); // touched, same content
        assertThat(round().nothing()).isTrue();
        assertThat(versions("loja")).isEqualTo(1);
        assertThat(mark()).isEqualTo(mark);
        assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage).noneMatch(m -> m.contains("SECRET"));
    }

    @Test
    void aChangedEntryReplacesItsProfileAndTheOthersAreLeftAlone() throws Exception {
        write(TWO);
        round();
        write(TWO.replace("temperature: 0.3", "model: qwen"));

        InstancesFile.Check check = round();

        assertThat(check.changed()).extracting(InstancesFile.Entry::instance).containsExactly("loja");
        // Replaced as a PUT: temperature is gone, the secret the entry still names is the same.
        assertThat(profile("loja")).isEqualTo(
                "{\"displayName\":\"Loja Centro\",\"evolution\":{\"apiKey\":\"k-SECRET\"},\"model\":\"qwen\"}");
        assertThat(cache.of("loja").model()).isEqualTo("qwen");
        assertThat(versions("loja")).isEqualTo(2);
        assertThat(versions("padaria")).isEqualTo(1);
    }

    @Test
    void anApiChangeWinsUntilTheEntryChangesAgain() throws Exception {
        write(TWO);
        round();
        store.patch("loja", json.patch("{\"temperature\":1.5}"), null, "maria");

        write(TWO.replace("Loja Centro", "Loja Centro") + "\n# a comment\n"); // the file changed, this entry did not
        assertThat(round().changed()).isEmpty();
        assertThat(cache.of("loja").temperature()).isEqualTo(1.5);
        assertThat(store.list().get(0).source()).isEqualTo("api");

        write(TWO.replace("temperature: 0.3", "temperature: 0.4"));
        round();
        assertThat(cache.of("loja").temperature()).isEqualTo(0.4);
        assertThat(store.history("loja")).extracting(ProfileHistoryEntry::source).containsExactly("file", "api", "file");
    }

    @Test
    void aRemovedEntryLeavesItsProfileAndIsAppliedAgainWhenPutBack() throws Exception {
        write(TWO);
        round();
        write("""
                instances:
                  loja:
                    displayName: Loja Centro
                    temperature: 0.3
                    evolution:
                      apiKey: k-SECRET
                """);
        InstancesFile.Check check = round();
        assertThat(check.changed()).isEmpty();
        assertThat(check.removed()).containsExactly("padaria");
        assertThat(profile("padaria")).contains("pão");
        assertThat(versions("padaria")).isEqualTo(1);

        store.put("padaria", json.document("{\"displayName\":\"Padaria\"}"), null, null);
        write(TWO);
        round();
        assertThat(profile("padaria")).isEqualTo(
                "{\"trigger\":{\"operator\":\"equals\",\"type\":\"keyword\",\"value\":\"pão\"}}");
    }

    @Test
    void anEntryLeavingASecretOutKeepsTheStoredOneAndNullClearsIt() throws Exception {
        store.put("loja", json.document("{\"evolution\":{\"apiKey\":\"k-API\",\"webhookToken\":\"w-API-long-enough-tok\"}}"), null, null);
        write("instances:\n  loja:\n    displayName: Loja\n");
        round();
        assertThat(profile("loja")).isEqualTo(
                "{\"displayName\":\"Loja\",\"evolution\":{\"apiKey\":\"k-API\",\"webhookToken\":\"w-API-long-enough-tok\"}}");
        write("instances:\n  loja:\n    displayName: Loja\n    evolution: {webhookToken: null}\n");
        round();
        assertThat(profile("loja")).isEqualTo("{\"displayName\":\"Loja\",\"evolution\":{\"apiKey\":\"k-API\"}}");
    }

    @Test
    void anInvalidFileAppliesNothingSaysWhereOnceAndIsReadAgainWhenItChanges() throws Exception {
        write(TWO);
        round();
        String invalid = TWO.replace("temperature: 0.3", "temperature: 0.9")
                + "  bar:\n    texts:\n      welcome: Olá, bem-vindo!\n";
        write(invalid);

        assertThat(round().nothing()).isTrue();
        assertThat(round().nothing()).isTrue();

        assertThat(cache.of("loja").temperature()).as("the valid entry is not applied either").isEqualTo(0.3);
        assertThat(store.list()).extracting(InstanceSummary::instance).containsExactly("loja", "padaria");
        assertThat(errors()).singleElement().satisfies(m -> assertThat(m)
                .contains("entry bar, field texts.welcome").doesNotContain("Olá").doesNotContain("SECRET"));

        write(invalid.replace("welcome", "busy"));
        round();
        assertThat(cache.of("loja").temperature()).isEqualTo(0.9);
        assertThat(profile("bar")).isEqualTo("{\"texts\":{\"busy\":\"Olá, bem-vindo!\"}}");
    }

    @Test
    void yamlErrorsAndOtherMistakesAreNamedWithoutQuotingTheFile() throws Exception {
        for (String bad : List.of(
                "instances:\n  loja:\n    evolution:\n      apiKey: k-SECRET\n     baseUrl: [\n",
                "instance:\n  loja: {}\n",
                "instances: [loja]\n",
                "instances:\n  loja:\n    temperature: 3\n",
                "instances:\n  loja:\n    ignoreJids: ['@g.us', 'x-SECRET']\n",
                "instances:\n  loja:\n    model: a\n    model: b\n",
                "instances:\n  loja: {evolution: {webhookToken: same-token-SECRET}}\n"
                        + "  bar: {evolution: {webhookToken: same-token-SECRET}}\n")) {
            write(bad);
            assertThat(round().nothing()).as(bad).isTrue();
        }
        assertThat(errors()).hasSize(7).noneMatch(m -> m.contains("SECRET"));
        assertThat(errors().get(6)).contains("entry bar, field evolution.webhookToken");
        assertThat(errors().get(0)).contains("not valid YAML at line");
        assertThat(errors().get(1)).contains("unknown key instance");
        assertThat(errors().get(3)).contains("entry loja, field temperature");
        assertThat(errors().get(4)).contains("entry loja, field ignoreJids[1]");
        assertThat(store.list()).isEmpty();
    }

    @Test
    void noFileConfiguredOrAMissingFileFindsNothing() throws Exception {
        assertThat(new InstancesFile(null, store).check().nothing()).isTrue();
        assertThat(InstancesFile.path("  ")).isNull();
        assertThat(round().nothing()).isTrue(); // instances.yaml does not exist yet
        write("instances:\n  loja: ~\n");
        assertThat(round().changed()).singleElement().extracting(InstancesFile.Entry::instance).isEqualTo("loja");
        assertThat(store.find("loja").version()).isEqualTo(1);
        assertThat(profile("loja")).isEqualTo("{}");
    }

    @Test
    void twoReplicasApplyEachChangeOnce() throws Exception {
        write(TWO);
        InstancesFile other = new InstancesFile(path, new ProfileStore(db.tx(), cache));
        InstancesFile.Check mine = file.check();
        InstancesFile.Check theirs = other.check();
        assertThat(theirs.changed()).hasSize(2);

        assertThat(mine.changed()).allSatisfy(e -> assertThat(store.applySeed(e)).isNotNull());
        assertThat(theirs.changed()).allSatisfy(e -> assertThat(store.applySeed(e)).isNull());
        assertThat(versions("loja")).isEqualTo(1);
        assertThat(versions("padaria")).isEqualTo(1);
    }

    @Test
    void aRestartKeepsTheProfilesAndDoesNotApplyTheFileAgain() throws Exception {
        write(TWO);
        round();
        store.patch("loja", json.patch("{\"temperature\":1.5}"), null, "maria");

        // A restart: new objects over the same database, the same file.
        InstanceProfiles restartedCache = new InstanceProfiles(db.tx(), ProfileStoreTest.DEFAULTS, Duration.ofHours(1));
        ProfileStore restartedStore = new ProfileStore(db.tx(), restartedCache);
        InstancesFile restartedFile = new InstancesFile(path, restartedStore);
        assertThat(restartedFile.check().nothing()).isTrue();

        assertThat(restartedCache.of("loja").temperature()).isEqualTo(1.5);
        assertThat(restartedCache.of("loja").evolutionApiKey()).isEqualTo("k-SECRET");
        assertThat(restartedCache.of("padaria").trigger().value()).isEqualTo("pão");
        assertThat(restartedStore.history("loja")).hasSize(2);
        assertThat(new HashMap<>(restartedStore.seedHashes())).containsOnlyKeys("loja", "padaria");
    }

    @Test
    void theExampleFileOfTheRepositoryIsValid() throws Exception {
        Files.copy(Path.of("infra/atende/instances.example.yaml"), path);
        InstancesFile.Check check = round();
        assertThat(check.changed()).extracting(InstancesFile.Entry::instance).containsExactly("padaria", "loja-centro");
        assertThat(errors()).isEmpty();
        assertThat(cache.of("padaria").facts()).startsWith("Endereço: Rua das Flores");
        assertThat(cache.of("loja-centro").trigger().matches("Quero ATENDIMENTO, por favor")).isTrue();
        EffectiveProfile padaria = cache.of("padaria");
        assertThat(padaria.handoff().resumeKeyword()).isEqualTo("#bot");
        assertThat(padaria.hours().isOpen(java.time.Instant.parse("2026-03-01T14:00:00Z"))).isTrue(); // Sun 11:00
        assertThat(padaria.hours().isOpen(java.time.Instant.parse("2026-03-01T16:00:00Z"))).isFalse(); // Sun 13:00
        assertThat(padaria.optOut().stop().isExactly("Parar!")).isTrue();
    }

    @Test
    void takeoverOptOutAndHoursInYamlAsTheApiTakesThem() throws Exception {
        // Unquoted dates and intervals stay strings; the stored document is the one the admin API would store.
        write("""
                instances:
                  loja:
                    handoff: {pauseMinutes: 1.5, keywords: [atendente], resumeKeyword: "#volta", notifyNumber: "5511999990000"}
                    optOut: {stopKeywords: [parar], resumeKeywords: []}
                    hours:
                      weekly: {mon: [09:00-12:00, 13:00-18:00], sun: []}
                      holidays: [2026-12-25]
                      outOfHoursPolicy: notice-only
                """);
        round();
        assertThat(errors()).isEmpty();
        assertThat(profile("loja")).isEqualTo(json.document("""
                {"handoff":{"pauseMinutes":1.5,"keywords":["atendente"],"resumeKeyword":"#volta","notifyNumber":"5511999990000"},
                 "optOut":{"stopKeywords":["parar"],"resumeKeywords":[]},
                 "hours":{"weekly":{"mon":["09:00-12:00","13:00-18:00"],"sun":[]},"holidays":["2026-12-25"],
                          "outOfHoursPolicy":"notice-only"}}""").fields().toString());
        assertThat(cache.of("loja").handoff().notifyJid()).isEqualTo("5511999990000@s.whatsapp.net");
        assertThat(cache.of("loja").handoff().pause()).isEqualTo(Duration.ofSeconds(90));
        assertThat(cache.of("loja").hours().policy()).isEqualTo(BusinessHours.Policy.NOTICE_ONLY);

        // An unquoted number is a YAML number: the entry is refused, naming the field and not the number.
        write("instances:\n  loja: {handoff: {notifyNumber: 5521987654321}}\n");
        round();
        assertThat(errors()).singleElement().satisfies(m -> assertThat(m)
                .contains("entry loja, field handoff.notifyNumber").doesNotContain("5521987654321"));
        write("instances:\n  loja: {hours: {weekly: {mon: [09:00-25:00]}}}\n");
        round();
        assertThat(errors()).hasSize(2).last().satisfies(m -> assertThat(m).contains("field hours.weekly.mon[0]"));
    }

    @Test
    void anEntryTakingAnotherInstancesWebhookTokenIsReportedOnceAndTheOthersApply() throws Exception {
        store.put("outra", json.document("{\"evolution\":{\"webhookToken\":\"token-of-outra-SECRET\"}}"), null, null);
        write("instances:\n  loja: {evolution: {webhookToken: token-of-outra-SECRET}}\n  padaria: {model: qwen}\n");
        round();
        assertThat(round().nothing()).isTrue();

        assertThat(store.list()).extracting(InstanceSummary::instance).containsExactly("outra", "padaria");
        assertThat(errors()).singleElement().satisfies(m -> assertThat(m)
                .contains("entry loja not applied, field evolution.webhookToken").doesNotContain("SECRET"));
        write("instances:\n  loja: {evolution: {webhookToken: token-of-loja-SECRET}}\n  padaria: {model: qwen}\n");
        round();
        assertThat(cache.of("loja").webhookToken()).isEqualTo("token-of-loja-SECRET");
    }
}
