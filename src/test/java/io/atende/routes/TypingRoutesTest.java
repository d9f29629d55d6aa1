package io.atende.routes;

import com.sun.net.httpserver.HttpServer;
import io.atende.fixtures.EvolutionFixture;
import io.atende.llm.LlmAnswer;
import io.atende.profile.InstanceProfiles;
import io.atende.reply.TypingIndicator;
import io.atende.reply.TypingTarget;
import io.atende.support.Payloads;
import io.atende.support.Profiles;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * typing-evolution.camel.yaml and the typing steps of answer-conversation: the composing presence each typing
 * conversation gets (over real sockets, to the Evolution stand-in or to a stub that fails), refreshed while the LLM
 * call runs, and nothing a failing presence could do to a turn.
 */
class TypingRoutesTest extends RouteTestSupport {

    /** Started before the context's properties are read (they name its URL). */
    static final EvolutionFixture EVOLUTION = EvolutionFixture.start("chave-evolution");
    static final Duration WAIT = Duration.ofSeconds(10);

    @Override
    protected Properties overrides() {
        return settings("atende.typing.refresh-s=1", "atende.evolution.base-url=" + EVOLUTION.baseUrl(),
                "atende.llm.retry-base-ms=3600000", "atende.llm.retry-max-ms=3600000", "atende.busy-notice.text=");
    }

    @AfterAll
    static void closeEvolution() {
        EVOLUTION.close();
    }

    TypingIndicator typing() {
        return context.getRegistry().lookupByNameAndType("typingIndicator", TypingIndicator.class);
    }

    void profile(String instance, String json) {
        Profiles.write(tx(), instance, json);
        context.getRegistry().lookupByNameAndType("instanceProfiles", InstanceProfiles.class).invalidate();
    }

    double typingCount(String instance, String outcome) {
        MeterRegistry meters = context.getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class);
        Counter c = meters.find("atende.typing").tag("instance", instance).tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    List<EvolutionFixture.Presence> presencesOf(String instance) {
        return EVOLUTION.presences().stream().filter(p -> p.instance().equals(instance)).toList();
    }

    /** Sends one presence as the turn or the refresh timer does; returns how long the route took. */
    long sendTyping(TypingTarget target) {
        long started = System.nanoTime();
        template.sendBody("direct:send-typing", target);
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    }

    @Test
    void aPresenceIsComposingToTheCustomersNumberForTheRefreshAndIsNotWaitedFor() {
        startCamel();

        long took = sendTyping(new TypingTarget(1, "vitrine", "5521987654321@s.whatsapp.net"));
        sendTyping(new TypingTarget(2, "vitrine centro", "123456789012345@lid"));

        // Evolution holds each presence for its 1 s delay and is only then recorded: the route was long gone
        assertThat(took).isLessThan(500);
        assertThat(presencesOf("vitrine")).isEmpty();
        await().atMost(WAIT).until(() -> typingCount("vitrine", "sent") == 1
                && typingCount("vitrine centro", "sent") == 1);
        assertThat(presencesOf("vitrine")).singleElement().satisfies(p -> {
            assertThat(p.number()).isEqualTo("5521987654321");
            assertThat(p.presence()).isEqualTo("composing");
            assertThat(p.delay()).isEqualTo(1000);
        });
        assertThat(presencesOf("vitrine centro")).singleElement()
                .satisfies(p -> assertThat(p.number()).isEqualTo("123456789012345@lid"));
    }

