package io.atende.ingest;

import io.atende.ingest.InboundEvent.IgnoreReason;
import io.atende.profile.EffectiveProfile;
import io.atende.store.Sql;
import io.atende.support.MigratedDatabase;
import io.atende.support.Profiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a number's profile does to a customer's message before it is stored (InboundScreening), against a real
 * PostgreSQL for the learnt LID aliases and for "has this conversation started?".
 */
class InboundScreeningTest {

    static final String PHONE = "5521987654321@s.whatsapp.net";
    static final String LID = "118204461933712@lid";
    static final String GROUP = "120363025246125486@g.us";
    static final AtomicInteger IDS = new AtomicInteger();

    @RegisterExtension
    final MigratedDatabase db = new MigratedDatabase();

    final Map<String, EffectiveProfile> profiles = new HashMap<>();

    InboundScreening screening() {
        return new InboundScreening(db.tx(), i -> profiles.getOrDefault(i, EffectiveProfile.defaults(i, Profiles.DEFAULTS)));
    }

    void profile(String instance, String json) {
        profiles.put(instance, Profiles.effective(instance, json));
    }

    static InboundEvent text(String instance, String phone, String lid, String text) {
        String contact = phone != null ? phone : lid;
        return new InboundEvent(instance, "messages.upsert", "WA" + IDS.incrementAndGet(), contact, contact, phone, lid,
                false, "Ana", InboundEvent.Kind.TEXT, text, "conversation", null, Instant.now());
    }

    static InboundEvent media(String instance, String phone) {
        return new InboundEvent(instance, "messages.upsert", "WA" + IDS.incrementAndGet(), phone, phone, phone, null,
                false, "Ana", InboundEvent.Kind.MEDIA_WITHOUT_TEXT, null, "audioMessage", null, Instant.now());
    }

    static InboundEvent group(String instance) {
        return new InboundEvent(instance, "messages.upsert", "WA" + IDS.incrementAndGet(), GROUP, GROUP, null, null,
                false, "Ana", InboundEvent.Kind.IGNORED, null, "conversation", IgnoreReason.GROUP, Instant.now());
    }

    IgnoreReason reason(InboundEvent e) {
        return screening().screen(e).ignoreReason();
    }

    @Test
    void withoutAProfileEveryCustomerMessageGoesOnUnchanged() {
        InboundEvent e = text("loja", PHONE, null, "oi");
        assertThat(screening().screen(e)).isSameAs(e);
    }

    @Test
    void aDisabledNumberKeepsTheMessageWithItsTextButNeverAnswersIt() {
        profile("loja", "{\"enabled\":false}");

        InboundEvent screened = screening().screen(text("loja", PHONE, null, "oi, tem horário?"));

        assertThat(screened.isIgnored()).isTrue();
        assertThat(screened.ignoreReason()).isEqualTo(IgnoreReason.DISABLED);
        assertThat(screened.ignoreReason().code()).isEqualTo("disabled");
        assertThat(screened.text()).isEqualTo("oi, tem horário?");
        assertThat(screened.needsAnswer()).isFalse();
        assertThat(reason(media("loja", PHONE))).isEqualTo(IgnoreReason.DISABLED);
    }

    @Test
    void eachWildcardOfTheIgnoreListMatchesItsServer() {
        profile("phones", "{\"ignoreJids\":[\"@s.whatsapp.net\"]}");
        profile("lids", "{\"ignoreJids\":[\"@lid\"]}");

        assertThat(reason(text("phones", PHONE, null, "oi"))).isEqualTo(IgnoreReason.IGNORE_LIST);
        assertThat(reason(text("phones", null, LID, "oi"))).isNull();
        assertThat(reason(text("lids", null, LID, "oi"))).isEqualTo(IgnoreReason.IGNORE_LIST);
        // The same contact by phone and LID in one event: the LID wildcard matches it too.
        assertThat(reason(text("lids", PHONE, LID, "oi"))).isEqualTo(IgnoreReason.IGNORE_LIST);
        assertThat(reason(text("lids", PHONE, null, "oi"))).isNull();
        assertThat(IgnoreReason.IGNORE_LIST.code()).isEqualTo("ignore_list");
    }

    @Test
    void groupsStayUnansweredWhateverTheListsSay() {
        profile("loja", "{\"allowJids\":[\"@g.us\"]}");
        profile("outra", "{\"ignoreJids\":[\"@g.us\"]}");

        assertThat(reason(group("loja"))).isEqualTo(IgnoreReason.GROUP);
        assertThat(reason(group("outra"))).isEqualTo(IgnoreReason.GROUP);
        // allowJids of groups only: no one-to-one contact is allowed
        assertThat(reason(text("loja", PHONE, null, "oi"))).isEqualTo(IgnoreReason.NOT_ALLOWED);
        assertThat(reason(text("outra", PHONE, null, "oi"))).isNull();
    }

    @Test
    void aContactIgnoredByItsPhoneIsIgnoredWhenItWritesFromItsLidAlone() {
        profile("loja", "{\"ignoreJids\":[\"5521987654321\"]}");
        assertThat(reason(text("loja", null, LID, "oi"))).as("alias not learnt yet").isNull();

        long instance = db.tx().inTransaction(c -> Sql.oneLong(c,
                "insert into instances (name) values ('loja') returning id"));
        db.tx().inTransaction(c -> Sql.update(c,
                "insert into contact_aliases (instance_id, lid_jid, phone_jid) values (?, ?, ?)", instance, LID, PHONE));

        assertThat(reason(text("loja", null, LID, "oi"))).isEqualTo(IgnoreReason.IGNORE_LIST);
        assertThat(reason(text("loja", PHONE, null, "oi"))).isEqualTo(IgnoreReason.IGNORE_LIST);
    }

