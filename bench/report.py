"""Writes benchmark figures as the markdown of docs/benchmarks.md."""

from __future__ import annotations

from typing import Any

from bench.harness import Figure

FINDINGS = """
## What we found and changed

- **Write path.** The first measurement gave 490 commands/s with 16 clients against
  ~12,800 raw INSERT transactions/s (ratio 0.04). Profiling (cProfile, py-spy) showed
  two causes: every command replayed on average 50 events since the last snapshot,
  with a slow runtime-protocol `isinstance` per event in the library's projector; and
  the library's event-table lock (which keeps the global order gap-free) serialised
  every commit. Fixes: commands run on an LRU cache of aggregates trusted without a
  read (a stale copy fails on the version constraint and the command reruns once on
  fresh state), a projector without the protocol check, and **group commit**: one
  committer thread saves every queued command in one transaction, isolating a
  conflicting command by retrying the batch one by one. Result: ~3,400 commands/s with
  16 clients and ~5,300 with 32 (ratio 0.34). What is left: a batch holds at most as
  many commands as there are waiting clients, and the committer spends ~70% of its time
  waiting on PostgreSQL round trips under the table lock (py-spy); the rest is Python
  CPU (encoding, sealing personal fields) on the same two cores as the server. Raw
  single-row INSERTs need no lock and share WAL flushes across 32 connections.
- **Write path through HTTP.** First measured at ~420 commands/s. py-spy on the server:
  every command's program-scope check replayed the whole relationship (now
  `program_of()`, read from the aggregate's first event and cached: it never changes),
  every request looked its API key up in the database (now cached 2 s), and the
  pure-Python h11 HTTP parser (now httptools + uvloop through `uvicorn[standard]`).
  Result ~900 commands/s. What is left is per-request CPU in the ASGI stack
  (routing, dependency injection, pydantic validation and serialisation, two
  middlewares, the thread-pool hop), about 1 ms per request in one process, on the
  same two cores as PostgreSQL and the load generator; two server processes gave
  ~1,100/s. The target (half of raw INSERT, i.e. 4,500-7,000/s) would need several
  cores of API processes; the API is stateless, so that is how it scales.
- **Write path against a plain CRUD peer (issue 14).** The peer (`bench/crud_peer.py`:
  FastAPI, a psycopg pool, one INSERT per POST on the same route, no auth) is measured in
  the same run with the same load generator. First: service 561/s, peer 1,245/s (0.45).
  Per-request CPU of the server process (from /proc, 10 s of load): service 2.08 ms,
  peer 0.96 ms; both processes sat at one core (the GIL). py-spy `--gil` showed a
  quarter of the service's CPU in thread-pool hops: FastAPI runs every plain `def`
  dependency (the principal, the role check, If-Match, the command context, the stores)
  in the thread pool. Those dependencies are now `async` (the two that may read the
  database, an uncached API key and `min_position`, hop explicitly): 1.44 ms per
  request, 703/s against the peer's 1,268/s (0.55). What is left is framework work the
  peer also does but spread over more routes and three middlewares (routing ~9%,
  dependency solving ~18%), the one hop to run the command off the event loop (~13%),
  and group commit's hand-off. `serve --workers 2` gave 1,053/s.
  Then (issue 14 again), CPU per command of the server process from /proc under the same
  load, each step measured: command endpoints run on the event loop instead of the
  thread pool, their unchanged bodies in a greenlet that suspends while the loop awaits
  the group commit's future (reads of the store go to a worker thread), 0.92 -> 0.72 ms;
  a command's private copy of a cached aggregate made without `deepcopy` (6 us instead
  of 25-60), 0.67 ms; the command context solved as one dependency instead of seven,
  0.64 ms; routers that skip a path outside their prefix; `gc.freeze()` of everything
  built at start-up (each full collection walked the app, its schemas and the wiring),
  0.59 ms; and no pool ping before each group commit (a third of the committer's wall
  time; the library retries a dead connection's statement on a fresh one). Result at
  full size, same run: 1,577 commands/s against the peer's 1,444 (1.09); `serve
  --workers 2` 1,881/s (1.30). The peer pays the thread-pool hop the service no longer
  does; with 16 clients (smaller group commits) the ratio was 0.82-0.87.
- **Projection rebuild.** The three models were first rebuilt one after another, each
  re-reading and decoding the log (~7k events/s at 107k events, ~11k/s at 1M). Now
  `mentoring rebuild NAME [NAME...]` (`ProjectionRunner.rebuild_many`) reads and decodes
  each batch once and applies it to every model's new version in one transaction, then
  switches all of them at once. A single pass still gave ~11k/s: py-spy and top showed
  one Python core at 100% and PostgreSQL nearly idle. Fixes from the profile: no cyclic
  garbage collection during a rebuild (it took 14 of 90 s rescanning live rows), rows of
  the new tables kept in memory instead of read back, 100,000-event batches (writes grow
  with distinct rows per batch: 17.9k/s at 25k, 22.2k/s at 100k), the audit hash built
  without `json.dumps` (byte-identical), cached id/time text, orjson for JSON columns,
  plain-tuple selects, `synchronous_commit off` inside rebuild transactions.
- **Read API.** At 2,000 relationships the dashboard took 25 ms, at-risk 80 ms and the
  mentor directory 28 ms (p95): each request read every relationship of the program.
  Now the program-health projection keeps per-program totals (status counts, sessions,
  goals, mentor load, per-frequency cadence stretches as count and sum of starts, exact
  integer microseconds), so a dashboard reads about 30 rows; at-risk rows store when
  each reason starts (`risk_1..4`) and "most reasons first" is an indexed keyset query
  per reason count; lists use per-program `(program_id, status, position)` indexes
  (EXPLAIN showed a parallel sequential scan and top-N sort of 18 ms before, 0.26 ms
  after); the mentor directory pages by person id.
- **Reports as of any instant (issue 11).** Health and at-risk became exact for a past
  instant: the health ledger keeps dated changes, at-risk keeps each relationship's facts
  with their history. First measured at 20,000 relationships: health 26 ms and at-risk as
  of mid-history 731 ms per call (every ledger day and every candidate row read and
  decoded in Python; the median read every time-to-expectations row). Now whole months
  come from a monthly ledger, the median reads only its middle rows, and at-risk as of T
  counts each row's reasons at T in the database from stored start instants, decoding
  only the page: health ~9 ms, at-risk as of T ~100 ms at 20,000. At 100,000 at-risk as
  of a past instant was O(relationships open at T) (531 ms p95 then, 287 ms after
  the dependency fix below, 212 ms with plans made for the values): "most reasons
  first" at T counted every candidate's reasons. Now it is the current list's keyset
  query run on the history: one query per number of reasons k (k-th reason by T, not
  the next), each following an index (by id where many versions qualify, by the k-th
  reason's instant where few do, as early in the history) and keeping the versions
  valid at T. At 100,000 relationships, measured in process on 2026-12-01: 5.7-14.8 ms
  at six instants from the first days to after the last event, where the old query took
  ~360 ms at every one of them (on that machine); dropping the index on the first
  reason made the first weeks 350-470 ms. The cost: the at-risk projection writes
  about a quarter slower (53.6 -> 66-72 s for 277,927 demo events).
- **The read-side "regression", found.** Reads over HTTP had gone from 1.7-1.9 ms to
  8-10 ms p95 with unchanged SQL. The write-path profile (below) found the cause for
  both: FastAPI ran each plain-`def` dependency (principal, role, stores, time travel) in
  the thread pool, a hop each. With them `async`, measured again on 2026-11-25 at 100,000
  relationships: relationship list 10.2 -> 3.2 ms, mentor directory 8.6 -> 2.4 ms,
  health 34 -> 14.7 ms, at-risk 17 -> 9.3 ms, at-risk as of mid-history 531 -> 287 ms
  p95 (still over its target: it is O(relationships open at T)). With view reads planned
  for their values (the dashboard finding): health 8.2 ms, at-risk 5.2 ms, at-risk as of
  mid-history 212 ms.
- **Bulk loading** (benchmark data): keys and subject-index rows are made in memory and
  COPYed; the in-memory demo saves without the committer thread.
- **Kafka relay (issue 12).** Measured against tansu, the Kafka-protocol broker the tests
  use (memory storage; Apache Kafka cannot be fetched here), with a raw kafka-python
  idempotent `acks=all` producer sending the very same records in the same run. First
  0.66 of raw: each batch was sent, then flushed, so the pipe emptied at every batch;
  decoding also opened every sealed personal field only to replace it by a reference.
  Then events were decoded sealed and up to three batches were in flight: 0.76 on one
  machine, 0.65-0.75 on the next. Timing the relay's thread showed why: reading and
  encoding (~20 us/event) shared one interpreter lock with kafka-python's producer
  (~90 us/record), itself the bottleneck. Now a child process reads the events table as
  plain rows and encodes the batch after the one being sent (`workers/relay_reader.py`),
  the relay only sends, a program's partition is hashed once (murmur2 is pure Python)
  and up to five batches are in flight. Timed from ready to publish (its ~0.4 s start:
  lock, producer, reader process) as the raw producer is timed from made: 0.76-0.82.
  CPU per event of each process (from /proc) then showed what was left. (1) The
  benchmark itself: it ran the relay as a thread of its own process, which held every
  event and record of the run and polled the relay's table every 2 ms; each gen-2
  collection walked the benchmark's data and each poll took the interpreter lock from
  the relay, while the raw producer sat in `flush`. Now each runs in a fresh process, as
  the relay does when deployed, and the end is seen from the relay's own count. (2)
  kafka-python checksums each record batch with CRC32C in pure Python unless the
  `crc32c` package is installed: over half of the producer's CPU. With it (the
  `kafka-python[crc32c]` extra) the relay went from ~7,300 to ~12,900 events/s and the
  raw producer gained as much (ratio 0.70: what the relay adds now weighed more). (3)
  `gc.freeze()` once the relay and its reader are wired (+5%). (4) The reader decodes
  with orjson and looks programs up by UUID: 19.5 -> 12-14 us an event. Result at full
  size: 15,812 events/s against the raw producer's 17,669 (0.89; 0.86-0.90 in five
  runs at the default size). Commit-to-Kafka latency (LISTEN/NOTIFY wakes the relay):
  p99 20-25 ms at 200 commands/s.
- **Dashboard (issue 13).** Pages are rendered on the server from the API's own route
  functions. First measured at 100,000 relationships: the program page 604 ms p50 and
  the programs page 46 ms, while the API's health answered in 15 ms. Two causes, both
  in the API too: (1) psycopg prepares a statement after five runs and PostgreSQL may
  then use one generic plan for any values; for "relationships with k reasons at T,
  LIMIT 10" that plan walked the whole primary key for each k (600 ms; `at-risk?limit=50`
  happened to keep a good plan). View reads now run with `plan_cache_mode =
  force_custom_plan`. (2) Listing programs scanned every aggregate's owner row; a
  partial index on the programs' own rows makes it a short index scan (46 -> 3 ms).
- **Parquet export (issue 13).** The baseline copies stored rows as bytes (COPY runs at
  several hundred thousand rows/s); the export decodes every event, opens its sealed
  personal fields with each person's key, names its program and summary, and types
  the columns: first 22,000 events/s in one Python process against 477,000 rows/s of
  COPY (0.05; the Parquet file is 13 times smaller than the COPY text), after each
  aggregate's program came off its first event instead of a read per aggregate (1.6 s
  of 4.5 in a profile of 40,000 events). A profile then put the 45 us an event into
  one key read per person and cache period (a third), the
  library's select and dict rows, the mapper's `json` decode with a hook per object,
  `describe_event`, and a dict per row for Arrow. Now the export reads rows in bulk
  (plain tuples, binary results), decodes each with orjson into the mapper's own
  objects (`infrastructure/event_decoder.py`; upcasts and anything unusual left to the
  mapper), opens a batch's sealed fields with one look-up of keys (same cache period),
  filters types before decoding, pauses the cycle collector while a batch is decoded
  (it doubled decoding), reads the next rows and compresses the last row group in
  threads, and builds Arrow arrays from the columns; JSON lines and CSV are
  byte-identical to before (a test compares every format and filter with describing
  each event of the feed). ~105,000 events/s, 0.2-0.25 of COPY (JSON lines 23,500 ->
  69,000/s). The target is missed: what has to happen to each event in Python (parse,
  revive typed values, make the event, AES-GCM per sealed field, the domain's summary,
  the `data` JSON, Arrow) is about 6.5 us on one core, 0.3 of COPY at best. A columnar
  path in PostgreSQL would save only the parse (summary, opening and `data` stay in
  Python); two pre-started processes exporting half each to separate files reached
  0.36-0.40, before any merge or process start (docs/decisions.md, "Exports").
- **Time travel.** Snapshots every 100 events bound a load to one snapshot plus at most
  99 events; "as of an instant" is a binary search on event times (about 14 indexed
  single-row reads) followed by that load.
"""


