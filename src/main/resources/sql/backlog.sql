-- Conversations waiting for the LLM per instance, and how long the oldest of them has waited (seconds). Every known
-- instance appears, with 0 when nothing waits. One grouped query over the partial index of waiting conversations;
-- read by the refresh-backlog-gauge route (metrics.camel.yaml), never by a scrape.
select i.name as instance,
       count(c.id) as conversations,
       coalesce(extract(epoch from now() - min(c.waiting_since)), 0) as oldest_wait_seconds
  from instances i
  left join conversations c
    on c.instance_id = i.id and c.state = 'idle' and c.waiting_since is not null
 group by i.name
