package io.atende.admin;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AdminFallbackTest {

    @Test
    void aRoutePathTakesThePathsItsParametersAndPrefixAllow() {
        assertThat(AdminFallback.matches("/admin/dead-letters", "/admin/dead-letters")).isTrue();
        assertThat(AdminFallback.matches("/admin/dead-letters/:id", "/admin/dead-letters/12")).isTrue();
        assertThat(AdminFallback.matches("/admin/dead-letters/:id/replay", "/admin/dead-letters/12/replay")).isTrue();
        assertThat(AdminFallback.matches("/admin/conversations/:instance/:contact", "/admin/conversations/loja/55")).isTrue();
        assertThat(AdminFallback.matches("/webhooks/*", "/webhooks/evolution")).isTrue();

        assertThat(AdminFallback.matches("/admin/dead-letters/:id", "/admin/dead-letters/")).isFalse();
        assertThat(AdminFallback.matches("/admin/dead-letters/:id", "/admin/dead-letters/12/replay")).isFalse();
        assertThat(AdminFallback.matches("/admin/dead-letters/:id/replay", "/admin/dead-letters/12/other")).isFalse();
        assertThat(AdminFallback.matches("/admin/instances", "/admin/instances/loja")).isFalse();
    }
}
