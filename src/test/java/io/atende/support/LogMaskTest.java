package io.atende.support;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LogMaskTest {

    @Test
    void phoneJidKeepsFirstFourAndLastTwoDigitsAndTheDomain() {
        assertThat(LogMask.jid("5521987654321@s.whatsapp.net")).isEqualTo("5521*******21@s.whatsapp.net");
    }

    @Test
    void lidAndGroupJidsAreMaskedTheSameWay() {
        assertThat(LogMask.jid("123456789012345@lid")).isEqualTo("1234*********45@lid");
        assertThat(LogMask.jid("120363025246125486@g.us")).isEqualTo("1203************86@g.us");
        assertThat(LogMask.jid("5521987654321-1600000000@g.us")).isEqualTo("5521******************00@g.us");
    }

    @Test
    void shortUserPartsKeepOnlyTheLastTwo() {
        assertThat(LogMask.jid("123456@lid")).isEqualTo("****56@lid");
        assertThat(LogMask.jid("1234567@lid")).isEqualTo("1234*67@lid");
        assertThat(LogMask.jid("123@s.whatsapp.net")).isEqualTo("*23@s.whatsapp.net");
        assertThat(LogMask.phone("123456")).isEqualTo("****56");
    }

    @Test
    void nullOrBlankJidIsADash() {
        assertThat(LogMask.jid(null)).isEqualTo("-");
        assertThat(LogMask.jid("  ")).isEqualTo("-");
        assertThat(LogMask.phone(null)).isEqualTo("-");
    }

    @Test
    void valueWithoutDomainIsMaskedWhole() {
        assertThat(LogMask.jid("5521987654321")).isEqualTo("5521*******21");
        assertThat(LogMask.jid("@s.whatsapp.net")).isEqualTo("@s.whatsapp.net");
    }

    @Test
    void phoneHasNoDomain() {
        assertThat(LogMask.phone("5521987654321")).isEqualTo("5521*******21");
        assertThat(LogMask.phone(" 5511912345678 ")).isEqualTo("5511*******78");
    }

    @Test
    void maskedValueNeverContainsTheMiddleDigits() {
        String masked = LogMask.jid("5521987654321@s.whatsapp.net");
        assertThat(masked).doesNotContain("9876543").hasSize("5521987654321@s.whatsapp.net".length());
    }

    @Test
    void textShowsOnlyItsLength() {
        assertThat(LogMask.text("Meu CPF é 123.456.789-00")).isEqualTo("[24 chars]");
        assertThat(LogMask.text("")).isEqualTo("[0 chars]");
        assertThat(LogMask.text(null)).isEqualTo("[none]");
    }
}
