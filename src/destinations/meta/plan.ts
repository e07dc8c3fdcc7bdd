import { AuError } from '../../errors.js';
import type { PlanInput, PlannedBatch } from '../definition.js';

export type MetaOperation = 'add' | 'remove' | 'replace';

export interface MetaSession {
  session_id: number;
  batch_seq: number;
  last_batch_flag: boolean;
  estimated_num_total: number;
}

/**
 * One request per batch file (the transform already cut them at 10,000 rows), all in one session whose id is
 * fixed at planning time: a resent batch carries the same session id and batch_seq, which Meta recognizes. A new
 * audience is created first; replacing a new audience is just adding to it.
 */
export function planMeta(input: PlanInput): PlannedBatch[] {
  if (input.files.length === 0) throw new AuError('AU_UPLOAD_INCOMPLETE', 'there is nothing to upload: no batch file was written');
  const isNew = 'name' in input.audience;
  if (isNew && input.mode === 'remove') {
    throw new AuError('AU_AUDIENCE_NOT_FOUND', 'mode "remove" needs an existing audience; none has this name');
  }
  const sessionId = Number(input.sessionId);
  if (!Number.isSafeInteger(sessionId) || sessionId <= 0) throw new AuError('AU_INTERNAL', 'the Meta session id must be a positive safe integer');
  const operation: MetaOperation = isNew && input.mode === 'replace' ? 'add' : input.mode === 'append' ? 'add' : input.mode;
  const total = input.files.reduce((sum, file) => sum + file.rows, 0);
  const base = (input.firstSeq ?? 1) - 1;
  const batches: PlannedBatch[] = [];
  if ('name' in input.audience) {
    batches.push({ seq: base + 1, kind: 'create-audience', files: [], rows: 0, checksum: '', params: { name: input.audience.name }, dependsOn: [] });
  }
  const createSeq = batches.length === 1 ? [base + 1] : [];
  const firstRows = base + batches.length + 1;
  input.files.forEach((file, index) => {
    const session: MetaSession = {
      session_id: sessionId,
      batch_seq: index + 1,
      last_batch_flag: index === input.files.length - 1,
      estimated_num_total: total,
    };
    const seq = base + batches.length + 1;
    batches.push({
      seq,
      kind: 'send-rows',
      files: [file.path],
      rows: file.rows,
      checksum: file.md5,
      params: { operation, session },
      dependsOn: dependenciesOf(seq, firstRows, input.files.length, operation, createSeq),
    });
  });
  return batches;
}

/**
 * Batches of one session may overlap, except where order is meaning: a replace session must open with batch_seq 1
 * and close with the last batch once every other batch has arrived; every batch waits for a create.
 */
function dependenciesOf(seq: number, firstRows: number, count: number, operation: MetaOperation, createSeq: number[]): number[] {
  const lastRows = firstRows + count - 1;
  if (seq === lastRows && count > 1) {
    // The last batch closes the session: everything before it must be in.
    return [...createSeq, ...Array.from({ length: count - 1 }, (_, i) => firstRows + i)];
  }
  if (operation === 'replace' && seq > firstRows) return [...createSeq, firstRows];
  return createSeq;
}
