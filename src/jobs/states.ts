/**
 * The states of jobs and of their batches. This file imports nothing, so the web app's bundle takes it as it is and
 * the two can never disagree.
 */
export const JOB_STATES = ['queued', 'preparing', 'uploading', 'done', 'failed', 'dead', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
/** States a job never leaves. */
export const FINAL_JOB_STATES: ReadonlySet<string> = new Set<JobState>(['done', 'failed', 'dead', 'cancelled']);
/** pending → queued (a message is out) → sending (a worker has it) → done | failed | dead. */
export const BATCH_STATES = ['pending', 'queued', 'sending', 'done', 'failed', 'dead'] as const;
export type BatchState = (typeof BATCH_STATES)[number];
