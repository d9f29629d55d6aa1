package io.atende.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.atende.ingest.WebhookTokenStore.Resolved;
import io.atende.ingest.WebhookTokenStore.Source;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the webhook secret comes from, and that a generated one survives restarts. */
class WebhookTokenStoreTest {

    @TempDir
    Path temp;

    @Test
    void generatedTokenIsReusedByTheNextResolve() {
        Path dataDir = temp.resolve("data");

        Resolved first = WebhookTokenStore.resolve(null, dataDir);
        Resolved second = WebhookTokenStore.resolve("", dataDir);

        assertThat(first.source()).isEqualTo(Source.GENERATED);
        assertThat(first.file()).isEqualTo(dataDir.resolve("webhook-token"));
        assertThat(second.source()).isEqualTo(Source.FILE);
        assertThat(second.token()).isEqualTo(first.token());
    }

    @Test
    void generatedTokenIs32RandomBytesAsUnpaddedBase64Url() throws Exception {
        Resolved one = WebhookTokenStore.resolve(null, temp.resolve("a"));
        Resolved two = WebhookTokenStore.resolve(null, temp.resolve("b"));

        assertThat(one.token()).matches("[A-Za-z0-9_-]{43}");
        assertThat(one.token()).isNotEqualTo(two.token());
        assertThat(Files.readString(one.file()).strip()).isEqualTo(one.token());
    }

    @Test
    void generatedFileIsReadableByTheOwnerOnly() throws Exception {
        assumeTrue(Files.getFileStore(temp).supportsFileAttributeView("posix"), "POSIX permissions unsupported");

        Resolved resolved = WebhookTokenStore.resolve(null, temp.resolve("nested/data/dir"));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(resolved.file())))
                .isEqualTo("rw-------");
    }

    @Test
    void configuredTokenWinsOverTheFileAndLeavesItAlone() throws Exception {
        Path dataDir = temp.resolve("data");
        String fileToken = WebhookTokenStore.resolve(null, dataDir).token();

        Resolved resolved = WebhookTokenStore.resolve("  configured-secret  ", dataDir);

        assertThat(resolved.source()).isEqualTo(Source.CONFIGURED);
        assertThat(resolved.token()).isEqualTo("configured-secret");
        assertThat(resolved.file()).isNull();
        assertThat(Files.readString(dataDir.resolve("webhook-token")).strip()).isEqualTo(fileToken);
    }

    @Test
    void configuredTokenCreatesNoFile() {
        Path dataDir = temp.resolve("data");

        WebhookTokenStore.resolve("configured-secret", dataDir);

        assertThat(dataDir).doesNotExist();
    }

    @Test
    void operatorWrittenFileIsReadWithoutTrailingNewline() throws Exception {
        Files.writeString(temp.resolve("webhook-token"), "operator-chosen-secret\n");

        Resolved resolved = WebhookTokenStore.resolve(null, temp);

        assertThat(resolved.source()).isEqualTo(Source.FILE);
        assertThat(resolved.token()).isEqualTo("operator-chosen-secret");
    }

    @Test
    void emptyTokenFileIsRefusedRatherThanReplaced() throws Exception {
        Files.writeString(temp.resolve("webhook-token"), "  \n");

        assertThatThrownBy(() -> WebhookTokenStore.resolve(null, temp))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("webhook-token");
        assertThat(Files.readString(temp.resolve("webhook-token"))).isEqualTo("  \n");
    }

    @Test
    void toStringDoesNotRevealTheToken() {
        Resolved resolved = WebhookTokenStore.resolve(null, temp);

        assertThat(resolved.toString()).doesNotContain(resolved.token()).contains("GENERATED");
    }

    @Test
    void resolvedTokenAuthenticatesWebhooks() {
        Resolved resolved = WebhookTokenStore.resolve(null, temp);
        WebhookAuthenticator authenticator = new WebhookAuthenticator(resolved.token(), Clock.systemUTC());

        String reread = WebhookTokenStore.resolve(null, temp).token();

        assertThatCode(() -> authenticator.authenticate("Bearer " + reread, null)).doesNotThrowAnyException();
    }
}
