package io.atende.routes;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import io.atende.conversation.ConversationQueue;
import io.atende.conversation.StartupRecovery;
import io.atende.llm.LlmAnswer;
import io.atende.llm.LlmPrompt;
import io.atende.reply.OutboundMessage;
import io.atende.store.Sql;
import io.atende.support.Payloads;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.component.seda.SedaEndpoint;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * conversation.camel.yaml and llm.camel.yaml: claim, prompt, the LLM's answer (the chat step replaced by a mock that
 * answers or fails), WhatsApp formatting, storage, and the hand-offs to delivery (mocked), on a real database.
 * Turns are claimed when the test sends to {@code direct:dispatch-conversations}: the intake's own wake-up is mocked.
 */
class ConversationRoutesTest extends RouteTestSupport {

    static final String SYSTEM_PROMPT = "Você é o atendente da Padaria Pão Quente.";
    static final String FALLBACK_TEXT =
            "Recebemos sua mensagem! Estamos com uma instabilidade no momento e vamos responder assim que possível.";

    MockEndpoint llm;
    MockEndpoint answers;
    MockEndpoint fallbacks;

    @Override
    protected Properties overrides() {
        return settings("atende.llm.system-prompt=" + SYSTEM_PROMPT, "atende.node.id=replica-a",
                // A failed turn comes back only when a test ends its backoff itself.
                "atende.llm.retry-base-ms=3600000", "atende.llm.retry-max-ms=3600000",
                "atende.llm.breaker.minimum-calls=2", "atende.llm.breaker.window=2",
                // No busy notice: it would travel to Evolution through the real reply routes.
                "atende.busy-notice.text=");
    }

    void adviseTurns() throws Exception {
        advise("intake-postgres", a -> a.weaveById("wake-dispatcher").replace().to("mock:wake-dispatcher"));
        advise("ask-llm", a -> a.weaveById("chat").replace().to("mock:llm"));
        advise("answer-conversation", a -> {
            a.weaveById("deliver-answer").replace().to("mock:deliver-answer");
            a.weaveById("send-fallback-now").replace().to("mock:send-fallback");
        });
        llm = getMockEndpoint("mock:llm");
        answers = getMockEndpoint("mock:deliver-answer");
        fallbacks = getMockEndpoint("mock:send-fallback");
    }

    void llmAnswers(String text) {
        llm.whenAnyExchangeReceived(e -> e.getMessage().setBody(LlmAnswer.of(text, 120, 40, 900L, 150L)));
    }

    void llmFails() {
        llm.whenAnyExchangeReceived(e -> {
            throw new IllegalStateException("connection refused");
        });
    }

    /** A customer's text through the real intake: committed as waiting before this returns. */
    void customerWrites(String id, String contact, String text) {
        assertThat(ingest(Payloads.fixture("01-text-conversation.json").instance("padaria").id(id).text(text)
                .remoteJid(contact).remoteJidAlt(null).json())).isEqualTo("{\"status\":\"accepted\"}");
    }

    /**
     * Matches once this many turns have ended (answered or failed) from now on. A turn is the exchange that went to
     * direct:ask-llm: the circuit breaker runs the chat step on a copy of it, also done in this route.
     */
    NotifyBuilder turnsEnding(int turns) {
        return new NotifyBuilder(context).fromRoute("answer-conversation").wereSentTo("direct:ask-llm").whenDone(turns)
                .create();
    }

    /**
     * Claims what is ready and waits for the turns counted. After a turn, the dispatcher wakes itself once more (the
     * LLM slot is free), so a later turn may be claimed by that wake-up: count from before the customer writes.
     */
    void dispatchAndWait(NotifyBuilder done) {
        template.sendBody("direct:dispatch-conversations", null);
        assertThat(done.matches(10, TimeUnit.SECONDS)).isTrue();
    }

    void dispatchAndWait(int turns) {
        dispatchAndWait(turnsEnding(turns));
    }

    List<ChatMessage> prompt(int call) {
        return llm.getReceivedExchanges().get(call).getMessage().getBody(LlmPrompt.class).messages();
    }

