package io.atende.painel;

import io.atende.admin.ConversationBrowser;
import io.atende.admin.ConversationHandoffs;
import io.atende.support.GatewayClock;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** What a session may read: an operator its own number only, never unmasked; the filters as the admin beans take them. */
class PainelScopeTest {

    static final PainelSession ADMIN = new PainelSession("h", null, "c", Instant.EPOCH);
    static final PainelSession OPERATOR = new PainelSession("h", "loja", "c", Instant.EPOCH);

    final GatewayClock clock = new GatewayClock();
    final PainelConversations conversations = new PainelConversations(null, new ConversationBrowser(null, clock),
            new ConversationHandoffs(null, clock, null, null));

    @Test
    void anOperatorSeesItsOwnNumberOnlyAndNeverWholePhoneNumbers() {
        PainelListQuery q = conversations.listQuery(OPERATOR, "todas", null, null, null, "true");
        assertThat(q.conversationQuery().instance()).isEqualTo("loja");
        assertThat(q.conversationQuery().unmask()).isFalse();
        PainelException other = catchThrowableOfType(PainelException.class,
                () -> conversations.listQuery(OPERATOR, "todas", "outra", null, null, null));
        assertThat(other.problem().status()).isEqualTo(404);
        assertThat(conversations.listQuery(OPERATOR, "atendente", null, null, null, "true").handoffQuery().unmask())
                .isFalse();
    }

    @Test
    void theAdminSeesAnyNumberAndMayUnmask() {
        PainelListQuery q = conversations.listQuery(ADMIN, null, null, null, null, "true");
        assertThat(q.conversationQuery().instance()).isNull();
        assertThat(q.conversationQuery().unmask()).isTrue();
        assertThat(conversations.listQuery(ADMIN, "todas", "outra", null, null, null).conversationQuery().instance())
                .isEqualTo("outra");
    }

    @Test
    void theFiltersAreTheApisStatesAndReasons() {
        assertThat(conversations.listQuery(ADMIN, "atendente", null, null, null, null).handoffs()).isTrue();
        var paused = conversations.listQuery(ADMIN, "pausadas", null, null, null, null).conversationQuery();
        assertThat(paused.state()).isEqualTo("human");
        assertThat(paused.reasons()).containsExactly("operator", "admin");
        assertThat(conversations.listQuery(ADMIN, "ia", null, null, null, null).conversationQuery().state())
                .isEqualTo("waiting");
        assertThat(conversations.listQuery(ADMIN, "optout", null, null, null, null).conversationQuery().state())
                .isEqualTo("opted_out");
        assertThat(conversations.listQuery(ADMIN, "todas", null, null, null, null).conversationQuery().reasons()).isNull();
        PainelException bad = catchThrowableOfType(PainelException.class,
                () -> conversations.listQuery(ADMIN, "nada", null, null, null, null));
        assertThat(bad.problem().status()).isEqualTo(400);
        assertThat(bad.problem().extra()).containsEntry("field", "filter");
    }

    @Test
    void anOperatorEditsTheOwnersFieldsOnly() {
        PainelProfiles profiles = new PainelProfiles(null, null, null, new io.atende.profile.ProfileJson());
        assertThat(profiles.patch(OPERATOR, "{\"facts\":\"Abrimos às 9h\"}").get("facts").asText()).isEqualTo("Abrimos às 9h");
        PainelException evolution = catchThrowableOfType(PainelException.class,
                () -> profiles.patch(OPERATOR, "{\"evolution\":{\"baseUrl\":\"http://x\"}}"));
        assertThat(evolution.problem().extra()).containsEntry("field", "evolution");
        PainelException token = catchThrowableOfType(PainelException.class,
                () -> profiles.patch(OPERATOR, "{\"operatorToken\":\"aaaaaaaaaaaaaaaaaaaaaaaa\"}"));
        assertThat(token.problem().extra()).containsEntry("field", "operatorToken");
        assertThat(profiles.patch(ADMIN, "{\"operatorToken\":\"aaaaaaaaaaaaaaaaaaaaaaaa\"}").has("operatorToken")).isTrue();
        assertThat(profiles.visible(OPERATOR, List.of(
                new io.atende.profile.InstanceSummary("loja", true, 1, "api", null, "x"),
                new io.atende.profile.InstanceSummary("outra", true, 1, "api", null, "x")))).hasSize(1);
    }
}
