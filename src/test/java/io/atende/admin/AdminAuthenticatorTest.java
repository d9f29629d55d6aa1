package io.atende.admin;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.atende.support.SecretToken;
import io.atende.support.UnauthorizedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdminAuthenticatorTest {

    @TempDir
    Path dataDir;

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(AdminAuthenticator.class);
    private final AdminAuthenticator auth = new AdminAuthenticator(SecretToken.of("s3cret-admin"));

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
        assertThatCode(() -> auth.authenticate("Bearer s3cret-admin", null)).doesNotThrowAnyException();
        assertThatCode(() -> auth.authenticate("bearer s3cret-admin", null)).doesNotThrowAnyException();
        assertThatCode(() -> auth.authenticate("  BEARER \t s3cret-admin  ", null)).doesNotThrowAnyException();
    }

    @Test
    void anythingElseIsUnauthorized() {
        for (String header : new String[] {null, "", "Bearer", "Bearer ", "s3cret-admin", "Basic s3cret-admin",
                "Bearers3cret-admin", "Bearer s3cret-admin2", "Bearer s3cret-admi", "Bearer S3CRET-ADMIN",
                "Bearer wrong"}) {
            assertThatThrownBy(() -> auth.authenticate(header, null))
                    .as("header %s", header)
                    .isInstanceOf(UnauthorizedException.class)
                    .hasMessage("missing or invalid credentials");
        }
    }

    @Test
    void aTokenInTheQueryStringIsRefusedEvenNextToAValidHeader() {
        // Camel's HTTP server copies query parameters into the headers: ?Authorization= must not pass for the header.
        for (String query : new String[] {"Authorization=Bearer%20s3cret-admin", "limit=5&authorization=x",
                "AUTHORIZATION", "%41uthorization=Bearer+s3cret-admin", "%zz=1"}) {
            assertThatThrownBy(() -> auth.authenticate("Bearer s3cret-admin", query))
                    .as("query %s", query).isInstanceOf(UnauthorizedException.class);
        }
        assertThatCode(() -> auth.authenticate("Bearer s3cret-admin", "limit=5&before=10&auth=1"))
                .doesNotThrowAnyException();
        assertThatCode(() -> auth.authenticate("Bearer s3cret-admin", "")).doesNotThrowAnyException();
    }

    @Test
    void theUnauthorizedExceptionCarriesNoStackTrace() {
        assertThatThrownBy(() -> auth.authenticate("Bearer nope", null))
                .satisfies(e -> assertThat(e.getStackTrace()).isEmpty());
    }

    @Test
    void aConfiguredTokenIsAnnouncedWithoutShowingIt() {
        AdminAuthenticator.announce(SecretToken.resolve("  configured-token  ", dataDir, AdminAuthenticator.TOKEN_FILE),
                8080);
        assertThat(messages()).containsExactly("Admin token: taken from ATENDE_ADMIN_TOKEN");
    }

    @Test
    void aGeneratedTokenIsShownOnceAsAWarningThenOnlyItsFile() {
        SecretToken generated = SecretToken.resolve("", dataDir, AdminAuthenticator.TOKEN_FILE);
        AdminAuthenticator.announce(generated, 18080);
        assertThat(logs.list).singleElement().satisfies(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getFormattedMessage()).contains(generated.file().toString()).contains(generated.value())
                    .contains("http://<atende-host>:18080/admin/dead-letters");
        });

        logs.list.clear();
        SecretToken reread = SecretToken.resolve(null, dataDir, AdminAuthenticator.TOKEN_FILE);
        AdminAuthenticator.announce(reread, 18080);
        assertThat(logs.list).singleElement().satisfies(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.INFO);
            assertThat(e.getFormattedMessage()).contains(generated.file().toString()).doesNotContain(generated.value());
        });
        assertThatCode(() -> new AdminAuthenticator(reread).authenticate("Bearer " + generated.value(), null))
                .doesNotThrowAnyException();
    }

    @Test
    void toStringNeverShowsTheToken() {
        assertThat(auth.toString()).doesNotContain("s3cret").contains("redacted");
    }

    private List<String> messages() {
        return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
}
