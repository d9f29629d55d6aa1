-- Leases: which gateway replica owns a conversation's work in flight, and until when.
-- A claim ('answering') and the delivery of its reply ('replying') are owned by one replica (ATENDE_NODE_ID), which
-- renews lease_until while it works. A replica that dies stops renewing: once lease_until has passed, any other
-- replica takes the work back (answering -> the messages wait again; replying -> it delivers the stored parts).
-- At startup a replica only resets its own leases (from its previous life) and expired ones, never a live
-- replica's turn.
alter table conversations add column lease_owner text;
alter table conversations add column lease_until timestamptz;
create index conversations_leased on conversations (lease_until) where state in ('answering', 'replying');
