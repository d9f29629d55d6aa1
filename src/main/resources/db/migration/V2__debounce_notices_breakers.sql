-- At most one "you are number X in the queue" notice and one fallback text per wait: reset when answered.
alter table conversations add column busy_noticed_at timestamptz;
alter table conversations add column fallback_sent_at timestamptz;
