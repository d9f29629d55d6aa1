-- The Painel (issue 17): the owner's web page at /painel signs in with the admin token or a number's operator token
-- (the profile's operatorToken, kept only as its SHA-256 in profile ->> 'operatorTokenHash'). Its sessions live here,
-- not in one replica's memory, so a page keeps working whichever replica the proxy sends it to.

create table painel_sessions (
    -- SHA-256 (hex) of the cookie's random 256-bit value: a copy of this table opens no session
    id_hash     text        primary key,
    -- null: an admin session (every number); else the one number an operator session sees
    instance    text,
    -- an operator session holds while the number's operatorTokenHash is still this one (a new token ends it)
    token_hash  text,
    -- the per-session CSRF token every state-changing request sends in X-CSRF-Token
    csrf        text        not null,
    created_at  timestamptz not null,
    last_seen_at timestamptz not null,
    expires_at  timestamptz not null,
    check ((instance is null) = (token_hash is null))
);
create index painel_sessions_expiry on painel_sessions (expires_at);

-- An operator's sign-in finds its number by the token's hash.
create index instance_profiles_operator_token on instance_profiles ((profile ->> 'operatorTokenHash'));
