-- The bot knows when to be quiet (issue 13): a human attendant taking a conversation over, the customer's opt-out,
-- and the number's business hours. Every decision that depends on time compares with a time the gateway passes in
-- (its clock), never now(): the pause and the hours follow the same clock in the gateway and in the database.

alter table conversations
    -- human: while human_until is later than the gateway's clock; lifted by time, by the resume keyword or the API.
    add column human_until      timestamptz,
    add column human_reason     text check (human_reason in ('operator', 'customer', 'admin')),
    add column human_since      timestamptz,
    -- the operator's last message on the phone (or WhatsApp Web): a customer handoff after it has been seen to
    add column operator_seen_at timestamptz,
    -- opted out: nothing is sent to this contact on this number until they opt in again
    add column opted_out_at     timestamptz,
    -- the start of the closed period the out-of-hours notice was last sent for (one notice per closed period)
    add column out_of_hours_period timestamptz;
create index conversations_human on conversations (human_until) where human_until is not null;

-- What changed a conversation's state, and when: the opt-out and opt-in evidence the LGPD asks for, and the handoffs.
-- Kept with the contact's address of the time; the conversation id follows a LID conversation merged into the phone
-- one.
create table conversation_events (
    id              bigserial primary key,
    conversation_id bigint      not null references conversations (id),
    instance_id     bigint      not null references instances (id),
    contact_jid     text        not null,
    kind            text        not null check (kind in ('opt_out', 'opt_in', 'human', 'resume')),
    -- human: operator | customer | admin; resume: operator | admin; opt_out, opt_in: keyword
    reason          text,
    message_id      bigint references messages (id),
    human_until     timestamptz,
    at              timestamptz not null
);
create index conversation_events_by_conversation on conversation_events (conversation_id, id);