    @Test
    void aFailingOrSilentEvolutionIsCountedAndNothingElse() throws Exception {
        List<String> keys = new CopyOnWriteArrayList<>();
        CountDownLatch release = new CountDownLatch(1);
        HttpServer failing = stub(ex -> {
            keys.add(ex.getRequestHeaders().getFirst("apikey"));
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        HttpServer silent = stub(ex -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.sendResponseHeaders(201, -1);
            ex.close();
        });
        try {
            startCamel();
            profile("quebrada", "{\"evolution\":{\"baseUrl\":\"" + url(failing) + "\",\"apiKey\":\"chave-quebrada\"}}");
            profile("fora", "{\"evolution\":{\"baseUrl\":\"http://127.0.0.1:1\"}}");
            profile("muda", "{\"evolution\":{\"baseUrl\":\"" + url(silent) + "\"}}");

            assertThat(sendTyping(new TypingTarget(1, "quebrada", "5521911110001@s.whatsapp.net"))).isLessThan(500);
            assertThat(sendTyping(new TypingTarget(2, "fora", "5521911110002@s.whatsapp.net"))).isLessThan(500);
            assertThat(sendTyping(new TypingTarget(3, "muda", "5521911110003@s.whatsapp.net"))).isLessThan(500);

            await().atMost(WAIT).until(() -> typingCount("quebrada", "failed") == 1
                    && typingCount("fora", "unreachable") == 1);
            assertThat(keys).containsExactly("chave-quebrada");
            assertThat(typingCount("muda", "sent")).as("still held by Evolution").isZero();
            assertThat(warnings()).isEmpty();
        } finally {
            release.countDown();
            failing.stop(0);
            silent.stop(0);
        }
    }

    @Test
    void aDisabledNumberGetsNoPresence() {
        startCamel();
        profile("parada", "{\"enabled\":false}");

        sendTyping(new TypingTarget(1, "parada", "5521911110004@s.whatsapp.net"));
        sendTyping(new TypingTarget(2, "ativa", "5521911110005@s.whatsapp.net"));

        // the presences go in order, each returning at once: the enabled number's recorded means the other was skipped
        await().atMost(WAIT).until(() -> typingCount("ativa", "sent") == 1);
        assertThat(presencesOf("parada")).isEmpty();
        assertThat(typingCount("parada", "sent") + typingCount("parada", "failed")
                + typingCount("parada", "unreachable")).isZero();
    }

    // ---------------------------------------------------------------- the turn

    MockEndpoint llm;

    void adviseTurns() throws Exception {
        advise("intake-postgres", a -> a.weaveById("wake-dispatcher").replace().to("mock:wake-dispatcher"));
        advise("ask-llm", a -> a.weaveById("chat").replace().to("mock:llm"));
        advise("answer-conversation", a -> {
            a.weaveById("deliver-answer").replace().to("mock:deliver-answer");
            a.weaveById("send-fallback-now").replace().to("mock:send-fallback");
        });
        llm = getMockEndpoint("mock:llm");
    }

    void customerWrites(String instance, String id, String contact) {
        assertThat(ingest(Payloads.fixture("01-text-conversation.json").instance(instance).id(id).text("Tem pão?")
                .remoteJid(contact).remoteJidAlt(null).json())).isEqualTo("{\"status\":\"accepted\"}");
    }

    void turn() {
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("answer-conversation").wereSentTo("direct:ask-llm")
                .whenDone(1).create();
        template.sendBody("direct:dispatch-conversations", null);
        assertThat(done.matches(20, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void theTurnTypesWhileTheLlmWritesRefreshedUntilTheAnswerIsStored() throws Exception {
        adviseTurns();
        startCamel();
        // The model answers only once two presences (1 s each) have come back: the call outlasted the refresh.
        llm.whenAnyExchangeReceived(e -> {
            await().atMost(WAIT).until(() -> presencesOf("padaria").size() >= 2);
            e.getMessage().setBody(LlmAnswer.of("Tem sim!", 10, 3, 2000L, 100L));
        });
        customerWrites("padaria", "T1", "5521911110006@s.whatsapp.net");

        turn();

        assertThat(typing().isTyping(conversationId("padaria"))).as("stopped at the stored answer").isFalse();
        assertThat(presencesOf("padaria")).hasSizeGreaterThanOrEqualTo(2).allSatisfy(p -> {
            assertThat(p.number()).isEqualTo("5521911110006");
            assertThat(p.delay()).isEqualTo(1000);
        });
        // its last presence answers within its delay, and then nothing is left of the turn
        await().atMost(WAIT).until(() -> typing().size() == 0);
        int after = presencesOf("padaria").size();
        assertThat(typing().due()).isEmpty();
        assertThat(presencesOf("padaria")).hasSize(after);
    }

    @Test
    void aFailedLlmCallStopsTheTypingToo() throws Exception {
        adviseTurns();
        startCamel();
        llm.whenAnyExchangeReceived(e -> {
            assertThat(typing().size()).isEqualTo(1);
            throw new IllegalStateException("connection refused");
        });
        customerWrites("padaria-falha", "T2", "5521911110007@s.whatsapp.net");

        turn();

        assertThat(typing().isTyping(conversationId("padaria-falha"))).isFalse();
        assertThat(getMockEndpoint("mock:send-fallback").getReceivedCounter()).isEqualTo(1);
    }

    @Test
    void aNumberWithTypingOffNeverTypes() throws Exception {
        adviseTurns();
        startCamel();
        profile("calada", "{\"typing\":false}");
        List<Integer> typingDuringTheCall = new CopyOnWriteArrayList<>();
        llm.whenAnyExchangeReceived(e -> {
            typingDuringTheCall.add(typing().size());
            e.getMessage().setBody(LlmAnswer.of("Tem sim!", 10, 3, 2000L, 100L));
        });
        customerWrites("calada", "T3", "5521911110008@s.whatsapp.net");

        turn();

        assertThat(typingDuringTheCall).containsExactly(0);
        assertThat(getMockEndpoint("mock:deliver-answer").getReceivedCounter()).isEqualTo(1);
    }

    @Test
    @Settings("atende.typing.enabled=false")
    void typingCanBeSwitchedOffForEveryNumber() throws Exception {
        adviseTurns();
        startCamel();
        List<Integer> typingDuringTheCall = new CopyOnWriteArrayList<>();
        llm.whenAnyExchangeReceived(e -> {
            typingDuringTheCall.add(typing().size());
            e.getMessage().setBody(LlmAnswer.of("Tem sim!", 10, 3, 2000L, 100L));
        });
        customerWrites("padaria-off", "T4", "5521911110009@s.whatsapp.net");

        turn();

        assertThat(typingDuringTheCall).containsExactly(0);
    }

    long conversationId(String instance) {
        return Long.parseLong(value("""
                select c.id from conversations c join instances i on i.id = c.instance_id where i.name = ?""", instance));
    }

    static HttpServer stub(com.sun.net.httpserver.HttpHandler handler) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", handler);
            server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String url(HttpServer server) {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }
}
