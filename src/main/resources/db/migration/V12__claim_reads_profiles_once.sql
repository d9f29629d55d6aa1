-- The claim of V11, as fast as V10's for a large backlog. V11 joined each waiting conversation to its number's profile
-- and read the profile's JSON per row: with 20,000 waiting conversations one candidate query took about half as long
-- again as V10's, and in the benchmark's ingest floods (where claims run beside the webhooks) the acknowledged rate fell
-- from 2,359/s to 1,700/s. Here each number's settings are computed once per query (a handful of rows) and the scan
-- and sort over the backlog carry the conversation's id only, as V10's did; the chosen row's other columns are read
-- by its primary key afterwards. Same results as V11.

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
              from (select m.id, m.direction, coalesce(m.model_text, m.text) as text
                      from messages m
                     where m.conversation_id = v_next.id
                       and ((m.direction = 'in' and m.kind = 'text' and m.status in ('answered', 'fallback'))
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
