-- The history a prompt carries is what the model wrote, not what the customer received. A step of the conversation
-- route may reformat the reply (Markdown into WhatsApp's formatting); the parts sent keep that text, since the send
-- reconciliation matches on it, and the model's own answer is kept whole in model_text of the first part (the later
-- parts hold ''). A prompt rebuilt from reformatted or split text would not be what the model produced, and the
-- model's prompt cache depends on that match. Answers stored before this migration have no model_text: their parts'
-- text stands for it, as before.
--
-- The two functions are V9's with only that change; both still commit without waiting for the WAL flush (V9's
-- header says why).

alter table messages add column model_text text;

drop function atende_store_answer(bigint, text, bigint, bigint[], text[], bigint, integer, integer, integer);

-- One claim round (see V9); the history reads the model's own text of each answer, once per answer.
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
    perform pg_advisory_xact_lock(1635020388); -- 0x61746e64, "atnd": the one key every claimer takes
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
              from (select m.id, m.direction, coalesce(m.model_text, m.text) as text
                      from messages m
                     where m.conversation_id = v_next.id
                       and ((m.direction = 'in' and m.kind = 'text' and m.status in ('answered', 'fallback'))
                         or (m.direction = 'out' and m.kind = 'answer' and m.status in ('ready', 'sending', 'sent')
                             and coalesce(m.model_text, m.text) <> ''))
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

-- The LLM's answer to a claimed turn (see V9), with the model's own text on the first part.
create or replace function atende_store_answer(
    p_conversation  bigint,
    p_owner         text,
    p_lease_ms      bigint,
    p_message_ids   bigint[],
    p_parts         text[],
    p_answers_up_to bigint,
    p_input_tokens  integer,
    p_output_tokens integer,
    p_llm_millis    integer,
    p_model_text    text)
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
                              part_index, part_count, llm_input_tokens, llm_output_tokens, llm_millis, model_text)
        values (v_instance, p_conversation, 'out', 'answer', p_parts[k], 'ready', p_answers_up_to, k - 1, v_count,
                case when k = 1 then p_input_tokens end, case when k = 1 then p_output_tokens end,
                case when k = 1 then p_llm_millis end, case when k = 1 then p_model_text else '' end)
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