    @Test
    void aContactListedByItsLidIsIgnoredWhenItWritesByPhoneOnceTheAliasIsKnown() {
        profile("loja", "{\"ignoreJids\":[\"" + LID + "\"]}");
        long instance = db.tx().inTransaction(c -> Sql.oneLong(c,
                "insert into instances (name) values ('loja') returning id"));
        db.tx().inTransaction(c -> Sql.update(c,
                "insert into contact_aliases (instance_id, lid_jid, phone_jid) values (?, ?, ?)", instance, LID, PHONE));

        assertThat(reason(text("loja", PHONE, null, "oi"))).isEqualTo(IgnoreReason.IGNORE_LIST);
        assertThat(reason(text("loja", "5511911112222@s.whatsapp.net", null, "oi"))).isNull();
    }

    @Test
    void theAllowListAdmitsOnlyItsContactsAndTheIgnoreListWinsOverIt() {
        profile("loja", "{\"allowJids\":[\"5521987654321\", \"@lid\"], \"ignoreJids\":[\"" + LID + "\"]}");

        assertThat(reason(text("loja", PHONE, null, "oi"))).isNull();
        assertThat(reason(text("loja", "5511911112222@s.whatsapp.net", null, "oi"))).isEqualTo(IgnoreReason.NOT_ALLOWED);
        assertThat(reason(text("loja", null, "999999999999@lid", "oi"))).isNull();
        assertThat(reason(text("loja", null, LID, "oi"))).isEqualTo(IgnoreReason.IGNORE_LIST);
        assertThat(IgnoreReason.NOT_ALLOWED.code()).isEqualTo("not_allowed");
    }

    @Test
    void aKeywordTriggerStartsTheConversationWhichThenGoesOnWithoutIt() {
        profile("loja", "{\"trigger\":{\"type\":\"keyword\",\"operator\":\"startsWith\",\"value\":\"Quero atendimento\"}}");

        assertThat(reason(text("loja", PHONE, null, "oi"))).isEqualTo(IgnoreReason.NO_TRIGGER);
        assertThat(reason(media("loja", PHONE))).isEqualTo(IgnoreReason.NO_TRIGGER);
        assertThat(reason(text("loja", PHONE, null, "quero ATENDIMENTO, por favor"))).isNull();
        assertThat(IgnoreReason.NO_TRIGGER.code()).isEqualTo("no_trigger");

        // A message accepted for the LLM is stored (here by hand): the conversation has started.
        storeMessage("loja", PHONE, "answered");
        assertThat(reason(text("loja", PHONE, null, "e o preço?"))).isNull();
        assertThat(reason(media("loja", PHONE))).isNull();
        // Another contact of the same number has not.
        assertThat(reason(text("loja", "5511911112222@s.whatsapp.net", null, "oi"))).isEqualTo(IgnoreReason.NO_TRIGGER);
    }

    @Test
    void messagesIgnoredForWantOfTheKeywordDoNotStartTheConversation() {
        profile("loja", "{\"trigger\":{\"type\":\"keyword\",\"operator\":\"equals\",\"value\":\"menu\"}}");
        storeMessage("loja", PHONE, "ignored");

        assertThat(reason(text("loja", PHONE, null, "oi"))).isEqualTo(IgnoreReason.NO_TRIGGER);
        assertThat(reason(text("loja", PHONE, null, " MENU "))).isNull();
    }

    @Test
    void aConversationKeyedByThePhoneHasStartedForItsLidToo() {
        profile("loja", "{\"trigger\":{\"type\":\"keyword\",\"operator\":\"regex\",\"value\":\"^#\\\\d+\"}}");
        long instance = storeMessage("loja", PHONE, "waiting");
        db.tx().inTransaction(c -> Sql.update(c,
                "insert into contact_aliases (instance_id, lid_jid, phone_jid) values (?, ?, ?)", instance, LID, PHONE));

        assertThat(reason(text("loja", null, LID, "oi"))).isNull();
        assertThat(reason(text("loja", null, "999999999999@lid", "oi"))).isEqualTo(IgnoreReason.NO_TRIGGER);
        assertThat(reason(text("loja", null, "999999999999@lid", "#42"))).isNull();
    }

    @Test
    void theDisabledFlagComesFirstAndWhatTheParserIgnoredKeepsItsReason() {
        profile("loja", "{\"enabled\":false, \"ignoreJids\":[\"@s.whatsapp.net\"]}");

        assertThat(reason(text("loja", PHONE, null, "oi"))).isEqualTo(IgnoreReason.DISABLED);
        assertThat(reason(group("loja"))).isEqualTo(IgnoreReason.GROUP);
    }

    /** One inbound message of the contact's conversation, in this status; returns the instance's id. */
    long storeMessage(String instance, String contact, String status) {
        return db.tx().inTransaction(c -> {
            long i = Sql.oneLong(c, """
                    insert into instances (name) values (?) on conflict (name) do update set name = excluded.name
                    returning id""", instance);
            long conversation = Sql.oneLong(c, """
                    insert into conversations (instance_id, contact_jid) values (?, ?) returning id""", i, contact);
            Sql.update(c, """
                    insert into messages (instance_id, conversation_id, direction, wa_message_id, remote_jid, kind, text,
                                          status)
                    values (?, ?, 'in', ?, ?, 'text', 'oi', ?)""", i, conversation, "S" + IDS.incrementAndGet(),
                    contact, status);
            return i;
        });
    }
}
