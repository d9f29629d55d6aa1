package io.atende.e2e;

import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.profile.InstanceProfiles;
import io.atende.support.AtendeRunner;
import io.atende.support.Http;
import io.atende.support.Jwt;
import io.atende.support.Payloads;
import io.atende.support.Profiles;
import io.atende.support.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 12, each number its own business, end to end over real sockets: the gateway in this JVM with real PostgreSQL,
 * the Ollama stand-in, the environment's Evolution stand-in and a second one (another server, another key) for the
 * numbers whose profile says so. Profiles are written into instance_profiles as the admin API writes them. Each test
 * uses its own instance names. Absence ("nothing was sent") is asserted after a later message of the same test was
 * answered: replies of one gateway go out in the order their turns were claimed, so by then an earlier one would be
 * there.
 */
class ProfilesPerNumberE2ETest {

    static final String TOKEN = "global-webhook-token-" + UUID.randomUUID();
    static final String EVOLUTION_KEY = "evo-key-global";
    static final String OTHER_KEY = "evo-key-of-the-other-server";
    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dataDir;

    static OllamaFixture ollama;
    static EvolutionFixture evolution;
    static EvolutionFixture otherEvolution;
    static AtendeRunner app;
    static String dbUrl;

    @BeforeAll
    static void start() {
        ollama = OllamaFixture.start();
        evolution = EvolutionFixture.start(EVOLUTION_KEY);
        otherEvolution = EvolutionFixture.start(OTHER_KEY);
        dbUrl = TestPostgres.newDatabase();
        app = new AtendeRunner()
                .database(dbUrl, dataDir)
                .set("atende.webhook.token", TOKEN)
                .set("atende.ollama.base-url", ollama.baseUrl())
                .set("atende.evolution.base-url", evolution.baseUrl())
                .set("atende.evolution.api-key", EVOLUTION_KEY)
                .start();
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        for (AutoCloseable c : new AutoCloseable[]{ollama, evolution, otherEvolution}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // closing stand-ins
            }
        }
    }

    static String newInstance(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String newId() {
        return "3A" + UUID.randomUUID().toString().replace("-", "").substring(0, 18).toUpperCase();
    }

    /** Writes the profile as the admin API would, and has this gateway's cache see it now. */
    static void profile(String instance, String json) {
        Profiles.write(dbUrl, instance, json);
        app.context().getRegistry().lookupByNameAndType("instanceProfiles", InstanceProfiles.class).invalidate();
    }

    static HttpResponse<String> webhook(String json) {
        return webhookWith(TOKEN, json);
    }

    static HttpResponse<String> webhookWith(String token, String json) {
        return Http.post(app.baseUrl() + "/webhooks/evolution", json, "Authorization", "Bearer " + token);
    }

    static Payloads text(String instance, String text) {
        return Payloads.fixture("01-text-conversation.json").instance(instance).id(newId()).text(text);
    }

    static List<EvolutionFixture.SentText> sentTo(EvolutionFixture evo, String instance) {
        return evo.sent().stream().filter(s -> s.instance().equals(instance)).toList();
    }

    static List<EvolutionFixture.SentText> awaitSent(String instance, int n) {
        await().atMost(WAIT).until(() -> sentTo(evolution, instance).size() >= n);
        return sentTo(evolution, instance);
    }

    static OllamaFixture.ChatCall callWith(String marker) {
        return ollama.calls().stream()
                .filter(c -> c.lastUserContent().contains(marker)).findFirst()
                .orElseThrow(() -> new AssertionError("no LLM call for " + marker));
    }

    @Test
    void twoNumbersWithTheirOwnPersonaFactsAndModelWhosePromptsNeverMix() {
        String padaria = newInstance("padaria");
        String oficina = newInstance("oficina");
        profile(padaria, """
                {"systemPrompt":"Você é a Clara, atendente da Padaria Trigo Bom.",
                 "facts":"## Horário\\nTodos os dias, das 6h às 20h.\\n## Preços\\nPão francês: R$ 0,90",
                 "model":"llama3.1:8b","temperature":0.2,"numPredict":200}""");
        profile(oficina, """
                {"systemPrompt":"Você é o Beto, atendente da Oficina Roda Viva.",
                 "facts":"Troca de óleo: R$ 120. Fechado aos domingos."}""");
        String askBakery = "que horas abrem? " + UUID.randomUUID();
        String askGarage = "quanto custa a troca? " + UUID.randomUUID();

        assertThat(webhook(text(padaria, askBakery).json()).body()).contains("accepted");
        assertThat(webhook(text(oficina, askGarage).json()).body()).contains("accepted");
        awaitSent(padaria, 1);
        awaitSent(oficina, 1);

        OllamaFixture.ChatCall bakery = callWith(askBakery);
        OllamaFixture.ChatCall garage = callWith(askGarage);
        String bakerySystem = bakery.messages().get(0).content();
        String garageSystem = garage.messages().get(0).content();
        assertThat(bakery.messages().get(0).role()).isEqualTo("system");
        assertThat(bakerySystem).startsWith("Você é a Clara, atendente da Padaria Trigo Bom.")
                .contains("Informações do negócio", "Todos os dias, das 6h às 20h.", "Pão francês: R$ 0,90")
                .doesNotContain("Oficina", "Beto", "óleo");
        assertThat(garageSystem).startsWith("Você é o Beto, atendente da Oficina Roda Viva.")
                .contains("Troca de óleo: R$ 120.").doesNotContain("Padaria", "Clara", "Pão");
        // the numbers' own LLM settings, on the wire; num_ctx the same for both
        assertThat(bakery.model()).isEqualTo("llama3.1:8b");
        assertThat(((Number) bakery.option("temperature")).doubleValue()).isEqualTo(0.2);
        assertThat(bakery.option("num_predict")).isEqualTo(200);
        assertThat(garage.model()).isEqualTo("mistral");
        assertThat(bakery.option("num_ctx")).isEqualTo(4096);
        assertThat(garage.option("num_ctx")).isEqualTo(4096);

        // Every turn carries the facts, the second one too.
        String again = "e aos domingos? " + UUID.randomUUID();
        webhook(text(padaria, again).json());
        awaitSent(padaria, 2);
        assertThat(callWith(again).messages().get(0).content()).isEqualTo(bakerySystem);
    }

    @Test
    void aNumberOnAnotherEvolutionServerIsAnsweredThroughItWithItsOwnKey() {
        String elsewhere = newInstance("outro-servidor");
        profile(elsewhere, "{\"evolution\":{\"baseUrl\":\"" + otherEvolution.baseUrl() + "/\",\"apiKey\":\""
                + OTHER_KEY + "\"}}");
        String marker = "pelo outro servidor " + UUID.randomUUID();

        assertThat(webhook(text(elsewhere, marker).json()).body()).contains("accepted");

        await().atMost(WAIT).until(() -> sentTo(otherEvolution, elsewhere).size() >= 1);
        assertThat(sentTo(otherEvolution, elsewhere).get(0).text()).isEqualTo("Resposta: " + marker);
        assertThat(sentTo(otherEvolution, elsewhere).get(0).number()).isEqualTo("5521987654321");
        // the other server refuses any other key (401): the one request it got carried this number's key
        assertThat(otherEvolution.attempts().stream().filter(a -> a.instance().equals(elsewhere)))
                .allSatisfy(a -> assertThat(a.status()).isEqualTo(201));

        // A number without its own Evolution still goes through the environment's, with the environment's key.
        String home = newInstance("casa");
        String homeMarker = "pelo servidor da casa " + UUID.randomUUID();
        webhook(text(home, homeMarker).json());
        assertThat(awaitSent(home, 1).get(0).text()).isEqualTo("Resposta: " + homeMarker);
        assertThat(sentTo(evolution, elsewhere)).isEmpty();
        assertThat(sentTo(otherEvolution, home)).isEmpty();
    }

    @Test
    void aNumbersOwnWebhookTokenIsAcceptedForItsOwnInstanceOnly() {
        String own = newInstance("token-proprio");
        String other = newInstance("token-global");
        String ownToken = "token-of-" + own + "-" + UUID.randomUUID();
        profile(own, "{\"evolution\":{\"webhookToken\":\"" + ownToken + "\"}}");
        long now = System.currentTimeMillis() / 1000;
        String url = app.baseUrl() + "/webhooks/evolution";
        String byEvent = url + "/messages-upsert";

        assertThat(webhookWith(ownToken, text(own, "oi").json()).statusCode()).isEqualTo(200);
        assertThat(Http.post(byEvent, text(own, "oi").json(), "Authorization", "Bearer " + ownToken).statusCode())
                .isEqualTo(200);
        assertThat(Http.post(url + "?token=" + ownToken, text(own, "oi").json()).statusCode()).isEqualTo(200);
        assertThat(Http.post(url, text(own, "oi").json(), "Authorization",
                "Bearer " + Jwt.hs256(ownToken, now, now + 600)).statusCode()).isEqualTo(200);

        // the global token no longer authenticates this instance, on either URL
        assertThat(webhookWith(TOKEN, text(own, "oi").json()).statusCode()).isEqualTo(401);
        assertThat(Http.post(byEvent, text(own, "oi").json(), "Authorization", "Bearer " + TOKEN).statusCode())
                .isEqualTo(401);
        // and its token authenticates no other instance
        HttpResponse<String> borrowed = webhookWith(ownToken, text(other, "oi").json());
        assertThat(borrowed.statusCode()).isEqualTo(401);
        assertThat(borrowed.body()).contains("\"error\":\"unauthorized\"");
        assertThat(Http.post(byEvent, text(other, "oi").json(), "Authorization", "Bearer " + ownToken).statusCode())
                .isEqualTo(401);
        assertThat(webhookWith(TOKEN, text(other, "oi").json()).statusCode()).isEqualTo(200);

        // an unknown caller gets 401 whatever it posts; a known one gets 400 for a body that is not a webhook
        assertThat(webhookWith("unknown", "{not json").statusCode()).isEqualTo(401);
        assertThat(Http.post(byEvent, "{not json", "Authorization", "Bearer unknown").statusCode()).isEqualTo(401);
        assertThat(webhookWith(ownToken, "{not json").statusCode()).isEqualTo(400);

        // nothing refused was stored: 4 messages from the own instance's customer, 1 from the other's (inbound only:
        // the gateway may already have stored its answers to the accepted ones)
        assertThat(rows("select count(*) from messages m join instances i on i.id = m.instance_id where i.name = '"
                + own + "' and m.direction = 'in'")).containsExactly("4");
        assertThat(rows("select count(*) from messages m join instances i on i.id = m.instance_id where i.name = '"
                + other + "' and m.direction = 'in'")).containsExactly("1");
    }

    @Test
    void aKeywordTriggerStartsTheConversationAndItGoesOnWithoutIt() {
        String inst = newInstance("gatilho");
        profile(inst, "{\"trigger\":{\"type\":\"keyword\",\"operator\":\"contains\",\"value\":\"atendimento\"}}");
        String before = "bom dia " + UUID.randomUUID();
        String start = "quero ATENDIMENTO " + UUID.randomUUID();
        String after = "qual o preço? " + UUID.randomUUID();

        HttpResponse<String> ignored = webhook(text(inst, before).json());
        assertThat(ignored.body()).isEqualTo("{\"status\":\"ignored\",\"reason\":\"no_trigger\"}");
        HttpResponse<String> media = webhook(Payloads.fixture("04-audio-ptt.json").instance(inst).id(newId()).json());
        assertThat(media.body()).isEqualTo("{\"status\":\"ignored\",\"reason\":\"no_trigger\"}");

        assertThat(webhook(text(inst, start).json()).body()).contains("accepted");
        assertThat(awaitSent(inst, 1).get(0).text()).isEqualTo("Resposta: " + start);
        assertThat(webhook(text(inst, after).json()).body()).contains("accepted");
        assertThat(awaitSent(inst, 2).get(1).text()).isEqualTo("Resposta: " + after);

        // the message before the keyword was stored in the conversation, never sent to the LLM nor answered
        assertThat(sentTo(evolution, inst)).hasSize(2);
        assertThat(ollama.calls().stream().filter(c -> c.messages().stream().anyMatch(m -> m.content().contains(before))))
                .isEmpty();
        assertThat(rows("select m.status || ' ' || m.ignore_reason || ' ' || (m.conversation_id is not null)"
                + " from messages m where m.text = '" + before + "'")).containsExactly("ignored no_trigger true");
    }

    @Test
    void ignoreListsWithEachWildcardIncludingLidAndGroupsNeverAnswered() {
        String noLids = newInstance("sem-lid");
        String noPhones = newInstance("sem-fone");
        String groupsAllowed = newInstance("grupos");
        profile(noLids, "{\"ignoreJids\":[\"@lid\"]}");
        profile(noPhones, "{\"ignoreJids\":[\"@s.whatsapp.net\"]}");
        profile(groupsAllowed, "{\"allowJids\":[\"@g.us\",\"5521987654321\"]}");
        String lid = "118204461933712@lid";
        String run = UUID.randomUUID().toString();

        // @lid: a LID-only contact, and a contact known by both (the same person)
        assertThat(webhook(text(noLids, "lid " + run).remoteJid(lid).remoteJidAlt(null).json()).body())
                .isEqualTo("{\"status\":\"ignored\",\"reason\":\"ignore_list\"}");
        assertThat(webhook(text(noLids, "ambos " + run).remoteJid(lid).remoteJidAlt("5531911112222@s.whatsapp.net")
                .json()).body()).isEqualTo("{\"status\":\"ignored\",\"reason\":\"ignore_list\"}");
        // @s.whatsapp.net
        assertThat(webhook(text(noPhones, "fone " + run).json()).body())
                .isEqualTo("{\"status\":\"ignored\",\"reason\":\"ignore_list\"}");
        // @g.us in the allow list: groups are still never answered; a phone outside it is not allowed
        assertThat(webhook(Payloads.fixture("05-group-message.json").instance(groupsAllowed).id(newId()).json()).body())
                .isEqualTo("{\"status\":\"ignored\",\"reason\":\"group\"}");
        assertThat(webhook(text(groupsAllowed, "de fora " + run).remoteJid("5511955554444@s.whatsapp.net").json())
                .body()).isEqualTo("{\"status\":\"ignored\",\"reason\":\"not_allowed\"}");

        // The others are answered: a phone on the LID-ignoring number, a LID on the phone-ignoring one, the allowed one.
        webhook(text(noLids, "fone ok " + run).json());
        webhook(text(noPhones, "lid ok " + run).remoteJid(lid).remoteJidAlt(null).json());
        webhook(text(groupsAllowed, "permitido " + run).json());
        assertThat(awaitSent(noLids, 1)).extracting(EvolutionFixture.SentText::text)
                .containsExactly("Resposta: fone ok " + run);
        assertThat(awaitSent(noPhones, 1)).extracting(EvolutionFixture.SentText::text)
                .containsExactly("Resposta: lid ok " + run);
        assertThat(awaitSent(groupsAllowed, 1)).extracting(EvolutionFixture.SentText::text)
                .containsExactly("Resposta: permitido " + run);
        assertThat(awaitSent(noPhones, 1).get(0).number()).isEqualTo(lid);
    }

    @Test
    void aDisabledNumberStoresEverythingAndSendsNothingNotEvenWhatWasQueued() throws Exception {
        String off = newInstance("desligado");
        String control = newInstance("controle");
        profile(off, "{\"enabled\":false}");
        String stored = "mensagem guardada " + UUID.randomUUID();

        assertThat(webhook(text(off, stored).json()).body()).isEqualTo("{\"status\":\"ignored\",\"reason\":\"disabled\"}");
        assertThat(webhook(Payloads.fixture("04-audio-ptt.json").instance(off).id(newId()).json()).body())
                .as("no media notice").isEqualTo("{\"status\":\"ignored\",\"reason\":\"disabled\"}");
        assertThat(rows("select m.status || ' ' || m.ignore_reason || ' ' || c.contact_jid from messages m"
                + " join conversations c on c.id = m.conversation_id where m.text = '" + stored + "'"))
                .containsExactly("ignored disabled 5521987654321@s.whatsapp.net");

        // A reply already on its way when the number is disabled does not go out either: the LLM call is held, the
        // number disabled meanwhile, then the answer is stored and handed to delivery.
        String late = newInstance("desligado-depois");
        String question = "pergunta antes de desligar " + UUID.randomUUID();
        ollama.hang();
        try {
            assertThat(webhook(text(late, question).json()).body()).contains("accepted");
            await().atMost(WAIT).until(() -> ollama.calls().stream().anyMatch(c -> c.lastUserContent().equals(question)));
            profile(late, "{\"enabled\":false}");
        } finally {
            ollama.release();
        }
        await().atMost(WAIT).until(() -> !rows("select d.reason from dead_letters d where d.instance = '" + late + "'")
                .isEmpty());
        assertThat(rows("select d.reason from dead_letters d where d.instance = '" + late + "'"))
                .containsExactly("instance disabled: nothing is sent for this number");
        assertThat(rows("select m.status from messages m join instances i on i.id = m.instance_id"
                + " where i.name = '" + late + "' and m.direction = 'out'")).containsExactly("dead");

        // A later message of another number is answered: by then anything sent for the disabled ones would be there.
        webhook(text(control, "controle").json());
        awaitSent(control, 1);
        assertThat(sentTo(evolution, off)).isEmpty();
        assertThat(sentTo(evolution, late)).isEmpty();
        assertThat(evolution.attempts().stream().filter(a -> a.instance().equals(off) || a.instance().equals(late)))
                .isEmpty();
    }

    @Test
    void theNumbersOwnMediaNoticeAndNoneWhenItsTextIsEmpty() {
        String own = newInstance("midia-propria");
        String silent = newInstance("midia-muda");
        profile(own, "{\"texts\":{\"media\":\"Aqui só lemos texto, por favor escreva.\"}}");
        profile(silent, "{\"texts\":{\"media\":\"\"}}");

        assertThat(webhook(Payloads.fixture("04-audio-ptt.json").instance(own).id(newId()).json()).body())
                .isEqualTo("{\"status\":\"noticed\"}");
        assertThat(webhook(Payloads.fixture("04-audio-ptt.json").instance(silent).id(newId()).json()).body())
                .isEqualTo("{\"status\":\"ignored\",\"reason\":\"media_without_text\"}");
        assertThat(awaitSent(own, 1).get(0).text()).isEqualTo("Aqui só lemos texto, por favor escreva.");
    }

    static List<String> rows(String sql) {
        try (Connection c = DriverManager.getConnection(dbUrl, "postgres", "");
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
