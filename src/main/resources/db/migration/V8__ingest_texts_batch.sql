-- Group commit (issue 4): the customer texts of one batch of webhooks in one round trip. Each element is ingested
-- by atende_ingest_text (V7), one after the other in the given order, in the caller's transaction, exactly as
-- separate calls would: a later element sees what an earlier one wrote (same conversation, same WhatsApp id).
-- Arrays are parallel, one element per webhook; rows come back in the same order (ord = 1-based position).
--
-- atende_ingest_text is replaced: the wait of a conversation now starts at clock_timestamp(), not now(): now() is
-- the transaction's start, the same for every webhook of a batch, and a conversation's place in the queue (and the
-- claim order) would tie with the others of its batch instead of following their arrival.
create or replace function atende_ingest_text(
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
    out message_id      bigint,
    out conversation_id bigint,
    out contact_jid     text,
    out busy_ahead      bigint,
    out busy_in_flight  bigint)
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

    -- An existing conversation is only looked up: its one write is the wait update below, after the message (a
    -- duplicate delivery writes nothing). Before V8 it was also upserted here, a second row version per message.
    select c.id into v_conv from conversations c where c.instance_id = v_instance and c.contact_jid = v_contact;
    if v_conv is null then
        insert into conversations as c (instance_id, contact_jid, push_name)
        values (v_instance, v_contact, p_push_name)
        on conflict (instance_id, contact_jid) do update
           set push_name = coalesce(excluded.push_name, c.push_name)
        returning c.id into v_conv;
    end if;
    conversation_id := v_conv;

    insert into messages (instance_id, conversation_id, direction, wa_message_id, remote_jid, kind,
                          message_type, text, status, ignore_reason, wa_timestamp)
    values (v_instance, v_conv, 'in', p_wa_id, p_remote_jid, 'text', p_type, p_text, 'waiting', null,
            p_sent_at)
    on conflict (instance_id, wa_message_id) where direction = 'in' do nothing
    returning messages.id into v_msg;
    message_id := v_msg;
    if v_msg is null then
        return; -- duplicate delivery: nothing changes
    end if;

    update conversations c
       set waiting_since = coalesce(c.waiting_since, clock_timestamp()), last_inbound_at = now(),
           push_name = coalesce(p_push_name, c.push_name)
     where c.id = v_conv
    returning c.state, c.waiting_since, c.busy_noticed_at into v_state, v_waiting, v_noticed;

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
    p_busy_limit  integer)
returns table (ord integer, message_id bigint, conversation_id bigint, contact_jid text, busy_ahead bigint,
               busy_in_flight bigint)
language plpgsql
as $$
declare
    r record;
begin
    for i in 1 .. coalesce(array_length(p_wa_id, 1), 0) loop
        select * into r
          from atende_ingest_text(p_instance[i], p_phone_jid[i], p_lid_jid[i], p_other_jid[i], p_push_name[i],
                                  p_wa_id[i], p_remote_jid[i], p_type[i], p_text[i], p_sent_at[i], p_busy_limit);
        ord := i;
        message_id := r.message_id;
        conversation_id := r.conversation_id;
        contact_jid := r.contact_jid;
        busy_ahead := r.busy_ahead;
        busy_in_flight := r.busy_in_flight;
        return next;
    end loop;
end
$$;