    @Test
    void theAnswerIsAskedFormattedForWhatsAppStoredAndHandedToDelivery() throws Exception {
        adviseTurns();
        startCamel();
        llmAnswers("**Sim**, abrimos às *9h*. Veja [o mapa](https://x.y)");
        customerWrites("C1", "5521911110001@s.whatsapp.net", "Vocês abrem amanhã?");

        dispatchAndWait(1);

        assertThat(prompt(0)).hasSize(2);
        assertThat(prompt(0).get(0)).isInstanceOfSatisfying(SystemMessage.class, m -> assertThat(m.text()).isEqualTo(SYSTEM_PROMPT));
        assertThat(prompt(0).get(1)).isInstanceOfSatisfying(UserMessage.class,
                m -> assertThat(m.singleText()).isEqualTo("Vocês abrem amanhã?"));
        OutboundMessage part = onlyPart(answers);
        assertThat(part.text()).isEqualTo("*Sim*, abrimos às _9h_. Veja o mapa https://x.y");
        assertThat(part.kind()).isEqualTo("answer");
        assertThat(part.contactJid()).isEqualTo("5521911110001@s.whatsapp.net");
        assertThat(column("select model_text from messages where id = ?", part.id()))
                .containsExactly("**Sim**, abrimos às *9h*. Veja [o mapa](https://x.y)");
        assertThat(column("select status from messages where wa_message_id = 'C1'")).containsExactly("answered");
        assertThat(column("select state from conversations")).containsExactly("replying");
        assertThat(fallbacks.getReceivedCounter()).isZero();
    }

    @Test
    void theNextTurnCarriesTheModelsOwnTextInItsHistory() throws Exception {
        adviseTurns();
        startCamel();
        String markdown = "**Sim**, abrimos às *9h*.";
        llmAnswers(markdown);
        customerWrites("H1", "5521911110002@s.whatsapp.net", "Vocês abrem amanhã?");
        dispatchAndWait(1);
        // What the reply route does once the answer is delivered: the conversation may take its next turn.
        context.getRegistry().lookupByNameAndType("conversationQueue", ConversationQueue.class)
                .deliveryFinished(batches(answers).get(0));

        llmAnswers("Não, domingo fechamos.");
        NotifyBuilder secondTurn = turnsEnding(1);
        customerWrites("H2", "5521911110002@s.whatsapp.net", "E no domingo?");
        dispatchAndWait(secondTurn);

        assertThat(prompt(1)).hasSize(4);
        assertThat(prompt(1).get(1)).isInstanceOfSatisfying(UserMessage.class,
                m -> assertThat(m.singleText()).isEqualTo("Vocês abrem amanhã?"));
        assertThat(prompt(1).get(2)).isInstanceOfSatisfying(AiMessage.class, m -> assertThat(m.text()).isEqualTo(markdown));
        assertThat(prompt(1).get(3)).isInstanceOfSatisfying(UserMessage.class,
                m -> assertThat(m.singleText()).isEqualTo("E no domingo?"));
        assertThat(batches(answers).get(0)).extracting(OutboundMessage::text).containsExactly("*Sim*, abrimos às _9h_.");
    }

    @Test
    void aLongAnswerIsSplitIntoWhatsAppSizedParts() throws Exception {
        adviseTurns();
        startCamel();
        List<String> paragraphs = IntStream.rangeClosed(1, 3)
                .mapToObj(n -> ("Parágrafo " + n + ": " + "pão de queijo quentinho ".repeat(130)).strip()).toList();
        String answer = String.join("\n\n", paragraphs);
        llmAnswers(answer);
        customerWrites("L1", "5521911110003@s.whatsapp.net", "Me conte tudo sobre o pão de queijo");

        dispatchAndWait(1);

        assertThat(batches(answers)).singleElement().satisfies(batch -> {
            assertThat(batch).extracting(OutboundMessage::text).containsExactlyElementsOf(paragraphs);
            assertThat(batch).extracting(OutboundMessage::partIndex).containsExactly(0, 1, 2);
            assertThat(batch).extracting(OutboundMessage::partCount).containsExactly(3, 3, 3);
        });
        // The model's text once, with the first part.
        assertThat(column("select model_text from messages where direction = 'out' order by part_index"))
                .containsExactly(answer, "", "");
    }

    void profile(String json) {
        io.atende.support.Profiles.write(tx(), "padaria", json);
        context.getRegistry().lookupByNameAndType("instanceProfiles", io.atende.profile.InstanceProfiles.class)
                .invalidate();
    }

    @Test
    void theNumbersPersonaFactsAndLlmOptionsAreTheTurnsPrompt() throws Exception {
        adviseTurns();
        startCamel();
        profile("""
                {"systemPrompt":"Você é a Clara, da Padaria Trigo.","facts":"Abrimos às 6h.",
                 "model":"llama3.1:8b","temperature":0.3,"numPredict":256}""");
        llmAnswers("Abrimos às 6h!");
        customerWrites("P1", "5521911110009@s.whatsapp.net", "Que horas abrem?");

        dispatchAndWait(1);

        LlmPrompt asked = llm.getReceivedExchanges().get(0).getMessage().getBody(LlmPrompt.class);
        assertThat(asked.messages().get(0)).isInstanceOfSatisfying(SystemMessage.class, m -> assertThat(m.text())
                .isEqualTo("Você é a Clara, da Padaria Trigo.\n\nInformações do negócio (responda com base nelas):\n"
                        + "Abrimos às 6h."));
        assertThat(asked.options()).isEqualTo(new io.atende.llm.LlmOptions("llama3.1:8b", 0.3, 256));
        assertThat(onlyPart(answers).text()).isEqualTo("Abrimos às 6h!");
    }

