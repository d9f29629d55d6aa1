package io.atende.painel;

import io.atende.support.SecretToken;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The cookie's flags and parsing; the session and CSRF checks over HTTP are in PainelApiE2ETest. */
class PainelAccessTest {

    @Test
    void theCookieIsHttpOnlyStrictAndScopedToThePainel() {
        String cookie = PainelAccess.cookie("abc", false, -1);
        assertThat(cookie).startsWith("atende_painel=abc;").contains("; Path=/painel").contains("; HttpOnly")
                .contains("; SameSite=Strict").doesNotContain("Max-Age").doesNotContain("Secure");
        assertThat(PainelAccess.cookie("abc", true, -1)).endsWith("; Secure");
        assertThat(PainelAccess.cookie("", false, 0)).startsWith("atende_painel=;").contains("; Max-Age=0");
    }

    @Test
    void secureBehindTlsOrAProxyThatSaysHttps() {
        assertThat(PainelAccess.secure("https://loja.example/painel/api/login", null)).isTrue();
        assertThat(PainelAccess.secure("http://127.0.0.1:8080/painel/api/login", "https")).isTrue();
        assertThat(PainelAccess.secure("http://127.0.0.1:8080/painel/api/login", "http")).isFalse();
        assertThat(PainelAccess.secure(null, null)).isFalse();
    }

    @Test
    void theSessionCookieIsFoundAmongOthers() {
        assertThat(PainelAccess.cookieValue("a=1; atende_painel=xyz; b=2")).isEqualTo("xyz");
        assertThat(PainelAccess.cookieValue("atende_painelx=1")).isNull();
        assertThat(PainelAccess.cookieValue(null)).isNull();
    }

    @Test
    void theClientIsTheSocketsPeerUnlessTheProxyIsTrusted() {
        PainelAccess direct = new PainelAccess(t -> false, null, null, false);
        PainelAccess proxied = new PainelAccess(t -> false, null, null, true);
        assertThat(direct.clientAddress("10.1.2.3:5555", "6.6.6.6")).isEqualTo("10.1.2.3");
        assertThat(proxied.clientAddress("10.1.2.3:5555", "6.6.6.6, 200.1.1.1")).isEqualTo("200.1.1.1");
        assertThat(proxied.clientAddress("10.1.2.3:5555", null)).isEqualTo("10.1.2.3");
    }

    @Test
    void sessionTokensAre256BitsAndOnlyTheirHashIsKept() {
        String token = SecretToken.random();
        assertThat(token).hasSize(43).doesNotContain("=");
        assertThat(SecretToken.sha256Hex(token)).hasSize(64).isNotEqualTo(token);
        assertThat(SecretToken.random()).isNotEqualTo(token);
    }
}
