import { join } from 'node:path';
import type { DestinationDefinition, PlannedBatch } from '../destinations/definition.js';
import { diffSnapshots, type DiffResult } from '../diff/diff.js';
import type { TransformReport } from '../transform/report.js';
import type { ResolvedAudience } from '../upload/upload.js';
import type { Runtime } from './runtime.js';

/** Where the last successful mirror of an audience keeps what the audience holds (hashed, as uploaded). */
export function snapshotPrefix(platform: string, account: string, audienceId: string): string {
  return `snapshots/${platform}/${account.replace(/[^A-Za-z0-9_.-]/g, '_')}/${audienceId}`;
}

/**
 * The records to add and to remove so the audience holds exactly this run's output: this output against the
 * snapshot the last successful mirror left (none for a new audience, or one never mirrored: everything is added).
 */
export async function diffForMirror(
  runtime: Runtime,
  input: { definition: DestinationDefinition; account: string; target: ResolvedAudience; report: TransformReport; fullDir: string; workDir: string },
): Promise<DiffResult & { dir: string }> {
  const { definition, report } = input;
  let previous: string[] | null = null;
  if ('id' in input.target.ref) {
    const prefix = snapshotPrefix(definition.platform, input.account, input.target.ref.id);
    const listed = await runtime.storage.list(prefix, { recursive: true });
    if (listed.objects.length > 0) previous = await runtime.storage.download(prefix, join(input.workDir, 'previous'));
  }
  const output = definition.profile.output;
  const first = report.output.files[0]?.path ?? '';
  const dir = join(input.workDir, 'diff');
  const result = await diffSnapshots({
    previous,
    current: report.output.files.map((file) => join(input.fullDir, file.path)),
    layout: {
      kind: report.output.layout,
      header: report.output.header,
      filePrefix: first.replace(/-\d+\.csv$/, ''),
      ...(output.kind === 'file-set' ? { maxFileBytes: output.maxFileBytes } : { maxRows: output.maxRowsPerBatch }),
    },
    outDir: dir,
    dataDir: runtime.dataDir,
  });
  return { ...result, dir };
}

/** After a successful mirror, this run's full output becomes the audience's snapshot. */
export async function saveSnapshot(runtime: Runtime, job: { workPrefix: string; platform: string; account: string; audienceId: string }): Promise<void> {
  const prefix = snapshotPrefix(job.platform, job.account, job.audienceId);
  await runtime.storage.deletePrefix(prefix);
  const full = `${job.workPrefix}/full`;
  const listed = await runtime.storage.list(full, { recursive: true });
  for (const object of listed.objects) await runtime.storage.move(object.key, `${prefix}/${object.key.slice(full.length + 1)}`);
}

/**
 * Plans that run one after the other in one job (each numbered from where the one before ended): each plan's
 * first batches wait for the last batch of the plan before it, whose own dependencies cover the rest of it.
 */
export function chainPlans(parts: readonly PlannedBatch[][]): PlannedBatch[] {
  const combined: PlannedBatch[] = [];
  let previousLast: number | undefined;
  for (const part of parts) {
    for (const batch of part) {
      combined.push(batch.dependsOn.length === 0 && previousLast !== undefined ? { ...batch, dependsOn: [previousLast] } : batch);
    }
    if (part.length > 0) previousLast = part[part.length - 1]!.seq;
  }
  return combined;
}
