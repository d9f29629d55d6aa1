package io.atende.painel;

import io.atende.admin.AdminBadRequestException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PainelRequestGuardTest {

    final PainelRequestGuard guard = new PainelRequestGuard();

    @Test
    void onlyTheRoutesParametersEachOnce() {
        assertThatCode(() -> guard.check(Map.of("filter", "ia"), "filter=ia&page=2", "filter,page")).doesNotThrowAnyException();
        assertThatCode(() -> guard.check(Map.of(), null, "")).doesNotThrowAnyException();
        assertThatThrownBy(() -> guard.check(Map.of(), "X-CSRF-Token=abc", "filter"))
                .isInstanceOf(AdminBadRequestException.class).hasMessageContaining("X-CSRF-Token");
        assertThatThrownBy(() -> guard.check(Map.of(), "Cookie=atende_painel%3Dx", ""))
                .isInstanceOf(AdminBadRequestException.class);
        assertThatThrownBy(() -> guard.check(Map.of("page", List.of("1", "2")), "page=1&page=2", "page"))
                .isInstanceOf(AdminBadRequestException.class).hasMessageContaining("once");
    }
}
