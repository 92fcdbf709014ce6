"""Q1 and Q2 against PostGraphile 5 over the same PostgreSQL data (bench/PEERS.md).

    .venv/bin/python -m bench.peer --database-url postgresql://postgres@127.0.0.1/bench_peer --rounds 3 --seconds 8

Loads the scale-1 data if the database lacks it, installs the peer's npm packages if missing
(`npm ci` here: PostGraphile 5 and Node 22), applies peer.sql, starts PostGraphile
(graphile.config.mjs) and our server (production, a VIEWER token, 2 workers), checks that both
answer the same field by field, then drives each with wrk (post.lua, one thread), every cell
(query, connections) on both servers in turn, a warm-up round and then --rounds rounds. Prints
per cell req/s of each, ours/peer, p50, and the CPU per request of each server's processes and of
PostgreSQL's backends. --our-env KEY=VALUE (repeatable) sets our server's environment, for an A/B
of a setting: run it once with and once without.
"""
