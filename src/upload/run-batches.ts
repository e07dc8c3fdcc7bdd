import type { BatchOutcome, PlannedBatch } from '../destinations/definition.js';

export interface BatchRunnerOptions {
  /** Batches in flight at once; the rate limiter, not this, sets the pace. */
  concurrency: number;
  /** Batches already done (a resumed upload); they are not run again. */
  done: ReadonlyMap<number, BatchOutcome>;
  run(batch: PlannedBatch): Promise<BatchOutcome>;
  /** Called once per batch that succeeded, in completion order, before any batch that depends on it starts. */
  onDone(batch: PlannedBatch, outcome: BatchOutcome): Promise<void> | void;
}

/**
 * Runs a plan's batches, side by side where their dependencies allow, in plan order otherwise. On the first
 * failure no new batch starts; the ones in flight finish (their effects are recorded), then the failure is thrown.
 */
export async function runBatches(plan: readonly PlannedBatch[], options: BatchRunnerOptions): Promise<void> {
  const finished = new Set<number>(options.done.keys());
  const pending = plan.filter((batch) => !finished.has(batch.seq));
  const inFlight = new Map<number, Promise<void>>();
  let failure: { error: unknown } | undefined;

  const ready = (batch: PlannedBatch) => batch.dependsOn.every((seq) => finished.has(seq));
  while ((pending.length > 0 && !failure) || inFlight.size > 0) {
    while (!failure && inFlight.size < options.concurrency) {
      const index = pending.findIndex(ready);
      if (index < 0) break;
      const [batch] = pending.splice(index, 1) as [PlannedBatch];
      const task = (async () => {
        try {
          const outcome = await options.run(batch);
          await options.onDone(batch, outcome);
          finished.add(batch.seq);
        } catch (error) {
          failure ??= { error };
        } finally {
          inFlight.delete(batch.seq);
        }
      })();
      inFlight.set(batch.seq, task);
    }
    if (inFlight.size === 0) {
      if (pending.length > 0 && !failure) throw new Error(`batches ${pending.map((b) => b.seq).join(', ')} wait on batches that never run`);
      break;
    }
    await Promise.race(inFlight.values());
  }
  if (failure) throw failure.error;
}
