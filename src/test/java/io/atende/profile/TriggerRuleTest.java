package io.atende.profile;

import io.atende.profile.InstanceProfile.Trigger;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TriggerRuleTest {

    @Test
    void withoutATriggerEveryMessageStartsAConversation() {
        assertThat(TriggerRule.of(null).startsOnAnyMessage()).isTrue();
        assertThat(TriggerRule.of(new Trigger("all", null, null)).matches(null)).isTrue();
    }

    @Test
    void keywordsCompareWithoutCaseOrSurroundingBlanks() {
        assertThat(TriggerRule.of(new Trigger("keyword", "equals", "Olá")).matches("  olá ")).isTrue();
        assertThat(TriggerRule.of(new Trigger("keyword", "equals", "Olá")).matches("olá, tudo bem?")).isFalse();
        assertThat(TriggerRule.of(new Trigger("keyword", "contains", "pedido")).matches("Sobre meu PEDIDO")).isTrue();
        assertThat(TriggerRule.of(new Trigger("keyword", "startsWith", "#loja")).matches("#LOJA centro")).isTrue();
        assertThat(TriggerRule.of(new Trigger("keyword", "startsWith", "#loja")).matches("oi #loja")).isFalse();
        assertThat(TriggerRule.of(new Trigger("keyword", "contains", "pedido")).matches(null)).isFalse();
    }

    @Test
    void aRegexIsSearchedInTheTextAsWritten() {
        TriggerRule rule = TriggerRule.of(new Trigger("keyword", "regex", "^pedido\\s+\\d+$"));
        assertThat(rule.matches("pedido 123")).isTrue();
        assertThat(rule.matches("Pedido 123")).isFalse();
    }

    @Test
    void badTriggersAreRejected() {
        assertThatThrownBy(() -> TriggerRule.of(new Trigger("sometimes", null, null)))
                .hasMessageContaining("trigger.type");
        assertThatThrownBy(() -> TriggerRule.of(new Trigger("keyword", "endsWith", "x")))
                .hasMessageContaining("trigger.operator");
        assertThatThrownBy(() -> TriggerRule.of(new Trigger("keyword", "equals", " ")))
                .hasMessageContaining("trigger.value");
        assertThatThrownBy(() -> TriggerRule.of(new Trigger("keyword", "regex", "([a-z")))
                .hasMessageContaining("regular expression");
        assertThatThrownBy(() -> TriggerRule.of(new Trigger("all", "equals", "x")))
                .hasMessageContaining("'all'");
    }
}