    @Test
    void aFailedTurnSendsTheNumbersOwnFallbackText() throws Exception {
        adviseTurns();
        startCamel();
        profile("{\"texts\":{\"fallback\":\"A Padaria Trigo volta já!\"}}");
        llmFails();
        customerWrites("F9", "5521911110010@s.whatsapp.net", "Oi");

        dispatchAndWait(1);

        assertThat(onlyPart(fallbacks).text()).isEqualTo("A Padaria Trigo volta já!");
    }

    @Test
    void aFailedLlmCallSendsTheFallbackOnceAndTheMessagesWaitAgain() throws Exception {
        adviseTurns();
        startCamel();
        llmFails();
        customerWrites("F1", "5521911110004@s.whatsapp.net", "Oi, tem pão?");

        dispatchAndWait(1);

        OutboundMessage fallback = onlyPart(fallbacks);
        assertThat(fallback.kind()).isEqualTo("notice");
        assertThat(fallback.text()).isEqualTo(FALLBACK_TEXT);
        assertThat(column("select status from messages where wa_message_id = 'F1'")).containsExactly("waiting");
        assertThat(column("select state || ' ' || llm_failures || ' ' || (not_before > now()) from conversations"))
                .containsExactly("idle 1 true");

        // The backoff is over and the LLM fails again, in the same wait: no second fallback.
        NotifyBuilder secondTurn = turnsEnding(1);
        execute("update conversations set not_before = now()");
        dispatchAndWait(secondTurn);

        assertThat(llm.getReceivedCounter()).isEqualTo(2);
        assertThat(fallbacks.getReceivedCounter()).isEqualTo(1);
        assertThat(column("select status from messages where wa_message_id = 'F1'")).containsExactly("waiting");
        assertThat(column("select llm_failures from conversations")).containsExactly("2");
        assertThat(answers.getReceivedCounter()).isZero();
    }

    @Test
    @Settings("atende.llm.answer-after-recovery=false")
    void withoutAnswerAfterRecoveryTheFallbackIsTheAnswer() throws Exception {
        adviseTurns();
        startCamel();
        llmFails();
        customerWrites("N1", "5521911110005@s.whatsapp.net", "Oi, tem pão?");

        dispatchAndWait(1);

        assertThat(onlyPart(fallbacks).text()).isEqualTo(FALLBACK_TEXT);
        assertThat(column("select status from messages where wa_message_id = 'N1'")).containsExactly("fallback");
        assertThat(column("select state || ' ' || (not_before is null) from conversations")).containsExactly("idle true");
    }

