package io.atende.profile;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JidPatternTest {

    @Test
    void wildcardsMatchEveryAddressOnTheirServer() {
        assertThat(JidPattern.parse("@g.us").matches("120363025246125486@g.us")).isTrue();
        assertThat(JidPattern.parse("@g.us").matches("5511999998888@s.whatsapp.net")).isFalse();
        assertThat(JidPattern.parse("@s.whatsapp.net").matches("5511999998888@s.whatsapp.net")).isTrue();
        assertThat(JidPattern.parse("@s.whatsapp.net").matches("123456789012345@lid")).isFalse();
        assertThat(JidPattern.parse("@lid").matches("123456789012345@lid")).isTrue();
        assertThat(JidPattern.parse("@LID").matches("123456789012345@lid")).isTrue();
        assertThat(JidPattern.parse("@lid").wildcard()).isTrue();
    }

    @Test
    void wholeJidsAndPhoneDigitsMatchOneContact() {
        JidPattern jid = JidPattern.parse("5511999998888@s.whatsapp.net");
        assertThat(jid.matches("5511999998888@s.whatsapp.net")).isTrue();
        assertThat(jid.matches("5511999997777@s.whatsapp.net")).isFalse();
        JidPattern digits = JidPattern.parse("+55 11 99999-8888".replaceAll("[ -]", ""));
        assertThat(digits.matches("5511999998888@s.whatsapp.net")).isTrue();
        assertThat(JidPattern.parse("123456789012345@lid").matches("123456789012345@lid")).isTrue();
        assertThat(jid.matches(null)).isFalse();
    }

    @Test
    void anythingElseIsRejectedWithAMessageThatNamesIt() {
        for (String bad : new String[]{"", " ", "@example.com", "abc", "55 11@s.whatsapp.net", "x@y@lid", "12345"}) {
            assertThatThrownBy(() -> JidPattern.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> JidPattern.parse("@example.com")).hasMessageContaining("'@example.com'");
    }
}