def line(figure: Figure) -> str:
    ratio = f" = {figure.ratio:.2f} x {figure.baseline_name}" if figure.ratio else ""
    verdict = {True: "met", False: "MISSED", None: "-"}[figure.met]
    return f"{figure.name}: {figure.value:,.1f} {figure.unit}{ratio} [{figure.target}: {verdict}]"


def markdown(figures: list[Figure], host: dict[str, Any], size_name: str,
             size: dict[str, float], seconds: float) -> str:
    rows = [
        "| figure | value | baseline | ratio | target | met | notes |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        baseline = f"{f.baseline:,.1f} ({f.baseline_name})" if f.baseline else ""
        ratio = f"{f.ratio:.2f}" if f.ratio else ""
        runs = ", ".join(f"{r:,.0f}" for r in f.runs)
        notes = f.notes + (f"; runs: {runs}" if len(f.runs) > 1 else "")
        met = {True: "yes", False: "**no**", None: "n/a"}[f.met]
        rows.append(f"| {f.name} | {f.value:,.2f} {f.unit} | {baseline} | {ratio} | "
                    f"{f.target} | {met} | {notes} |")
    settings = ", ".join(f"{k}={v:g}" for k, v in size.items())
    return "\n".join([
        "# Benchmarks",
        "",
        "Written by `./scripts/bench` (`python -m bench`). Each figure is measured in one run "
        "against a baseline on the same machine where one applies; medians of several runs.",
        "",
        f"- Machine: {host['cpu']}, {host['cores']} cores, {host['memory_gib']} GiB; "
        f"Python {host['python']}; {host['postgres']}; measured {host['date']}.",
        f"- Size `{size_name}`: {settings}. Whole run: {seconds:.0f} s.",
        "",
        *rows,
        "",
        FINDINGS.strip(),
        "",
    ])