    @Test
    void theOpenBreakerFailsTurnsWithoutCallingTheLlm() throws Exception {
        adviseTurns();
        startCamel();
        llmFails();
        for (int i = 1; i <= 3; i++) {
            customerWrites("O" + i, "552191111001" + i + "@s.whatsapp.net", "oi " + i);
        }

        // One slot: each failed turn wakes the dispatcher, which claims the next conversation.
        dispatchAndWait(3);

        assertThat(llm.getReceivedCounter()).as("calls that reached the LLM").isEqualTo(2);
        assertThat(fallbacks.getReceivedCounter()).isEqualTo(3);
        assertThat(column("select state || ' ' || llm_failures from conversations")).containsExactly("idle 1", "idle 1", "idle 1");
        MeterRegistry meters = context.getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class);
        assertThat(meters.get("resilience4j.circuitbreaker.state").tags("name", "llm-breaker", "state", "open").gauge().value())
                .isEqualTo(1.0);
    }

    /**
     * StartupRecovery runs while the context is built, before a test can write rows. So the test writes what a
     * crash leaves, runs the same factory again and binds its result before the routes start; the route's own timer
     * then hands the recovered replies to delivery.
     */
    @Test
    void repliesLeftUndeliveredByTheLastRunAreDeliveredAtStartup() throws Exception {
        long replying = crashedState();
        context.getRegistry().bind("undeliveredAtStartup", new StartupRecovery().undeliveredAtStartup(
                context.getRegistry().lookupByNameAndType("conversationQueue", ConversationQueue.class)));
        advise("deliver-undelivered-at-startup", a -> a.interceptSendToEndpoint("{{atende.endpoint.deliveries}}")
                .skipSendToOriginalEndpoint().to("mock:undelivered"));
        NotifyBuilder recovered = new NotifyBuilder(context).fromRoute("deliver-undelivered-at-startup").whenDone(1).create();

        startCamel();

        assertThat(recovered.matches(10, TimeUnit.SECONDS)).isTrue();
        // The part already sent stays sent; another live replica's reply stays with it.
        assertThat(batches(getMockEndpoint("mock:undelivered"))).singleElement().satisfies(batch ->
                assertThat(batch).extracting(OutboundMessage::conversationId, OutboundMessage::text)
                        .containsExactly(tuple(replying, "segunda parte")));
        assertThat(column("select lease_owner from conversations where id = ?", replying)).containsExactly("replica-a");
        // The turn that was at the LLM waits again.
        assertThat(column("select m.status || ' ' || c.state || ' ' || (c.waiting_since is not null) from messages m "
                + "join conversations c on c.id = m.conversation_id where m.wa_message_id = 'R2'"))
                .containsExactly("waiting idle true");
    }

    /**
     * What a crash of replica-a leaves: a reply half sent, a turn at the LLM; and a reply another live replica
     * (replica-b) is delivering. Returns the conversation whose reply was half sent.
     */
    long crashedState() {
        return tx().inTransaction(c -> {
            long instance = Sql.oneLong(c, "insert into instances (name) values ('padaria') returning id");
            long replying = conversation(c, instance, "5521911110021@s.whatsapp.net", "replying", null);
            Sql.update(c, """
                    insert into messages (instance_id, conversation_id, direction, kind, text, status, part_index, part_count)
                    values (?, ?, 'out', 'answer', 'primeira parte', 'sent', 0, 2),
                           (?, ?, 'out', 'answer', 'segunda parte', 'ready', 1, 2)""",
                    instance, replying, instance, replying);
            long answering = conversation(c, instance, "5521911110022@s.whatsapp.net", "answering", "replica-a");
            Sql.update(c, """
                    insert into messages (instance_id, conversation_id, direction, wa_message_id, kind, text, status)
                    values (?, ?, 'in', 'R2', 'text', 'Tem sonho?', 'answering')""", instance, answering);
            long elsewhere = conversation(c, instance, "5521911110023@s.whatsapp.net", "replying", "replica-b");
            Sql.update(c, """
                    insert into messages (instance_id, conversation_id, direction, kind, text, status, part_index, part_count)
                    values (?, ?, 'out', 'answer', 'de outra réplica', 'ready', 0, 1)""", instance, elsewhere);
            return replying;
        });
    }

    private static long conversation(Connection c, long instance, String contact, String state, String owner)
            throws SQLException {
        return Sql.oneLong(c, """
                insert into conversations (instance_id, contact_jid, state, lease_owner, lease_until)
                values (?, ?, ?, ?::text, case when ?::text is null then null else now() + interval '1 hour' end)
                returning id""", instance, contact, state, owner, owner);
    }

    @Test
    void aFailingDispatchIsLoggedAndSkipped() throws Exception {
        adviseTurns();
        advise("dispatch-conversations", a -> a.weaveById("claim-ready-conversations").replace()
                .throwException(new IllegalStateException("advisory lock timeout")));
        startCamel();
        customerWrites("D1", "5521911110031@s.whatsapp.net", "oi");
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(logs);
        try {
            Exchange round = template.send("direct:dispatch-conversations", e -> { });

            assertThat(round.getException()).isNull();
            assertThat(round.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class)).hasMessage("advisory lock timeout");
        } finally {
            root.detachAppender(logs);
        }
        assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
                .contains("Dispatch skipped this round: advisory lock timeout");
        // Nothing was claimed: the message still waits for the next round.
        assertThat(column("select status from messages where wa_message_id = 'D1'")).containsExactly("waiting");
        assertThat(llm.getReceivedCounter()).isZero();
    }

    @Test
    @Settings("atende.llm.parallel=3")
    void thereAreAsManyLlmWorkersAsSlots() {
        startCamel();

        assertLlmWorkersAndSlotsGauge(3);
    }

    @Test
    @Settings("atende.ollama.base-urls=http://127.0.0.1:1#2,http://127.0.0.2:1#3")
    void withSeveralBackendsTheWorkersAreTheSumOfTheirSlots() {
        startCamel();

        assertLlmWorkersAndSlotsGauge(5);
    }

    /** The consumers of the turns' seda queue, and atende_config_llm_slots. */
    void assertLlmWorkersAndSlotsGauge(int slots) {
        assertThat(((SedaEndpoint) context.getRoute("answer-conversation").getEndpoint()).getConcurrentConsumers())
                .isEqualTo(slots);
        assertThat(context.getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class)
                .get("atende.config.llm_slots").gauge().value()).isEqualTo(slots);
    }
}
