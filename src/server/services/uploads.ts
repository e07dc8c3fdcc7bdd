import { join } from 'node:path';
import type { DatasetRow } from '../../db/queries/datasets.js';
import { knownAudienceId } from '../../db/queries/jobs.js';
import { accountKey } from '../../destinations/config.js';
import type { DestinationDefinition, PlannedBatch } from '../../destinations/definition.js';
import { getDestination } from '../../destinations/registry.js';
import { getSavedDestination, type SavedDestination } from '../../destinations/saved.js';
import { AuError, isAuError } from '../../errors.js';
import type { DateFormat } from '../../identifiers/rule.js';
import { chainPlans, diffForMirror } from '../../jobs/mirror.js';
import type { Runtime } from '../../jobs/runtime.js';
import type { JobMode, UploadJobSpec } from '../../jobs/spec.js';
import { showKey } from '../../storage/keys.js';
import { validateMapping, type ColumnMapping } from '../../transform/mapping.js';
import { transform } from '../../transform/transform.js';
import type { OutputFile } from '../../transform/file-parts.js';
import { checkAudienceName, checkMinimumSize, type ResolvedAudience } from '../../upload/upload.js';
import { localInputs, transformSlots, withScratch } from './common.js';
import { loadDataset, ruleContext } from './datasets.js';

/** What the wizard sends for a dry run, an upload or a schedule. */
export interface UploadRequest {
  datasetId: number;
  destinationId: number;
  audience: { name: string } | { id: string };
  mode: JobMode;
  mappings: ColumnMapping[];
  defaultCountry?: string;
  dateFormat?: DateFormat;
}

export interface CheckedUpload {
  dataset: DatasetRow;
  destination: SavedDestination;
  definition: DestinationDefinition;
  spec: UploadJobSpec;
}

/**
 * The checks an upload passes before anything is created, without reading the data: the dataset and the saved
 * destination exist, the mapping fits the dataset's columns and the platform, the audience name fits the
 * platform's limit, the default country is a country. Returns the job spec to submit.
 */
export async function checkUploadRequest(runtime: Pick<Runtime, 'db'>, request: UploadRequest): Promise<CheckedUpload> {
  const dataset = await loadDataset(runtime, request.datasetId);
  const destination = await getSavedDestination(runtime.db, request.destinationId);
  const definition = getDestination(destination.platform);
  validateMapping(request.mappings, dataset.columns.map((column) => column.name), definition.profile);
  if ('name' in request.audience) checkAudienceName(definition, request.audience.name);
  else if (request.audience.id.trim() === '') throw new AuError('AU_AUDIENCE_INVALID', 'the audience id is empty');
  const ctx = ruleContext(request);
  const spec: UploadJobSpec = {
    platform: definition.platform,
    destinationId: destination.id,
    audience: 'name' in request.audience ? { name: request.audience.name.trim() } : { id: request.audience.id.trim() },
    mode: request.mode,
    inputs: { storage: dataset.source.keys },
    mappings: request.mappings,
    ...(ctx.defaultCountry ? { defaultCountry: ctx.defaultCountry } : {}),
    ...(ctx.dateFormat ? { dateFormat: ctx.dateFormat } : {}),
  };
  return { dataset, destination, definition, spec };
}

/** The dataset's files are still in storage (a job would fail later otherwise). AU_STORAGE_NOT_FOUND naming the key. */
export async function checkInputsExist(runtime: Pick<Runtime, 'storage'>, keys: readonly string[]): Promise<void> {
  for (const key of keys) {
    if ((await runtime.storage.stat(key)) !== null) continue;
    const listed = await runtime.storage.list(key, { recursive: true, limit: 1 });
    if (listed.objects.length === 0) {
      throw new AuError('AU_STORAGE_NOT_FOUND', `The dataset's input ${showKey(key)} is no longer in storage; upload it again or choose another dataset`, { key });
    }
  }
}

export interface DryRunColumn {
  column: string;
  type: string;
  valid: number;
  empty: number;
  invalid: number;
  invalidByReason: Record<string, number>;
}

export interface DryRunResult {
  rows: number;
  valid: number;
  invalidByReason: Record<string, number>;
  duplicates: number;
  perColumn: DryRunColumn[];
  kept: number;
  expectedAdditions: number | null;
  expectedRemovals: number | null;
  batches: number;
  warnings: string[];
}

/**
 * The real transform of the dataset for the destination's platform, into a scratch folder removed afterwards, and
 * the plan it would make: counts, batches, and what the audience should gain and lose. Nothing reaches the
 * platform: the audience is the one this installation remembers for the name (or the given id), and a mirror is
 * compared with that audience's last snapshot.
 */
