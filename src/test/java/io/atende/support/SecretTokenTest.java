package io.atende.support;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Where a shared secret comes from, that a generated one survives restarts, and how a candidate is checked. */
class SecretTokenTest {

    @TempDir
    Path temp;

    @Test
    void generatedTokenIsReusedByTheNextResolve() {
        Path dataDir = temp.resolve("data");

        SecretToken first = SecretToken.resolve(null, dataDir, "webhook-token");
        SecretToken second = SecretToken.resolve("", dataDir, "webhook-token");

        assertThat(first.source()).isEqualTo(SecretToken.Source.GENERATED);
        assertThat(first.file()).isEqualTo(dataDir.resolve("webhook-token"));
        assertThat(second.source()).isEqualTo(SecretToken.Source.FILE);
        assertThat(second.value()).isEqualTo(first.value());
        assertThat(second.matches(first.value())).isTrue();
    }

    @Test
    void generatedTokenIs32RandomBytesAsUnpaddedBase64Url() throws Exception {
        SecretToken one = SecretToken.resolve(null, temp.resolve("a"), "t");
        SecretToken two = SecretToken.resolve(null, temp.resolve("b"), "t");

        assertThat(one.value()).matches("[A-Za-z0-9_-]{43}");
        assertThat(one.value()).isNotEqualTo(two.value());
        assertThat(Files.readString(one.file()).strip()).isEqualTo(one.value());
    }

    @Test
    void generatedFileIsReadableByTheOwnerOnly() throws Exception {
        assumeTrue(Files.getFileStore(temp).supportsFileAttributeView("posix"), "POSIX permissions unsupported");

        SecretToken token = SecretToken.resolve(null, temp.resolve("nested/data/dir"), "admin-token");

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(token.file()))).isEqualTo("rw-------");
    }

    @Test
    void configuredTokenWinsOverTheFileAndLeavesItAlone() throws Exception {
        Path dataDir = temp.resolve("data");
        String fileToken = SecretToken.resolve(null, dataDir, "webhook-token").value();

        SecretToken configured = SecretToken.resolve("  configured-secret  ", dataDir, "webhook-token");

        assertThat(configured.source()).isEqualTo(SecretToken.Source.CONFIGURED);
        assertThat(configured.value()).isEqualTo("configured-secret");
        assertThat(configured.file()).isNull();
        assertThat(Files.readString(dataDir.resolve("webhook-token")).strip()).isEqualTo(fileToken);
    }

    @Test
    void configuredTokenCreatesNoFile() {
        Path dataDir = temp.resolve("data");

        SecretToken.resolve("configured-secret", dataDir, "webhook-token");

        assertThat(dataDir).doesNotExist();
    }

    @Test
    void operatorWrittenFileIsReadWithoutSurroundingWhitespace() throws Exception {
        Files.writeString(temp.resolve("admin-token"), "  operator-chosen-secret\n");

        SecretToken token = SecretToken.resolve(null, temp, "admin-token");

        assertThat(token.source()).isEqualTo(SecretToken.Source.FILE);
        assertThat(token.value()).isEqualTo("operator-chosen-secret");
    }

    @Test
    void emptyTokenFileIsRefusedRatherThanReplaced() throws Exception {
        Files.writeString(temp.resolve("webhook-token"), "  \n");

        assertThatThrownBy(() -> SecretToken.resolve(null, temp, "webhook-token"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("webhook-token").hasMessageContaining("is empty");
        assertThat(Files.readString(temp.resolve("webhook-token"))).isEqualTo("  \n");
    }

    @Test
    void aCandidateMatchesOnlyTheWholeSecret() {
        SecretToken token = SecretToken.of("s3cret");
        assertThat(token.matches("s3cret")).isTrue();
        assertThat(token.matches("s3cre")).isFalse();
        assertThat(token.matches("s3cret2")).isFalse();
        assertThat(token.matches("S3CRET")).isFalse();
        assertThat(token.matches(null)).isFalse();
        assertThat(token.matches("")).isFalse();
    }

    @Test
    void blankSecretIsRefused() {
        assertThatThrownBy(() -> SecretToken.of(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SecretToken.of(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theBearerCredentialIsWhatFollowsTheSchemeInAnyCase() {
        assertThat(SecretToken.bearer("Bearer abc")).isEqualTo("abc");
        assertThat(SecretToken.bearer("  bEaReR \t abc  ")).isEqualTo("abc");
        assertThat(SecretToken.bearer("Bearer")).isNull();
        assertThat(SecretToken.bearer("Bearer   ")).isNull();
        assertThat(SecretToken.bearer("Bearerabc")).isNull();
        assertThat(SecretToken.bearer("Basic abc")).isNull();
        assertThat(SecretToken.bearer(null)).isNull();
    }

    @Test
    void toStringDoesNotRevealTheToken() {
        SecretToken token = SecretToken.resolve(null, temp, "t");

        assertThat(token.toString()).doesNotContain(token.value()).contains("GENERATED");
    }
}
