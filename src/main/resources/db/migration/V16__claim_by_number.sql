-- The claim at GPU speed (issue 16). V15 picked round robin's conversation by sorting the whole ready backlog on
-- every pick: with thousands of conversations waiting (a flood, or a fast LLM answering hundreds of turns a second)
-- each claim cost milliseconds under the one advisory lock, and got slower the longer the queue. The pick is now one
-- probe of conversations_ready_by_instance per number (the first ready conversation of each), then the least recently
-- served number's: the same order, at a cost that grows with the numbers, not with the backlog.
-- Everything else is V15's function unchanged.

create or replace function atende_claim_turns(
    p_slots           integer,
    p_debounce_ms     bigint,
    p_debounce_max_ms bigint,
    p_owner           text,
    p_lease_ms        bigint,
    p_history_turns   integer,
    p_stt_slots       integer default 0,
    p_slot_instances       bigint[] default '{}',
    p_slot_conversations   bigint[] default '{}',
    p_affinity_max_wait_ms bigint default 0,
    p_history_block        integer default 1)
returns table (conversation_id bigint, instance_id bigint, instance text, contact_jid text, waited_ms bigint,
               message_ids bigint[], texts text[], history_directions text[], history_texts text[],
               history_turns integer, affinity_slot integer, affinity text)
language plpgsql
as $$
#variable_conflict use_column
declare
    v_free  bigint;
    v_stt   bigint;
    v_id    bigint;
    v_next  record;
    v_ids   bigint[];
    v_texts text[];
    v_hdirs text[];
    v_htexts text[];
    v_rr     bigint;
    v_since  timestamptz;
    v_cand   bigint;
    v_fair   boolean;
    v_slot   integer;
    v_why    text;
    v_block  integer;
    v_sconv  bigint[] := coalesce(p_slot_conversations, '{}');
    v_sinst  bigint[] := coalesce(p_slot_instances, '{}');
