// Batches socket flushes to once per event-loop iteration (bench/BASELINE.md: coalescing writes per socket is
// what keeps MUC fan-out near the harness ceiling; without it throughput fell ~6x).
//
// Why setImmediate and not process.nextTick: nextTick runs after *each* I/O callback, so a recipient that gets
// messages from 50 senders read in the same poll phase would see 50 syscalls. setImmediate runs once after the
// whole poll phase, so all of them leave in one write. The added latency is the rest of that poll phase.

export interface Flushable {
  /** Hand pending data to the socket. Must not throw and must tolerate being called after close. */
  flushPending(): void;
}

let queue: Flushable[] = [];
let scheduled = false;

/** Flush `target` at the end of this event-loop iteration. Callers schedule at most once per batch. */
export function scheduleFlush(target: Flushable): void {
  queue.push(target);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushAll);
  }
}

function flushAll(): void {
  const batch = queue;
  queue = [];
  scheduled = false;
  for (const target of batch) target.flushPending();
}
