package io.atende.admin;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdminAuthenticatorTest {

    @TempDir
    Path dataDir;

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(AdminAuthenticator.class);

    @BeforeEach
    void captureLogs() {
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        logger.detachAppender(logs);
    }

    @Test
    void bearerWithTheTokenIsAccepted() {
        AdminAuthenticator auth = new AdminAuthenticator("s3cret-admin");
        assertThatCode(() -> auth.authenticate("Bearer s3cret-admin", null)).doesNotThrowAnyException();
        assertThatCode(() -> auth.authenticate("bearer s3cret-admin", null)).doesNotThrowAnyException();
        assertThatCode(() -> auth.authenticate("  BEARER \t s3cret-admin  ", null)).doesNotThrowAnyException();
    }

    @Test
    void anythingElseIsUnauthorized() {
        AdminAuthenticator auth = new AdminAuthenticator("s3cret-admin");
        for (String header : new String[] {null, "", "Bearer", "Bearer ", "s3cret-admin", "Basic s3cret-admin",
                "Bearers3cret-admin", "Bearer s3cret-admin2", "Bearer s3cret-admi", "Bearer S3CRET-ADMIN",
                "Bearer wrong"}) {
            assertThatThrownBy(() -> auth.authenticate(header, null))
                    .as("header %s", header)
                    .isInstanceOf(AdminUnauthorizedException.class)
                    .hasMessage("missing or invalid admin token");
        }
    }

    @Test
    void aTokenInTheQueryStringIsRefusedEvenNextToAValidHeader() {
        // Camel's HTTP server copies query parameters into the headers: ?Authorization= must not pass for the header.
        AdminAuthenticator auth = new AdminAuthenticator("s3cret-admin");
        for (String query : new String[] {"Authorization=Bearer%20s3cret-admin", "limit=5&authorization=x",
                "AUTHORIZATION", "%41uthorization=Bearer+s3cret-admin", "%zz=1"}) {
            assertThatThrownBy(() -> auth.authenticate("Bearer s3cret-admin", query))
                    .as("query %s", query).isInstanceOf(AdminUnauthorizedException.class);
        }
        assertThatCode(() -> auth.authenticate("Bearer s3cret-admin", "limit=5&before=10&auth=1"))
                .doesNotThrowAnyException();
        assertThatCode(() -> auth.authenticate("Bearer s3cret-admin", "")).doesNotThrowAnyException();
    }

    @Test
    void theUnauthorizedExceptionCarriesNoStackTrace() {
        AdminAuthenticator auth = new AdminAuthenticator("s3cret-admin");
        assertThatThrownBy(() -> auth.authenticate("Bearer nope", null))
                .satisfies(e -> assertThat(e.getStackTrace()).isEmpty());
    }

    @Test
    void blankTokenIsRefused() {
        assertThatThrownBy(() -> new AdminAuthenticator(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AdminAuthenticator(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void configuredTokenIsUsedAndNoFileIsWritten() {
        AdminAuthenticator auth = AdminAuthenticator.resolve("  configured-token  ", dataDir, 8080);

        assertThat(auth.source()).isEqualTo(AdminAuthenticator.Source.CONFIGURED);
        assertThat(auth.file()).isNull();
        assertThat(dataDir.resolve(AdminAuthenticator.FILE_NAME)).doesNotExist();
        assertThatCode(() -> auth.authenticate("Bearer configured-token", null)).doesNotThrowAnyException();
        assertThat(messages()).containsExactly("Admin token: taken from ATENDE_ADMIN_TOKEN");
        assertThat(String.join("\n", messages())).doesNotContain("configured-token");
    }

    @Test
    void unsetTokenIsGeneratedOnceIntoAnOwnerOnlyFileAndShownOnlyThen() throws Exception {
        Path dir = dataDir.resolve("not-yet-there");
        AdminAuthenticator first = AdminAuthenticator.resolve("", dir, 18080);

        Path file = dir.resolve("admin-token");
        String token = Files.readString(file).strip();
        assertThat(first.source()).isEqualTo(AdminAuthenticator.Source.GENERATED);
        assertThat(first.file()).isEqualTo(file);
        assertThat(token).matches("[A-Za-z0-9_-]{43}");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThatCode(() -> first.authenticate("Bearer " + token, null)).doesNotThrowAnyException();
        // The one-time generation message shows the token (and where it is kept), as a WARN.
        assertThat(logs.list).hasSize(1);
        assertThat(logs.list.get(0).getLevel()).isEqualTo(Level.WARN);
        assertThat(logs.list.get(0).getFormattedMessage()).contains(file.toString()).contains(token)
                .contains("http://<atende-host>:18080/admin/dead-letters");

        logs.list.clear();
        AdminAuthenticator second = AdminAuthenticator.resolve(null, dir, 18080);

        assertThat(second.source()).isEqualTo(AdminAuthenticator.Source.FILE);
        assertThatCode(() -> second.authenticate("Bearer " + token, null)).doesNotThrowAnyException();
        assertThat(Files.readString(file).strip()).isEqualTo(token);
        assertThat(messages()).singleElement().asString().contains(file.toString()).doesNotContain(token);
        assertThat(logs.list.get(0).getLevel()).isEqualTo(Level.INFO);
    }

    @Test
    void tokenWrittenByTheOperatorIsReadStripped() throws Exception {
        Files.writeString(dataDir.resolve("admin-token"), "  my-own-token\n");
        AdminAuthenticator auth = AdminAuthenticator.resolve(null, dataDir, 8080);
        assertThat(auth.source()).isEqualTo(AdminAuthenticator.Source.FILE);
        assertThatCode(() -> auth.authenticate("Bearer my-own-token", null)).doesNotThrowAnyException();
    }

    @Test
    void blankTokenFileIsRefusedRatherThanReplaced() throws Exception {
        Path file = dataDir.resolve("admin-token");
        Files.writeString(file, "\n");
        assertThatThrownBy(() -> AdminAuthenticator.resolve("", dataDir, 8080))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("admin token file").hasMessageContaining("is empty");
        assertThat(Files.readString(file)).isEqualTo("\n");
    }

    @Test
    void adminAndWebhookTokensLiveInDifferentFiles() {
        AdminAuthenticator auth = AdminAuthenticator.resolve("", dataDir, 8080);
        assertThat(auth.file().getFileName().toString()).isEqualTo("admin-token");
        assertThat(dataDir.resolve("webhook-token")).doesNotExist();
    }

    @Test
    void toStringNeverShowsTheToken() {
        assertThat(new AdminAuthenticator("s3cret-admin").toString()).doesNotContain("s3cret").contains("redacted");
    }

    private List<String> messages() {
        return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
}
