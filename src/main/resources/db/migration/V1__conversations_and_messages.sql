-- Atende durable state. Every acknowledged webhook is a row here before Evolution API gets its 2xx,
-- and every step towards the reply is a state change on these rows, so a restart resumes where it stopped.

-- Tenants: one row per Evolution API instance (one WhatsApp number).
create table instances (
    id          bigserial primary key,
    name        text        not null unique,
    created_at  timestamptz not null default now(),
    -- Fairness: the dispatcher serves the instance whose turn came least recently (round robin).
    served_seq  bigint
);
create sequence serve_seq;

-- One conversation per contact and instance. contact_jid is the phone JID when known, else the @lid JID.
create table conversations (
    id             bigserial primary key,
    instance_id    bigint      not null references instances (id),
    contact_jid    text        not null,
    push_name      text,
    -- idle: nothing in flight; answering: an LLM call holds a slot; replying: the reply is being delivered.
    state          text        not null default 'idle' check (state in ('idle', 'answering', 'replying')),
    state_since    timestamptz not null default now(),
    -- Set while customer messages wait for an answer: the oldest and the newest of them.
    waiting_since  timestamptz,
    last_inbound_at timestamptz,
    -- Backoff after failed LLM calls.
    not_before     timestamptz,
    llm_failures   integer     not null default 0,
    created_at     timestamptz not null default now(),
    unique (instance_id, contact_jid)
);
create index conversations_ready on conversations (waiting_since) where waiting_since is not null and state = 'idle';

-- WhatsApp's two addresses of one contact (LID and phone), learnt from remoteJid/remoteJidAlt,
-- so that a contact keeps one conversation whichever form a given Evolution version sends.
create table contact_aliases (
    instance_id bigint      not null references instances (id),
    lid_jid     text        not null,
    phone_jid   text        not null,
    learnt_at   timestamptz not null default now(),
    primary key (instance_id, lid_jid)
);

-- Both directions. Inbound status: ignored | waiting | answering | answered | noticed.
-- Outbound status: ready | sending | sent | dead.
create table messages (
    id              bigserial primary key,
    instance_id     bigint      not null references instances (id),
    conversation_id bigint references conversations (id), -- null for chats Atende never answers (groups, broadcasts)
    direction       text        not null check (direction in ('in', 'out')),
    wa_message_id   text,        -- WhatsApp key.id: from the webhook, or from Evolution's 201 for our replies
    remote_jid      text,
    kind            text        not null, -- in: text | media | ignored; out: answer | notice
    message_type    text,
    text            text,
    status          text        not null,
    ignore_reason   text,
    wa_timestamp    timestamptz,
    answers_up_to   bigint,      -- out: the last inbound message this reply answers
    part_index      integer,
    part_count      integer,
    llm_input_tokens  integer,
    llm_output_tokens integer,
    llm_millis        integer,
    failure_reason  text,
    received_at     timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);
-- Idempotency: Evolution redelivers (retries, per-instance plus global webhooks, no dedupe cache since 2.3.7).
create unique index messages_inbound_once on messages (instance_id, wa_message_id) where direction = 'in';
-- Recognise our own replies when WhatsApp echoes them back as fromMe webhooks.
create index messages_outbound_wa_id on messages (instance_id, wa_message_id) where direction = 'out';
create index messages_by_conversation on messages (conversation_id, id);
create index messages_pending_out on messages (conversation_id, id) where direction = 'out' and status in ('ready', 'sending');

-- Every sendText attempt, with its outcome.
create table delivery_attempts (
    id          bigserial primary key,
    message_id  bigint      not null references messages (id),
    attempt     integer     not null,
    started_at  timestamptz not null default now(),
    finished_at timestamptz,
    http_status integer,
    outcome     text        not null default 'pending', -- pending | accepted | retry | rejected
    error       text
);
create index delivery_attempts_by_message on delivery_attempts (message_id);

-- Webhook events that carry no customer message (connection.update, presence.update, ...): counted, not kept one by one.
create table ignored_events (
    instance_id bigint      not null references instances (id),
    event       text        not null,
    reason      text        not null,
    count       bigint      not null default 0,
    first_seen  timestamptz not null default now(),
    last_seen   timestamptz not null default now(),
    primary key (instance_id, event, reason)
);
