package io.atende.routes;

import io.atende.profile.InstanceProfiles;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * instances-file.camel.yaml: the check applies the entries that changed, leaves the rest, applies nothing of an invalid
 * file, and an entry whose apply failed is applied at the next check.
 */
class InstancesFileRoutesTest extends RouteTestSupport {

    static final Path FILE = file();
    static final String CHECK = "direct:check-instances-file";
    long writes;

    static Path file() {
        try {
            return Files.createTempDirectory("atende-instances").resolve("instances.yaml");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected Properties overrides() {
        return settings("atende.instances.file=" + FILE, "atende.instances.check-ms=" + NEVER_MS);
    }

    @BeforeEach
    void noFileYet() throws IOException {
        Files.deleteIfExists(FILE);
    }

    void write(String yaml) throws IOException {
        Files.writeString(FILE, yaml);
        Files.setLastModifiedTime(FILE, FileTime.fromMillis(1_700_000_000_000L + 1000 * ++writes));
    }

    /** The timer replaced by a direct endpoint: the test decides when a check runs. */
    void checkOnDemand() throws Exception {
        advise("instances-file-check", a -> a.replaceFromWith(CHECK));
    }

    InstanceProfiles profiles() {
        return context.getRegistry().lookupByNameAndType("instanceProfiles", InstanceProfiles.class);
    }

    @Test
    void changedEntriesAreAppliedAndAnUnchangedFileDoesNothing() throws Exception {
        checkOnDemand();
        startCamel();
        write("instances:\n  loja:\n    temperature: 0.2\n    evolution: {apiKey: k-SECRET}\n  padaria: {model: qwen}\n");

        template.sendBody(CHECK, null);

        assertThat(profiles().of(INSTANCE).temperature()).isEqualTo(0.2);
        assertThat(profiles().of("padaria").model()).isEqualTo("qwen");
        assertThat(column("select changed_by from instance_profile_history order by instance"))
                .containsExactly("file:instances.yaml", "file:instances.yaml");
        template.sendBody(CHECK, null);
        template.sendBody(CHECK, null);
        assertThat(value("select count(*) from instance_profile_history")).isEqualTo("2");

        write("instances:\n  loja:\n    temperature: 0.4\n");
        template.sendBody(CHECK, null);
        assertThat(profiles().of(INSTANCE).temperature()).isEqualTo(0.4);
        assertThat(profiles().of(INSTANCE).evolutionApiKey()).as("left out: kept").isEqualTo("k-SECRET");
        assertThat(profiles().of("padaria").model()).as("removed from the file: left as it is").isEqualTo("qwen");
        assertThat(value("select count(*) from instance_profile_seeds")).isEqualTo("1");
        assertThat(warnings()).noneMatch(m -> m.contains("SECRET"));
    }

    @Test
    void anInvalidFileAppliesNothingAndIsLoggedOnce() throws Exception {
        checkOnDemand();
        startCamel();
        write("instances:\n  loja:\n    temperature: 0.2\n  padaria:\n    ignoreJids: ['@g.us', 'x-SECRET']\n");

        template.sendBody(CHECK, null);
        template.sendBody(CHECK, null);

        assertThat(value("select count(*) from instance_profiles")).isEqualTo("0");
        assertThat(warnings()).singleElement().satisfies(m -> assertThat(m)
                .contains("entry padaria, field ignoreJids[1]").doesNotContain("SECRET"));
    }

    @Test
    void anEntryWhoseApplyFailedIsAppliedAtTheNextCheck() throws Exception {
        checkOnDemand();
        java.util.concurrent.atomic.AtomicInteger applies = new java.util.concurrent.atomic.AtomicInteger();
        advise("instances-file-check", a -> a.weaveById("apply-entry").before().process(e -> {
            if (applies.getAndIncrement() == 0) {
                throw new IllegalStateException("PostgreSQL went away");
            }
        }));
        startCamel();
        write("instances:\n  loja: {temperature: 0.2}\n");

        template.sendBody(CHECK, null); // fails: logged, nothing applied
        assertThat(value("select count(*) from instance_profiles")).isEqualTo("0");
        assertThat(warnings()).anyMatch(m -> m.contains("Instances file check skipped"));

        template.sendBody(CHECK, null);
        assertThat(profiles().of(INSTANCE).temperature()).isEqualTo(0.2);
    }

    @Test
    @Settings("atende.instances.check-ms=100")
    void theTimerPicksUpTheFileOnItsOwn() throws Exception {
        write("instances:\n  loja: {displayName: Loja}\n");
        startCamel();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(profiles().of(INSTANCE).displayName()).isEqualTo("Loja"));
        write("instances:\n  loja: {displayName: Loja Centro}\n");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(profiles().of(INSTANCE).displayName()).isEqualTo("Loja Centro"));
    }
}
