package io.atende.routes;

import io.atende.reply.OutboundMessage;
import io.atende.store.Sql;
import org.apache.camel.Exchange;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** reply-evolution.camel.yaml: each branch of a part's delivery, with Evolution's HTTP API replaced by mocks. */
class ReplyRoutesTest extends RouteTestSupport {

    MockEndpoint sendText;

    void adviseEvolution() throws Exception {
        advise("evolution-send-text", a -> a.weaveById("post-send-text").replace().to("mock:evolution-send-text"));
        sendText = getMockEndpoint("mock:evolution-send-text");
    }

    /** One stored answer part of a conversation in 'replying', as atende_store_answer leaves it. */
    OutboundMessage storedPart(String text) {
        return tx().inTransaction(c -> {
            long instance = Sql.oneLong(c, "insert into instances (name) values ('loja') returning id");
            long conversation = Sql.oneLong(c, """
                    insert into conversations (instance_id, contact_jid, state) values (?, '5521987654321@s.whatsapp.net',
                    'replying') returning id""", instance);
            long id = Sql.oneLong(c, """
                    insert into messages (instance_id, conversation_id, direction, kind, text, status, part_index, part_count)
                    values (?, ?, 'out', 'answer', ?, 'ready', 0, 1) returning id""", instance, conversation, text);
            return new OutboundMessage(id, conversation, "loja", "5521987654321@s.whatsapp.net", "answer", text, 0, 1);
        });
    }

    String status(OutboundMessage m) {
        return tx().inTransaction(c -> Sql.one(c, "select status from messages where id = ?", rs -> rs.getString(1), m.id()));
    }

    @Test
    void aPartAcceptedByEvolutionIsSent() throws Exception {
        adviseEvolution();
        startCamel();
        sendText.whenAnyExchangeReceived(e -> {
            e.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 201);
            e.getMessage().setBody("{\"key\":{\"id\":\"WA1\"}}");
        });
        OutboundMessage part = storedPart("Abrimos às 9h.");
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("deliver-replies").whenCompleted(1).create();

        template.sendBody("direct:publish-replies-postgres", List.of(part));

        assertThat(done.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(sendText.getReceivedExchanges()).singleElement().satisfies(e -> {
            assertThat(e.getMessage().getBody(String.class)).isEqualTo("{\"number\":\"5521987654321\",\"text\":\"Abrimos às 9h.\"}");
            assertThat(e.getMessage().getHeader("apikey")).isEqualTo("chave-evolution");
        });
        assertThat(status(part)).isEqualTo("sent");
    }
}
