// Owns the one write phase per event-loop turn (a single setImmediate for the whole process):
// first every connection's own outbox (replies, held and conflated frames), then every group's
// shared batch (shared-fanout.ts). Anything a connection was sent on its own in a turn thus leaves
// before that turn's shared frames, which is what keeps "history, then live updates" in order.
export interface Flushable {
  flush(): void;
}

let outboxes: Flushable[] = [];
let batches: Flushable[] = [];
let scheduled = false;

function run(): void {
  scheduled = false;
  const own = outboxes;
  outboxes = [];
  for (const o of own) o.flush();
  const shared = batches;
  batches = [];
  for (const b of shared) b.flush();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(run);
}

/** Flushes `outbox` in this turn's write phase (callers dedupe their own calls). */
export function flushOutboxSoon(outbox: Flushable): void {
  outboxes.push(outbox);
  schedule();
}

/** Flushes `batch` after this turn's outboxes (callers dedupe their own calls). */
export function flushBatchSoon(batch: Flushable): void {
  batches.push(batch);
  schedule();
}
