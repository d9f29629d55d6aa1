-- Gateway overhead (issue 4): a claim round and the storing of an answer each become one call, one round trip to
-- PostgreSQL, instead of a transaction of five to eight statements sent one by one from the gateway. Each
-- statement sent separately is a round trip between two processes that must both be scheduled, and on a small,
-- shared VPS the waits for that scheduling, not the statements' work, made the tail of the time between a
-- customer's message and the LLM call (and between the LLM's answer and the sendText). The logic is unchanged; it
-- moved here from ConversationQueue, which calls these in autocommit mode (the call is its own transaction).
--
-- Both commit without waiting for the WAL flush (synchronous_commit off for their own transaction only): neither
-- is a promise made to anyone outside. If PostgreSQL itself crashed and lost a claim, the messages are simply
-- waiting again, and the answer of the lost turn is discarded because the conversation is no longer 'answering'
-- under this lease; if it lost a stored answer, that turn is claimed and answered again. No reply can go out on a
-- lost commit: the send attempt that precedes every sendText (DeliveryStore.attemptStarted) commits synchronously,
-- and a synchronous commit flushes the whole WAL before it, the answer included. The webhook's commit, which the
-- ack promises, stays synchronous (GroupCommit).

-- One claim round: as many ready conversations as there are free LLM slots, the instance served least recently
-- first (round robin), inside it the conversation waiting longest. Claims are serialised by a transaction-scoped
-- advisory lock, so the conversations in 'answering' never outnumber p_slots, whatever the number of claimers or
-- replicas. Each claimed conversation moves to 'answering' under the caller's lease; its waiting messages move to
-- 'answering' and come back, oldest first, with the conversation's history: its last p_history_turns answered
-- customer texts and stored answers, oldest first (what sql/history.sql loaded in a second round trip before V9).
-- A conversation marked waiting that has no waiting message left (a stale marker) is cleared and does not use a
-- slot.
create or replace function atende_claim_turns(
    p_slots           integer,
    p_debounce_ms     bigint,
    p_debounce_max_ms bigint,
    p_owner           text,
    p_lease_ms        bigint,
    p_history_turns   integer)
returns table (conversation_id bigint, instance_id bigint, instance text, contact_jid text, waited_ms bigint,
               message_ids bigint[], texts text[], history_directions text[], history_texts text[])
language plpgsql
as $$
#variable_conflict use_column
declare
    v_free  bigint;
    v_next  record;
    v_ids   bigint[];
    v_texts text[];
    v_hdirs text[];
    v_htexts text[];
begin
    perform set_config('synchronous_commit', 'off', true); -- see the header
    perform pg_advisory_xact_lock(1635020388); -- 0x61746e64, "atnd": the key ConversationQueue used before V9
    select p_slots - count(*) into v_free from conversations c where c.state = 'answering';
    while v_free > 0 loop
        select c.id, c.instance_id, i.name, c.contact_jid,
               (extract(epoch from now() - c.waiting_since) * 1000)::bigint as waited
          into v_next
          from conversations c join instances i on i.id = c.instance_id
         where c.state = 'idle' and c.waiting_since is not null
           and (c.not_before is null or c.not_before <= now())
           -- debounce: the customer has paused, or has been typing for too long already
           and (c.last_inbound_at <= now() - p_debounce_ms * interval '1 millisecond'
                or c.waiting_since <= now() - p_debounce_max_ms * interval '1 millisecond')
         order by i.served_seq nulls first, c.waiting_since, c.id
         limit 1
         for update of c skip locked;
        exit when not found;

        with claimed as (
            update messages m set status = 'answering', updated_at = now()
             where m.conversation_id = v_next.id and m.direction = 'in' and m.status = 'waiting'
            returning m.id, m.text)
        select array_agg(claimed.id order by claimed.id), array_agg(claimed.text order by claimed.id)
          into v_ids, v_texts
          from claimed;

        if v_ids is null then
            update conversations c set state = 'idle', state_since = now(), waiting_since = null,
                   lease_owner = null, lease_until = null
             where c.id = v_next.id;
        else
            update conversations c set state = 'answering', state_since = now(), waiting_since = null,
                   lease_owner = p_owner, lease_until = now() + p_lease_ms * interval '1 millisecond'
             where c.id = v_next.id;
        end if;
        update instances i set served_seq = nextval('serve_seq') where i.id = v_next.instance_id;

        if v_ids is not null then
            select array_agg(h.direction order by h.id), array_agg(h.text order by h.id)
              into v_hdirs, v_htexts
              from (select m.id, m.direction, m.text
                      from messages m
                     where m.conversation_id = v_next.id
                       and ((m.direction = 'in' and m.kind = 'text' and m.status in ('answered', 'fallback'))
                         or (m.direction = 'out' and m.kind = 'answer' and m.status in ('ready', 'sending', 'sent')))
                     order by m.id desc
                     limit p_history_turns) h;
            conversation_id := v_next.id;
            instance_id := v_next.instance_id;
            instance := v_next.name;
            contact_jid := v_next.contact_jid;
            waited_ms := v_next.waited;
            message_ids := v_ids;
            texts := v_texts;
            history_directions := coalesce(v_hdirs, '{}');
            history_texts := coalesce(v_htexts, '{}');
            return next;
            v_free := v_free - 1;
        end if;
    end loop;
end
$$;

-- The LLM's answer to a claimed turn, split into parts by the gateway: if the caller still holds the turn (its lease
-- was not taken back by another replica), the turn's messages become 'answered', each part is stored as an outgoing
-- message 'ready' for delivery (the LLM figures on the first), and the conversation moves to 'replying'. Returns the
-- parts' ids in order; no row when the turn is no longer the caller's (the answer is then discarded: whoever took
-- the turn back answers it, once).
create or replace function atende_store_answer(
    p_conversation  bigint,
    p_owner         text,
    p_lease_ms      bigint,
    p_message_ids   bigint[],
    p_parts         text[],
    p_answers_up_to bigint,
    p_input_tokens  integer,
    p_output_tokens integer,
    p_llm_millis    integer)
returns table (message_id bigint, part_index integer)
language plpgsql
as $$
#variable_conflict use_column
declare
    v_instance bigint;
    v_count    integer := coalesce(array_length(p_parts, 1), 0);
begin
    perform set_config('synchronous_commit', 'off', true); -- see the header
    select c.instance_id into v_instance from conversations c
     where c.id = p_conversation and c.state = 'answering' and c.lease_owner = p_owner
       for update;
    if not found then
        return;
    end if;
    update messages m set status = 'answered', updated_at = now()
     where m.id = any(p_message_ids) and m.status = 'answering';
    for k in 1 .. v_count loop
        insert into messages (instance_id, conversation_id, direction, kind, text, status, answers_up_to,
                              part_index, part_count, llm_input_tokens, llm_output_tokens, llm_millis)
        values (v_instance, p_conversation, 'out', 'answer', p_parts[k], 'ready', p_answers_up_to, k - 1, v_count,
                case when k = 1 then p_input_tokens end, case when k = 1 then p_output_tokens end,
                case when k = 1 then p_llm_millis end)
        returning id into message_id;
        part_index := k - 1;
        return next;
    end loop;
    update conversations c set state = 'replying', state_since = now(), llm_failures = 0, not_before = null,
           busy_noticed_at = null, fallback_sent_at = null,
           lease_until = now() + p_lease_ms * interval '1 millisecond'
     where c.id = p_conversation;
end
$$;
