-- Dead letters: reply parts Atende gave up on (Evolution rejected them with 400/401/403/404/422, or every
-- attempt up to ATENDE_SEND_MAX_ATTEMPTS failed). The row is written in the same transaction that marks the
-- outbound message 'dead', and stays "open" until an operator replays it (POST /admin/dead-letters/{id}/replay).
-- A replayed message that dies again gets a new letter; the replayed ones stay as history.
create table dead_letters (
    id               bigserial primary key,
    message_id       bigint      not null references messages (id),
    instance         text        not null,   -- Evolution instance name at the time (instances are never renamed)
    contact_jid      text        not null,   -- where the part was going; the API shows it masked
    kind             text        not null,   -- answer | notice
    reason           text        not null,   -- why it was given up; phone numbers in it are masked
    last_http_status integer,                -- Evolution's status on the last attempt; null when no answer came
    attempts         integer     not null,   -- sendText attempts since the message was last replayed
    created_at       timestamptz not null default now(),
    replayed_at      timestamptz,            -- null: open
    -- How many times the message has been replayed, this letter's own replay included.
    replay_count     integer     not null default 0
);
-- At most one open letter per message; replayed letters are history.
create unique index dead_letters_open_per_message on dead_letters (message_id) where replayed_at is null;
-- GET /admin/dead-letters: open letters, newest first, paged by id (?before=).
create index dead_letters_open_newest_first on dead_letters (id desc) where replayed_at is null;
-- The earlier letters of one message (replay_count, attempts since the last replay).
create index dead_letters_by_message on dead_letters (message_id);
