package io.atende.admin;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The parameter checks of {@link ConversationBrowser}, which need no database (the reads: AdminConversationsRoutesTest). */
class ConversationBrowserTest {

    final ConversationBrowser browser = new ConversationBrowser(null, java.time.Clock.systemUTC());

    @Test
    void absentParametersMeanEverythingFromPageOneMasked() {
        assertThat(browser.query(null, null, null, null, null)).isEqualTo(new ConversationQuery(null, null, null, 1, false));
        assertThat(browser.query(" ", "", "  ", "", "")).isEqualTo(new ConversationQuery(null, null, null, 1, false));
    }

    @Test
    void givenParametersAreTrimmedAndTheStateLowerCased() {
        assertThat(browser.query(" loja ", "Waiting", " maria ", " 3 ", "TRUE"))
                .isEqualTo(new ConversationQuery("loja", "waiting", "maria", 3, true));
        assertThat(browser.query(null, "answering", null, "1000000", "false").page()).isEqualTo(1_000_000);
    }

    @Test
    void aStateOutsideTheApisFiveIsRefusedNamingTheParameter() {
        for (String state : new String[] {"answered", "replying", "opted-out", "paused", "idle,waiting"}) {
            assertThatThrownBy(() -> browser.query(null, state, null, null, null)).as(state)
                    .isInstanceOf(AdminBadRequestException.class)
                    .hasMessage("state must be waiting, answering, idle, human or opted_out");
        }
        assertThat(browser.query(null, "Human", null, null, null).state()).isEqualTo("human");
        assertThat(browser.query(null, "OPTED_OUT", null, null, null).state()).isEqualTo("opted_out");
    }

    @Test
    void secondsLeftAreRoundedUpAndNeverNegative() {
        java.time.Instant t = java.time.Instant.parse("2026-03-03T10:00:00Z");
        assertThat(ConversationBrowser.secondsUntil(t, t.plusMillis(2700_000))).isEqualTo(2700);
        assertThat(ConversationBrowser.secondsUntil(t, t.plusMillis(200))).isEqualTo(1);
        assertThat(ConversationBrowser.secondsUntil(t, t)).isZero();
        assertThat(ConversationBrowser.secondsUntil(t, t.minusSeconds(5))).isZero();
    }

    @Test
    void aPageMustBeAWholeNumberFromOne() {
        for (String page : new String[] {"0", "-1", "x", "2.0", "1000001", "99999999999999999999"}) {
            assertThatThrownBy(() -> browser.query(null, null, null, page, null)).as(page)
                    .isInstanceOf(AdminBadRequestException.class).hasMessage("page must be a whole number from 1 to 1000000");
        }
        assertThatThrownBy(() -> browser.query(null, null, null, null, "1"))
                .isInstanceOf(AdminBadRequestException.class).hasMessage("unmask must be true or false");
    }

    @Test
    void aTranscriptsContactIsDigitsOrNoConversationHasIt() {
        assertThat(browser.transcriptQuery("loja", "5521987654321", null, null))
                .isEqualTo(new TranscriptQuery("loja", "5521987654321", null, false));
        assertThat(browser.transcriptQuery("loja", "123456789012345", "42", "true"))
                .isEqualTo(new TranscriptQuery("loja", "123456789012345", 42L, true));
        for (String contact : new String[] {null, "", "+5521987654321", "5521987654321@s.whatsapp.net", "55 21", "abc",
                "1".repeat(33)}) {
            assertThatThrownBy(() -> browser.transcriptQuery("loja", contact, null, null)).as(contact)
                    .isInstanceOf(ConversationNotFoundException.class);
        }
        assertThatThrownBy(() -> browser.transcriptQuery(null, "5521987654321", null, null))
                .isInstanceOf(ConversationNotFoundException.class);
        assertThatThrownBy(() -> browser.transcriptQuery("loja", "5521987654321", "0", null))
                .isInstanceOf(AdminBadRequestException.class).hasMessage("before must be a whole number from 1 up");
    }

    @Test
    void searchTextIsMatchedLiterally() {
        assertThat(ConversationBrowser.likeEscaped("50%_off\\")).isEqualTo("50\\%\\_off\\\\");
    }
}