export async function dryRun(runtime: Runtime, checked: CheckedUpload): Promise<DryRunResult> {
  const { definition, destination, spec } = checked;
  await checkInputsExist(runtime, checked.dataset.source.keys);
  const account = accountKey(definition.platform, destination.account);
  const audienceId = 'id' in spec.audience ? spec.audience.id : await knownAudienceId(runtime.db, definition.platform, account, spec.audience.name);
  const target: ResolvedAudience = {
    ref: audienceId !== undefined ? { id: audienceId } : { name: 'name' in spec.audience ? spec.audience.name : '' },
    name: 'name' in spec.audience ? spec.audience.name : null,
    info: null,
  };
  return transformSlots.run(() =>
    withScratch(runtime, 'dry-run', async (scratch) => {
      const inputs = await localInputs(runtime, checked.dataset.source.keys, scratch);
      const fullDir = join(scratch, 'full');
      let report;
      try {
        report = await transform({
          inputs: inputs.paths,
          destination: definition.platform,
          mappings: spec.mappings,
          outDir: fullDir,
          dataDir: runtime.dataDir,
          defaultCountry: spec.defaultCountry,
          dateFormat: spec.dateFormat,
        });
      } catch (error) {
        throw inputs.rewrite(error);
      }
      const warnings = [...report.warnings];
      const kept = report.rows.kept;
      const plan = (files: readonly OutputFile[], mode: 'append' | 'remove' | 'replace', sessionId: string, firstSeq?: number): PlannedBatch[] => {
        if (files.length === 0) return [];
        try {
          return definition.plan({ files, typeName: report.output.typeName, header: report.output.header, mode, audience: target.ref, sessionId, ...(firstSeq ? { firstSeq } : {}) });
        } catch (error) {
          if (!isAuError(error)) throw error;
          warnings.push(error.message);
          return [];
        }
      };
      const minimum = (mode: 'append' | 'remove' | 'replace') => {
        try {
          checkMinimumSize(definition, mode, target, kept);
        } catch (error) {
          if (!isAuError(error)) throw error;
          warnings.push(error.message);
        }
      };
      let batches: PlannedBatch[];
      let expectedAdditions: number | null;
      let expectedRemovals: number | null;
      if (spec.mode === 'mirror') {
        minimum('replace');
        const diff = await diffForMirror(runtime, { definition, account, target, report, fullDir, workDir: scratch });
        const prefixed = (files: readonly OutputFile[], folder: string) => files.map((file) => ({ ...file, path: `${folder}/${file.path}` }));
        const added = plan(prefixed(diff.added.files, 'added'), 'append', '1');
        const removed = 'id' in target.ref ? plan(prefixed(diff.removed.files, 'removed'), 'remove', '2', added.length + 1) : [];
        batches = chainPlans([added, removed]);
        expectedAdditions = diff.added.rows;
        expectedRemovals = 'id' in target.ref ? diff.removed.rows : 0;
      } else {
        minimum(spec.mode);
        batches = plan(report.output.files, spec.mode, '1');
        expectedAdditions = spec.mode === 'remove' ? 0 : kept;
        // A replace drops whatever the audience held that this upload lacks: only the platform knows how much.
        expectedRemovals = spec.mode === 'remove' ? kept : spec.mode === 'replace' ? null : 0;
      }
      if (kept === 0 && !warnings.some((warning) => warning.includes('nothing to upload'))) warnings.push('no row has a valid identifier: there is nothing to upload');
      const invalidByReason: Record<string, number> = {};
      const perColumn: DryRunColumn[] = report.columns.map((column) => {
        const reasons: Record<string, number> = {};
        for (const [reason, count] of Object.entries(column.invalid)) {
          reasons[reason] = count ?? 0;
          invalidByReason[reason] = (invalidByReason[reason] ?? 0) + (count ?? 0);
        }
        return {
          column: column.column,
          type: column.identifier,
          valid: column.valid,
          empty: column.empty,
          invalid: Object.values(reasons).reduce((sum, n) => sum + n, 0),
          invalidByReason: reasons,
        };
      });
      return {
        rows: report.rows.read,
        valid: report.rows.withIdentifier,
        invalidByReason,
        duplicates: report.rows.duplicates,
        perColumn,
        kept,
        expectedAdditions,
        expectedRemovals,
        batches: batches.length,
        warnings: warnings.map((warning) => inputs.say(warning)),
      };
    }),
  );
}