-- A customer's text in one round trip (V8), now with the conversation's state decided where the message is stored:
-- while a human attendant has the conversation, or the contact has opted out, the message is stored for the
-- transcript (and, for human, the history) but does not wait for the LLM. The state is read again by the one update
-- of the conversation row (which locks it, as V8's did): a takeover committed meanwhile corrects the message's status,
-- and no extra row lock is taken in the common case.
drop function atende_ingest_texts(text[], text[], text[], text[], text[], text[], text[], text[], text[],
                                  timestamptz[], integer);
drop function atende_ingest_text(text, text, text, text, text, text, text, text, text, timestamptz, integer);

create function atende_ingest_text(
    p_instance    text,
    p_phone_jid   text,
    p_lid_jid     text,
    p_other_jid   text,
    p_push_name   text,
    p_wa_id       text,
    p_remote_jid  text,
    p_type        text,
    p_text        text,
    p_sent_at     timestamptz,
    p_busy_limit  integer,
    p_now         timestamptz,
    out message_id      bigint,
    out conversation_id bigint,
    out contact_jid     text,
    out busy_ahead      bigint,
    out busy_in_flight  bigint,
    out status          text)
language plpgsql
as $$
#variable_conflict use_column
declare
    v_instance bigint;
    v_state    text;
    v_waiting  timestamptz;
    v_noticed  timestamptz;
    v_contact  text;
    v_conv     bigint;
    v_msg      bigint;
    v_guess    text;
    v_status   text;
begin
    select i.id into v_instance from instances i where i.name = p_instance;
    if v_instance is null then
        insert into instances (name) values (p_instance) on conflict (name) do nothing;
        select i.id into v_instance from instances i where i.name = p_instance;
    end if;

    if p_phone_jid is not null then
        v_contact := p_phone_jid;
    elsif p_lid_jid is not null then
        select a.phone_jid into v_contact
          from contact_aliases a where a.instance_id = v_instance and a.lid_jid = p_lid_jid;
        v_contact := coalesce(v_contact, p_lid_jid);
    else
        v_contact := p_other_jid;
    end if;
    contact_jid := v_contact;

    select c.id, case when c.opted_out_at is not null then 'opted_out'
                      when c.human_until > p_now then 'human'
                      else 'waiting' end
      into v_conv, v_guess
      from conversations c where c.instance_id = v_instance and c.contact_jid = v_contact;
    if v_conv is null then
        insert into conversations as c (instance_id, contact_jid, push_name)
        values (v_instance, v_contact, p_push_name)
        on conflict (instance_id, contact_jid) do update
           set push_name = coalesce(excluded.push_name, c.push_name)
        returning c.id, case when c.opted_out_at is not null then 'opted_out'
                             when c.human_until > p_now then 'human'
                             else 'waiting' end
             into v_conv, v_guess;
    end if;
    conversation_id := v_conv;

    insert into messages (instance_id, conversation_id, direction, wa_message_id, remote_jid, kind,
                          message_type, text, status, ignore_reason, wa_timestamp)
    values (v_instance, v_conv, 'in', p_wa_id, p_remote_jid, 'text', p_type, p_text, v_guess, null,
            p_sent_at)
    on conflict (instance_id, wa_message_id) where direction = 'in' do nothing
    returning messages.id into v_msg;
    message_id := v_msg;
    if v_msg is null then
        return; -- duplicate delivery: nothing changes
    end if;

    -- The row as it is once locked (a concurrent takeover or opt-out has committed by then): only a conversation in
    -- neither state starts waiting.
    update conversations c
       set waiting_since = case when c.opted_out_at is null and not coalesce(c.human_until > p_now, false)
                                then coalesce(c.waiting_since, clock_timestamp()) else c.waiting_since end,
           last_inbound_at = now(),
           push_name = coalesce(p_push_name, c.push_name)
     where c.id = v_conv
    returning c.state, c.waiting_since, c.busy_noticed_at,
              case when c.opted_out_at is not null then 'opted_out'
                   when c.human_until > p_now then 'human'
                   else 'waiting' end
         into v_state, v_waiting, v_noticed, v_status;
    if v_status <> v_guess then
        update messages m set status = v_status where m.id = v_msg;
    end if;
    status := v_status;
    if v_status <> 'waiting' then
        return; -- stored for the transcript; no LLM turn, no notice
    end if;

    if p_busy_limit > 0 and v_state = 'idle' and v_noticed is null then
        select count(*) into busy_ahead
          from (select 1 from conversations o
                 where o.state = 'idle' and o.waiting_since is not null and o.id <> v_conv
                   and o.waiting_since <= v_waiting
                 limit p_busy_limit) ahead;
        select count(*) into busy_in_flight from conversations a where a.state = 'answering';
    end if;
end
$$;

create function atende_ingest_texts(
    p_instance    text[],
    p_phone_jid   text[],
    p_lid_jid     text[],
    p_other_jid   text[],
    p_push_name   text[],
    p_wa_id       text[],
    p_remote_jid  text[],
    p_type        text[],
    p_text        text[],
    p_sent_at     timestamptz[],
    p_busy_limit  integer,
    p_now         timestamptz)
returns table (ord integer, message_id bigint, conversation_id bigint, contact_jid text, busy_ahead bigint,
               busy_in_flight bigint, status text)
language plpgsql
as $$
declare
    r record;
begin
    for i in 1 .. coalesce(array_length(p_wa_id, 1), 0) loop
        select * into r
          from atende_ingest_text(p_instance[i], p_phone_jid[i], p_lid_jid[i], p_other_jid[i], p_push_name[i],
                                  p_wa_id[i], p_remote_jid[i], p_type[i], p_text[i], p_sent_at[i], p_busy_limit,
                                  p_now);
        ord := i;
        message_id := r.message_id;
        conversation_id := r.conversation_id;
        contact_jid := r.contact_jid;
        busy_ahead := r.busy_ahead;
        busy_in_flight := r.busy_in_flight;
        status := r.status;
        return next;
    end loop;
end
$$;

-- The claim of V12, with a history that holds what a human handled: the customer's messages a human attendant saw
-- (human) or that came while the number was closed and were not answered (out_of_hours), and the operator's own
-- messages from the phone as the business's turns, so the model knows what the human said.
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
    v_id    bigint;
    v_next  record;
    v_ids   bigint[];
    v_texts text[];
    v_hdirs text[];
    v_htexts text[];
begin
    perform set_config('synchronous_commit', 'off', true); -- see V9's header
    perform pg_advisory_xact_lock(1635020388); -- 0x61746e64, "atnd": the one key every claimer takes
    select p_slots - count(*) into v_free from conversations c where c.state = 'answering';
    while v_free > 0 loop
        -- Each number's settings once per pick (a handful of rows), not once per waiting conversation;
        -- and only the id is picked and sorted: the scan and sort over the whole backlog stay as narrow as V10's.
        with ready as materialized (
            select i.id, i.served_seq,
                   now() - coalesce((p.profile ->> 'debounceMs')::bigint, p_debounce_ms)
                           * interval '1 millisecond' as quiet_before
              from instances i left join instance_profiles p on p.instance = i.name
             where coalesce((p.profile ->> 'enabled')::boolean, true))
        select c.id into v_id
          from conversations c join ready r on r.id = c.instance_id
         where c.state = 'idle' and c.waiting_since is not null
           and (c.not_before is null or c.not_before <= now())
           -- debounce: the customer has paused, or has been typing for too long already
           and (c.last_inbound_at <= r.quiet_before
                or c.waiting_since <= now() - p_debounce_max_ms * interval '1 millisecond')
         order by r.served_seq nulls first, c.waiting_since, c.id
         limit 1
         for update of c skip locked;
        exit when not found;

        select c.id, c.instance_id, i.name, c.contact_jid,
               (extract(epoch from now() - c.waiting_since) * 1000)::bigint as waited,
               coalesce((p.profile ->> 'historyTurns')::integer, p_history_turns) as history_turns
          into v_next
          from conversations c join instances i on i.id = c.instance_id
               left join instance_profiles p on p.instance = i.name
         where c.id = v_id;

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
              from (select m.id,
                           -- the operator's messages are the business's turns
                           case when m.ignore_reason = 'from_me' then 'out' else m.direction end as direction,
                           coalesce(m.model_text, m.text) as text
                      from messages m
                     where m.conversation_id = v_next.id
                       and ((m.direction = 'in' and m.kind = 'text'
                             and m.status in ('answered', 'fallback', 'human', 'out_of_hours'))
                         or (m.direction = 'in' and m.ignore_reason = 'from_me' and m.text <> '')
                         or (m.direction = 'out' and m.kind = 'answer' and m.status in ('ready', 'sending', 'sent')
                             and coalesce(m.model_text, m.text) <> ''))
                     order by m.id desc
                     limit v_next.history_turns) h;
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
