-- Ingest of a customer's text message in one round trip (issue 4: fewer statements per webhook).
-- Does what InboundStore did with five statements, in the caller's transaction (committed before the 2xx):
-- the tenant, the contact's conversation (phone JID, else the phone learnt for a LID, else the LID), the message
-- once per (instance, WhatsApp id), the conversation's wait, and the figures of the busy-notice check.
--
-- Busy notice: the check needs to know only whether the estimated wait can exceed the bound, so it counts the
-- conversations ahead up to p_busy_limit (the smallest number ahead that can exceed it), never the whole backlog.
-- p_busy_limit <= 0 skips the check (notice switched off, or no number ahead can exceed the bound).
-- The notice itself (once per wait) is decided and stored by the caller.
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

    -- Locks the conversation row: the dispatcher skips it until this message is committed.
    insert into conversations as c (instance_id, contact_jid, push_name)
    values (v_instance, v_contact, p_push_name)
    on conflict (instance_id, contact_jid) do update
       set push_name = coalesce(excluded.push_name, c.push_name)
    returning c.id into v_conv;
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
       set waiting_since = coalesce(c.waiting_since, now()), last_inbound_at = now()
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