begin
    perform set_config('synchronous_commit', 'off', true); -- see V9's header
    perform pg_advisory_xact_lock(1635020388); -- 0x61746e64, "atnd": the one key every claimer takes
    select p_slots - count(*) into v_free from conversations c where c.state = 'answering';
    -- a transcription in flight holds one of the LLM's slots: both run on the same cores
    select count(*) into v_stt from messages t where t.status = 'transcribing' and t.stt_until > now();
    v_free := v_free - v_stt;
    if p_stt_slots > v_stt then
        -- notes waiting for a transcription keep the slots they may take: the dispatcher claims them first, and a
        -- turn claimed between that claim and this one (another round, another replica) must not take their slot
        select v_free - least(p_stt_slots - v_stt, count(*)) into v_free
          from messages t where t.status = 'transcribing' and (t.stt_until is null or t.stt_until <= now());
    end if;
    while v_free > 0 loop
        -- Each number's settings once per pick (a handful of rows), not once per waiting conversation;
        -- and only the id is picked and sorted: the scan and sort over the whole backlog stay as narrow as V10's.
        -- Round robin's pick: each number's oldest ready conversation (conversations_ready_by_instance, read in order
        -- until one passes), then the least recently served number's. One index probe per number, whatever the backlog.
        with ready as materialized (
            select i.id, i.served_seq,
                   coalesce((p.profile ->> 'debounceMs')::bigint, p_debounce_ms) * interval '1 millisecond' as debounce
              from instances i left join instance_profiles p on p.instance = i.name
             where coalesce((p.profile ->> 'enabled')::boolean, true))
        select x.id, x.affinity_passed_at
          into v_rr, v_since
          from ready r
               cross join lateral (
                   select c.id, c.waiting_since, c.affinity_passed_at
                     from conversations c
                    where c.instance_id = r.id
                      and c.state = 'idle' and c.waiting_since is not null
                      and (c.not_before is null or c.not_before <= now())
                      -- debounce: the customer has paused, or has been typing for too long already
                      and (c.last_inbound_at <= now() - r.debounce
                           or c.waiting_since <= now() - p_debounce_max_ms * interval '1 millisecond')
                      -- a voice note still being transcribed belongs to this turn: the turn waits for its transcript
                      and not exists (select 1 from messages t where t.conversation_id = c.id and t.status = 'transcribing')
                    order by c.waiting_since, c.id
                    limit 1) x
         order by r.served_seq nulls first, x.waiting_since, x.id
         limit 1;
        exit when not found;
        -- Locked as V15 locked it; a row another transaction holds (an ingest committing, a takeover) is skipped by
        -- the whole-backlog scan of V15, which then runs: rare, and exactly the old order.
        perform 1 from conversations c where c.id = v_rr and c.state = 'idle' and c.waiting_since is not null
            for update skip locked;
        if not found then
            with ready as materialized (
                select i.id, i.served_seq,
                       coalesce((p.profile ->> 'debounceMs')::bigint, p_debounce_ms) * interval '1 millisecond' as debounce
                  from instances i left join instance_profiles p on p.instance = i.name
                 where coalesce((p.profile ->> 'enabled')::boolean, true))
            select c.id, c.affinity_passed_at
              into v_rr, v_since
              from conversations c join ready r on r.id = c.instance_id
             where c.state = 'idle' and c.waiting_since is not null
               and (c.not_before is null or c.not_before <= now())
               and (c.last_inbound_at <= now() - r.debounce
                    or c.waiting_since <= now() - p_debounce_max_ms * interval '1 millisecond')
               and not exists (select 1 from messages t where t.conversation_id = c.id and t.status = 'transcribing')
             order by r.served_seq nulls first, c.waiting_since, c.id
             limit 1
             for update of c skip locked;
            exit when not found;
        end if;
        v_id := v_rr;
        v_fair := false;

        -- Affinity: unless round robin's pick is a free slot's own conversation already, the ready conversation of a
        -- free slot (same conversation first, then same number, oldest waiting first); taken while round robin's
        -- pick has been passed over for less than the bound. Same ready filter as above.
        if p_affinity_max_wait_ms > 0 and array_position(v_sconv, v_rr) is null
           and exists (select 1 from unnest(v_sinst) as u(iid) where u.iid is not null) then
            -- a slot's own conversation: by primary key
            with ready_instances as (
                select i.id,
                       coalesce((p.profile ->> 'debounceMs')::bigint, p_debounce_ms) * interval '1 millisecond' as debounce
                  from instances i left join instance_profiles p on p.instance = i.name
                 where i.id = any(v_sinst) and coalesce((p.profile ->> 'enabled')::boolean, true))
            select c.id into v_cand
              from conversations c join ready_instances r on r.id = c.instance_id
             where c.id = any(v_sconv)
               and c.state = 'idle' and c.waiting_since is not null
               and (c.not_before is null or c.not_before <= now())
               and (c.last_inbound_at <= now() - r.debounce
                    or c.waiting_since <= now() - p_debounce_max_ms * interval '1 millisecond')
               and not exists (select 1 from messages t where t.conversation_id = c.id and t.status = 'transcribing')
             order by c.waiting_since, c.id
             limit 1;
            if v_cand is null then
                -- else a slot's number: each number's oldest ready conversation (conversations_ready_by_instance,
                -- read in order until one passes), then the oldest of those
                with ready_instances as (
                    select i.id,
                           coalesce((p.profile ->> 'debounceMs')::bigint, p_debounce_ms) * interval '1 millisecond' as debounce
                      from instances i left join instance_profiles p on p.instance = i.name
                     where i.id = any(v_sinst) and coalesce((p.profile ->> 'enabled')::boolean, true))
                select x.id into v_cand
                  from (select distinct u.iid from unnest(v_sinst) as u(iid) where u.iid is not null) s
                       join ready_instances r on r.id = s.iid
                       cross join lateral (
                           select c.id, c.waiting_since
                             from conversations c
                            where c.instance_id = r.id
                              and c.state = 'idle' and c.waiting_since is not null
                              and (c.not_before is null or c.not_before <= now())
                              and (c.last_inbound_at <= now() - r.debounce
                                   or c.waiting_since <= now() - p_debounce_max_ms * interval '1 millisecond')
                              and not exists (select 1 from messages t
                                               where t.conversation_id = c.id and t.status = 'transcribing')
                            order by c.waiting_since, c.id
                            limit 1) x
                 order by x.waiting_since, x.id
                 limit 1;
            end if;
            if v_cand is not null and v_cand <> v_rr then
                -- locked like round robin's pick (skip one another transaction holds); the advisory lock keeps
                -- other claimers from changing its state meanwhile
                perform 1 from conversations c where c.id = v_cand and c.state = 'idle' for update skip locked;
                if not found then
                    v_cand := null;
                end if;
            end if;
            if v_cand is not null and v_cand <> v_rr then
                if v_since is null or v_since > now() - p_affinity_max_wait_ms * interval '1 millisecond' then
                    v_id := v_cand;
                    if v_since is null then
                        update conversations c set affinity_passed_at = now() where c.id = v_rr;
                    end if;
                else
                    v_fair := true;
                end if;
            end if;
        end if;

        select c.id, c.instance_id, i.name, c.contact_jid,
               (extract(epoch from now() - c.waiting_since) * 1000)::bigint as waited,
               coalesce((p.profile ->> 'historyTurns')::integer, p_history_turns) as history_turns
          into v_next
          from conversations c join instances i on i.id = c.instance_id
               left join instance_profiles p on p.instance = i.name
         where c.id = v_id;

        -- the free slot this pick goes to: the one that served this conversation last, else this number
        v_slot := null;
        v_why := case when v_fair then 'fairness' else 'round_robin' end;
        if p_affinity_max_wait_ms > 0 then
            v_slot := array_position(v_sconv, v_next.id);
            if v_slot is not null then
                v_why := 'conversation';
            else
                v_slot := array_position(v_sinst, v_next.instance_id);
                if v_slot is not null then
                    v_why := 'instance';
                end if;
            end if;
        end if;

        with claimed as (
            update messages m set status = 'answering', updated_at = now()
             where m.conversation_id = v_next.id and m.direction = 'in' and m.status = 'waiting'
            returning m.id, coalesce(m.model_text, m.text) as text)
        select array_agg(claimed.id order by claimed.id), array_agg(claimed.text order by claimed.id)
          into v_ids, v_texts
          from claimed;

        if v_ids is null then
            update conversations c set state = 'idle', state_since = now(), waiting_since = null, affinity_passed_at = null,
                   lease_owner = null, lease_until = null
             where c.id = v_next.id;
        else
            update conversations c set state = 'answering', state_since = now(), waiting_since = null,
                   affinity_passed_at = null,
                   lease_owner = p_owner, lease_until = now() + p_lease_ms * interval '1 millisecond'
             where c.id = v_next.id;
        end if;
        update instances i set served_seq = nextval('serve_seq') where i.id = v_next.instance_id;

        if v_ids is not null then
            if v_slot is not null then
                -- one pick per slot in a call
                v_sconv[v_slot] := null;
                v_sinst[v_slot] := null;
            end if;
            v_block := least(greatest(case when p_history_block > 0 then p_history_block
                                           else v_next.history_turns / 2 end, 1),
                             greatest(v_next.history_turns, 1));
            select array_agg(h.direction order by h.id), array_agg(h.text order by h.id)
              into v_hdirs, v_htexts
              from (select m.id,
                           -- the operator's messages are the business's turns
                           case when m.ignore_reason = 'from_me' then 'out' else m.direction end as direction,
                           coalesce(m.model_text, m.text) as text,
                           row_number() over (order by m.id desc) as back,
                           count(*) over () as total
                      from messages m
                     where m.conversation_id = v_next.id
                       and ((m.direction = 'in' and m.kind in ('text', 'voice')
                             and m.status in ('answered', 'fallback', 'human', 'out_of_hours'))
                         or (m.direction = 'in' and m.ignore_reason = 'from_me' and m.text <> '')
                         or (m.direction = 'out' and m.kind = 'answer' and m.status in ('ready', 'sending', 'sent')
                             and coalesce(m.model_text, m.text) <> ''))) h
             -- block-aligned window (see the header): all when they fit, else whole blocks dropped from the start
             where h.back <= case when h.total <= v_next.history_turns then h.total
                                  else h.total - ((h.total - v_next.history_turns + v_block - 1) / v_block) * v_block
                             end;
            conversation_id := v_next.id;
            instance_id := v_next.instance_id;
            instance := v_next.name;
            contact_jid := v_next.contact_jid;
            waited_ms := v_next.waited;
            message_ids := v_ids;
            texts := v_texts;
            history_directions := coalesce(v_hdirs, '{}');
            history_texts := coalesce(v_htexts, '{}');
            history_turns := v_next.history_turns;
            affinity_slot := v_slot - 1;
            affinity := v_why;
            return next;
            v_free := v_free - 1;
        end if;
    end loop;
end
$$;
