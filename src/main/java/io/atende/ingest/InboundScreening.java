package io.atende.ingest;

import io.atende.ingest.InboundEvent.IgnoreReason;
import io.atende.profile.EffectiveProfile;
import io.atende.store.Sql;
import io.atende.store.Transactions;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Function;

/**
 * What the number's profile says about a customer's message, before it is stored: answer it as usual, or store it
 * as ignored with the profile's reason. In order:
 * <ol>
 *   <li>{@code enabled: false}: {@code disabled} (stored in its conversation, nothing ever sent);</li>
 *   <li>{@code ignoreJids} matching any of the contact's addresses: {@code ignore_list}; {@code allowJids} not empty and
 *       matching none: {@code not_allowed};</li>
 *   <li>a keyword {@code trigger}: a message that does not match it is {@code no_trigger} until the conversation has
 *       started, i.e. holds a message accepted for the LLM.</li>
 * </ol>
 * What the parser ignored already stays so, with its own reason: groups are never answered, whatever the lists say
 * (Evolution's own bots answer groups anyway, evolution-api #673).
 * <p>
 * A contact is one person whether WhatsApp addresses it by phone or by LID: the lists are matched against every
 * address the event carries, and, when it carries only one of them, the other one learnt in {@code contact_aliases}.
 * The database is read only for a number with lists (the alias) or a keyword trigger (has it started?); any other
 * message is screened from the cached profile alone.
 */
public final class InboundScreening {

    /** Inbound statuses of a message that was accepted for the LLM: its conversation has started. */
    private static final String STARTED =
            "('waiting', 'transcribing', 'answering', 'answered', 'fallback', 'human', 'out_of_hours')";

    private final Transactions tx;
    private final Function<String, EffectiveProfile> profiles;

    /** @param profiles the effective profile of an instance ({@code InstanceProfiles::of}) */
    public InboundScreening(Transactions tx, Function<String, EffectiveProfile> profiles) {
        this.tx = tx;
        this.profiles = profiles;
    }

    /** The event as the pipeline goes on with it: unchanged, or ignored for the profile's reason. */
    public InboundEvent screen(InboundEvent e) {
        if (e.waMessageId() == null || e.isIgnored()) {
            return e; // not a message, or ignored already (group, broadcast, our own, reaction...)
        }
        EffectiveProfile p = profiles.apply(e.instance());
        if (!p.enabled()) {
            return e.ignoredBecause(IgnoreReason.DISABLED);
        }
        Set<String> addresses = null;
        if (!p.ignoreJids().isEmpty() || !p.allowJids().isEmpty()) {
            addresses = addresses(e);
            if (p.ignores(addresses)) {
                return e.ignoredBecause(IgnoreReason.IGNORE_LIST);
            }
            if (!p.allows(addresses)) {
                return e.ignoredBecause(IgnoreReason.NOT_ALLOWED);
            }
        }
        if (!p.trigger().startsOnAnyMessage() && !p.trigger().matches(e.text())
                && !started(e, addresses != null ? addresses : addresses(e))) {
            return e.ignoredBecause(IgnoreReason.NO_TRIGGER);
        }
        return e;
    }

    /**
     * Every address of the contact: the chat, the phone and the LID the event carries, and when it lacks the phone or
     * the LID, the one learnt for the other in {@code contact_aliases} (one indexed read).
     */
    Set<String> addresses(InboundEvent e) {
        Set<String> all = new LinkedHashSet<>();
        for (String a : new String[]{e.chatJid(), e.contactJid(), e.phoneJid(), e.lidJid()}) {
            if (a != null) {
                all.add(a);
            }
        }
        if (e.phoneJid() != null && e.lidJid() != null || all.isEmpty()) {
            return all;
        }
        String[] known = all.toArray(String[]::new);
        tx.inOneStatement(c -> {
            Sql.query(c, """
                    select a.lid_jid, a.phone_jid from contact_aliases a join instances i on i.id = a.instance_id
                     where i.name = ? and (a.lid_jid = any(?) or a.phone_jid = any(?))""",
                    rs -> {
                        all.add(rs.getString(1));
                        all.add(rs.getString(2));
                        return null;
                    }, e.instance(), known, known);
            return null;
        });
        return all;
    }

    /** Has this contact's conversation a message that was accepted for the LLM? */
    private boolean started(InboundEvent e, Set<String> addresses) {
        String[] keys = addresses.toArray(String[]::new);
        return tx.inOneStatement(c -> Sql.oneLong(c, """
                select m.id from messages m
                  join conversations c on c.id = m.conversation_id join instances i on i.id = c.instance_id
                 where i.name = ? and c.contact_jid = any(?) and m.direction = 'in' and m.status in %s
                 limit 1""".formatted(STARTED), e.instance(), keys) != null);
    }
}
