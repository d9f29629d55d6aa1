package io.atende.admin;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdminRequestGuardTest {

    final AdminRequestGuard guard = new AdminRequestGuard();

    @Test
    void plainQueriesPass() {
        assertThatCode(() -> guard.check(Map.of("instance", "loja", "state", "idle"), "instance=loja&state=idle"))
                .doesNotThrowAnyException();
        assertThatCode(() -> guard.check(Map.of(), null)).doesNotThrowAnyException();
        assertThatCode(() -> guard.check(Map.of("unmask", ""), "unmask")).doesNotThrowAnyException();
    }

    @Test
    void aParameterAlsoInThePathOrGivenTwiceIsRefused() {
        assertThatThrownBy(() -> guard.check(Map.of("instance", List.of("outra", "loja")), "instance=outra"))
                .isInstanceOf(AdminBadRequestException.class).hasMessage("instance must be given once");
        assertThatThrownBy(() -> guard.check(Map.of("state", List.of("idle", "waiting")), "state=idle&state=waiting"))
                .isInstanceOf(AdminBadRequestException.class).hasMessage("state must be given once");
    }

    @Test
    void aRequestHeadersNameIsNeverAQueryParameter() {
        for (String query : List.of("If-Match=%223%22", "if-match=x", "X-Changed-By=eve", "Content-Type=text/plain")) {
            assertThatThrownBy(() -> guard.check(Map.of(), query)).as(query)
                    .isInstanceOf(AdminBadRequestException.class).hasMessageEndingWith("is a header, not a query parameter");
        }
    }
}
