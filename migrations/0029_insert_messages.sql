-- Group commit of chat messages in one round trip (issue 14).
--
-- The committer's batch used to take six round trips (BEGIN with the tenant
-- scope, the channel heads, the messages, the log, the webhook outbox,
-- COMMIT); on a loaded two-core machine each one waits for a CPU, and a
-- channel's batches are serial under its row lock, so those waits were most
-- of a message's latency (about 10 ms per batch at 200 msgs/s into one
-- channel, of which the WAL flush is ~1 ms). This function does the same work
-- in one statement, run on its own (autocommit): it returns once the commit
-- is durable, so nothing is acknowledged before that.
--
-- Arguments: parallel arrays, one element per message in batch order. Each
-- message's wire JSON comes in two parts, before and after the value of its
-- `channel_seq`, which is the seq the message gets here (the channel's next,
-- in batch order); the log keeps it as text (migration 0002). Returns
-- (message id, channel_seq) per message. A channel that is missing or
-- archived raises SQLSTATE P0002 (the store's NotFound) and nothing is
-- written. The caller's role applies (SECURITY INVOKER): every statement runs
-- under row-level security, scoped to each tenant of the batch in turn
-- (migration 0019).
CREATE FUNCTION arena_insert_messages(
    p_tenant bigint[], p_id bigint[], p_channel bigint[], p_author bigint[],
    p_content text[], p_card text[], p_reply bigint[], p_nonce text[],
    p_at timestamptz[], p_mentions text[], p_d_head text[], p_d_tail text[])
RETURNS TABLE (o_id bigint, o_seq bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_tenant bigint;
    v_channels bigint[];
    v_counts bigint[];
    v_max bigint[];
    v_heads bigint[];
    v_bases bigint[];
BEGIN
    FOR v_tenant IN SELECT DISTINCT x FROM unnest(p_tenant) AS x ORDER BY x LOOP
        PERFORM set_config('app.tenant_id', v_tenant::text, true);
        SELECT array_agg(g.c ORDER BY g.c), array_agg(g.n ORDER BY g.c), array_agg(g.mx ORDER BY g.c)
          INTO v_channels, v_counts, v_max
          FROM (SELECT x.c, count(*) AS n, max(x.i) AS mx
                  FROM unnest(p_tenant, p_id, p_channel) AS x(t, i, c)
                 WHERE x.t = v_tenant GROUP BY x.c) g;
        -- Each channel's seqs, under its row lock until the commit.
        WITH u AS (
            UPDATE channels ch
               SET last_seq = ch.last_seq + g.n,
                   last_message_id = GREATEST(COALESCE(ch.last_message_id, 0), g.mx)
              FROM unnest(v_channels, v_counts, v_max) AS g(c, n, mx)
             WHERE ch.tenant_id = v_tenant AND ch.id = g.c AND NOT ch.archived
         RETURNING ch.id, ch.last_seq - g.n AS base)
        SELECT array_agg(u.id), array_agg(u.base) INTO v_heads, v_bases FROM u;
        IF coalesce(array_length(v_heads, 1), 0) <> array_length(v_channels, 1) THEN
            RAISE EXCEPTION 'channel not found or archived' USING ERRCODE = 'P0002';
        END IF;
        RETURN QUERY
        WITH v AS (
            SELECT x.*, h.base + row_number() OVER (PARTITION BY x.c ORDER BY x.ord) AS s
              FROM unnest(p_tenant, p_id, p_channel, p_author, p_content, p_card, p_reply,
                          p_nonce, p_at, p_mentions, p_d_head, p_d_tail)
                   WITH ORDINALITY AS x(t, i, c, a, body, card, r, n, at, mm, dh, dt, ord)
              JOIN unnest(v_heads, v_bases) AS h(c, base) ON h.c = x.c
             WHERE x.t = v_tenant),
        j AS (SELECT v.*, v.dh || v.s::text || v.dt AS dj FROM v),
        m AS (
            INSERT INTO messages (tenant_id, id, channel_id, author_id, content, card, reply_to,
                                  nonce, channel_seq, created_at, mentions)
            SELECT j.t, j.i, j.c, j.a, j.body, j.card::jsonb, j.r, j.n, j.s, j.at, j.mm::bigint[]
              FROM j),
        e AS (
            INSERT INTO channel_events (tenant_id, channel_id, seq, t, d, message_id)
            SELECT j.t, j.c, j.s, 'MESSAGE_CREATE', j.dj, j.i FROM j),
        -- Outgoing webhooks subscribed to these channels (migration 0006).
        o AS (
            INSERT INTO webhook_outbox (tenant_id, event_id, subscription_id, event_type, payload)
            SELECT j.t, j.i, s.id, 'message.created', j.dj
              FROM j
              JOIN webhook_subscriptions s ON s.tenant_id = j.t AND s.disabled_at IS NULL
                   AND 'message.created' = ANY(s.event_types)
              JOIN channels ch ON ch.tenant_id = j.t AND ch.id = j.c AND ch.key = ANY(s.channels))
        SELECT j.i, j.s FROM j ORDER BY j.ord;
    END LOOP;
END
$$;
