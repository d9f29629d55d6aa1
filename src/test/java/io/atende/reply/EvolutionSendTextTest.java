package io.atende.reply;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EvolutionSendTextTest {

    final EvolutionSendText contract = new EvolutionSendText();

    OutboundMessage to(String jid, String instance) {
        return new OutboundMessage(1, 1, instance, jid, "answer", "Olá, tudo bem?", 0, 1);
    }

    @Test
    void phoneJidsAreSentAsDigitsAndLidsAsTheFullJid() {
        assertThat(contract.requestBody(to("5521987654321@s.whatsapp.net", "x"), 0))
                .isEqualTo("{\"number\":\"5521987654321\",\"text\":\"Olá, tudo bem?\"}");
        assertThat(contract.requestBody(to("118204461933712@lid", "x"), 0))
                .isEqualTo("{\"number\":\"118204461933712@lid\",\"text\":\"Olá, tudo bem?\"}");
    }

    @Test
    void aPauseIsSentAsEvolutionsDelayInMillisecondsAndNoPauseLeavesItOut() {
        assertThat(contract.requestBody(to("5521987654321@s.whatsapp.net", "x"), 1_840))
                .isEqualTo("{\"number\":\"5521987654321\",\"text\":\"Olá, tudo bem?\",\"delay\":1840}");
        assertThat(contract.requestBody(to("5521987654321@s.whatsapp.net", "x"), 0)).doesNotContain("delay");
    }

    @Test
    void instanceNamesAreUrlEncodedForThePath() {
        assertThat(to("1@s.whatsapp.net", "Loja São João").instancePath()).isEqualTo("Loja%20S%C3%A3o%20Jo%C3%A3o");
    }

    @Test
    void createdReturnsEvolutionsMessageId() {
        assertThat(contract.acceptedId(201, "{\"key\":{\"remoteJid\":\"x\",\"fromMe\":true,\"id\":\"3EB0ABC\"},\"status\":\"PENDING\"}"))
                .isEqualTo("3EB0ABC");
    }

    @Test
    void notOnWhatsAppUnknownInstanceAndBadKeyAreRejectedForGood() {
        assertThatThrownBy(() -> contract.acceptedId(400,
                "{\"status\":400,\"error\":\"Bad Request\",\"response\":{\"message\":[{\"jid\":\"55@s.whatsapp.net\",\"exists\":false,\"number\":\"55\"}]}}"))
                .isInstanceOf(SendRejectedException.class).hasMessageContaining("exists");
        assertThatThrownBy(() -> contract.acceptedId(404, "{\"status\":404,\"error\":\"Not Found\",\"response\":{\"message\":[\"The \\\"x\\\" instance does not exist\"]}}"))
                .isInstanceOf(SendRejectedException.class);
        assertThatThrownBy(() -> contract.acceptedId(401, "{\"status\":401,\"error\":\"Unauthorized\",\"response\":{\"message\":\"Unauthorized\"}}"))
                .isInstanceOf(SendRejectedException.class);
    }

    @Test
    void serverErrorsRateLimitsAndDisconnectedInstancesAreRetried() {
        assertThatThrownBy(() -> contract.acceptedId(500, "{\"status\":500,\"error\":\"Internal Server Error\",\"response\":{\"message\":\"Connection Closed\"}}"))
                .isInstanceOf(SendFailedException.class);
        assertThatThrownBy(() -> contract.acceptedId(429, ""))
                .isInstanceOf(SendFailedException.class);
        // Evolution re-wraps a closed WhatsApp socket as 400: the instance is down, not the message wrong.
        assertThatThrownBy(() -> contract.acceptedId(400, "{\"status\":400,\"error\":\"Bad Request\",\"response\":{\"message\":[\"Error: Connection Closed\"]}}"))
                .isInstanceOf(SendFailedException.class);
        assertThatThrownBy(() -> contract.acceptedId(502, "<html><body>Bad Gateway</body></html>"))
                .isInstanceOf(SendFailedException.class).hasMessageContaining("html error page");
    }
}
