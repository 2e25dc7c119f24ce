-- Held emails go out once a mail server is configured, if still young enough
-- (crates/app/src/messages.rs, `release_held`): each job pass with mail first asks
-- whether any email is held, which this answers without reading the whole outbox. Partial,
-- so the pending and sent messages (nearly all) add nothing to it.
CREATE INDEX messages_held ON messages (created_at) WHERE status = 'held';
