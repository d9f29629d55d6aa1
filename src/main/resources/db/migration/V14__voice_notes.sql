-- Voice notes: a customer's audio is transcribed by a speech-to-text server and joins the conversation as text.
--
-- A voice note is stored at the webhook as kind 'voice', status 'transcribing' (no audio is ever stored: Atende
-- fetches it from Evolution when it transcribes it). Its transcript becomes the message's text, and model_text the
-- text the model reads (marked as a transcribed voice note); the status then becomes 'waiting' like a typed text,
-- so the note keeps its place (its id) among the texts around it. A conversation with a note still transcribing is
-- not claimable: its turn waits for the transcript (bounded by the transcription's timeout).
--
-- Transcriptions are durable work: claimed under the claim's advisory lock, leased to one replica (stt_owner,
-- stt_until), at most p_stt_slots at once across replicas, and each in flight holds one of the LLM's slots. A lease
-- that expires (the replica died) lets another replica transcribe the note again, up to p_max_attempts attempts.

alter table messages add column media_seconds integer;
alter table messages add column stt_owner text;
alter table messages add column stt_until timestamptz;
alter table messages add column stt_attempts integer not null default 0;
create index messages_transcribing on messages (conversation_id, id) where status = 'transcribing';

-- The notes to transcribe now: as many as the speech-to-text slots and the LLM's free slots allow (oldest first),
-- leased to p_owner; and, whatever the slots, the notes whose attempts are used up (give_up: the caller records them
-- as media and asks the customer to type).
create or replace function atende_claim_transcriptions(
    p_stt_slots    integer,
    p_llm_slots    integer,
    p_owner        text,
    p_lease_ms     bigint,
    p_max_attempts integer)
returns table (message_id bigint, conversation_id bigint, instance text, contact_jid text, chat_jid text,
               wa_message_id text, seconds integer, attempt integer, give_up boolean)
language plpgsql
as $$
#variable_conflict use_column
declare
    v_stt  bigint;
    v_free bigint;
    r      record;
begin
    perform pg_advisory_xact_lock(1635020388); -- the claim's key: slots are counted by one claimer at a time
    select count(*) into v_stt from messages t where t.status = 'transcribing' and t.stt_until > now();
    select least(p_stt_slots - v_stt, p_llm_slots - v_stt - count(*)) into v_free
      from conversations c where c.state = 'answering';
    for r in
        select m.id, m.conversation_id, i.name, c.contact_jid, m.remote_jid, m.wa_message_id, m.media_seconds,
               m.stt_attempts
          from messages m join conversations c on c.id = m.conversation_id join instances i on i.id = m.instance_id
         where m.status = 'transcribing' and (m.stt_until is null or m.stt_until <= now())
         order by m.id
         for update of m skip locked
    loop
        if r.stt_attempts >= p_max_attempts then
            give_up := true;
            attempt := r.stt_attempts;
        elsif v_free > 0 then
            update messages m set stt_owner = p_owner, stt_until = now() + p_lease_ms * interval '1 millisecond',
                   stt_attempts = m.stt_attempts + 1, updated_at = now()
             where m.id = r.id;
            give_up := false;
            attempt := r.stt_attempts + 1;
            v_free := v_free - 1;
        else
            continue;
        end if;
        message_id := r.id;
        conversation_id := r.conversation_id;
        instance := r.name;
        contact_jid := r.contact_jid;
        chat_jid := r.remote_jid;
        wa_message_id := r.wa_message_id;
        seconds := r.media_seconds;
        return next;
    end loop;
end
$$;

-- The claim of V13, counting transcriptions in flight against the LLM's slots and leaving free slots to the notes
-- waiting for one (up to p_stt_slots, the transcriptions allowed at once), skipping conversations with a note still
-- transcribing, and reading voice notes' transcripts (model_text, marked as voice notes) like typed texts.
drop function atende_claim_turns(integer, bigint, bigint, text, bigint, integer);
create function atende_claim_turns(
    p_slots           integer,
    p_debounce_ms     bigint,
    p_debounce_max_ms bigint,
    p_owner           text,
    p_lease_ms        bigint,
    p_history_turns   integer,
    p_stt_slots       integer default 0)
returns table (conversation_id bigint, instance_id bigint, instance text, contact_jid text, waited_ms bigint,
               message_ids bigint[], texts text[], history_directions text[], history_texts text[])
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
           -- a voice note still being transcribed belongs to this turn: the turn waits for its transcript
           and not exists (select 1 from messages t where t.conversation_id = c.id and t.status = 'transcribing')
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
            returning m.id, coalesce(m.model_text, m.text) as text)
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
                       and ((m.direction = 'in' and m.kind in ('text', 'voice')
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
