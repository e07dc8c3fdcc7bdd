import { AuError } from '../../errors.js';
import type { PlanInput, PlannedBatch } from '../definition.js';
import { chunk, combinedChecksum } from '../shared/plan-helpers.js';

/** TikTok takes fewer than 50 file paths per create or update call. */
export const TIKTOK_MAX_FILES_PER_CALL = 49;

export type TiktokAction = 'CREATE' | 'APPEND' | 'REMOVE' | 'REPLACE';

/**
 * Files are uploaded, then applied by path, a group of 49 at a time: upload the group's files, then one create or
 * update call for them. The first group of a new audience creates it; a replace replaces with the first group and
 * appends the rest, so the audience ends up holding exactly the upload.
 */
export function planTiktok(input: PlanInput): PlannedBatch[] {
  if (input.files.length === 0) throw new AuError('AU_UPLOAD_INCOMPLETE', 'there is nothing to upload: no file was written');
  const isNew = 'name' in input.audience;
  if (isNew && input.mode === 'remove') {
    throw new AuError('AU_AUDIENCE_NOT_FOUND', 'mode "remove" needs an existing audience; none has this name');
  }
  const batches: PlannedBatch[] = [];
  let seq = (input.firstSeq ?? 1) - 1;
  let previousApply: number | undefined;
  chunk(input.files, TIKTOK_MAX_FILES_PER_CALL).forEach((group, index) => {
    const uploads: number[] = [];
    for (const file of group) {
      uploads.push(++seq);
      batches.push({
        seq,
        kind: 'upload-file',
        files: [file.path],
        rows: file.rows,
        checksum: file.md5,
        params: { calculateType: input.typeName },
        // Uploads may overlap, but a group's uploads wait for the previous group to be applied, so a failure
        // never leaves many uploaded files waiting (TikTok expires them).
        dependsOn: previousApply ? [previousApply] : [],
      });
    }
    const action = actionFor(input, index, isNew);
    batches.push({
      seq: ++seq,
      kind: 'apply-files',
      files: group.map((file) => file.path),
      rows: group.reduce((sum, file) => sum + file.rows, 0),
      checksum: combinedChecksum(group),
      params: {
        action,
        calculateType: input.typeName,
        uploads,
        ...(action === 'CREATE' && 'name' in input.audience ? { name: input.audience.name } : {}),
      },
      // Applies run in order: the first creates or replaces, the later ones append to it.
      dependsOn: previousApply ? [...uploads, previousApply] : uploads,
    });
    previousApply = seq;
  });
  return batches;
}

function actionFor(input: PlanInput, groupIndex: number, isNew: boolean): TiktokAction {
  if (groupIndex === 0 && isNew) return 'CREATE';
  if (input.mode === 'remove') return 'REMOVE';
  if (input.mode === 'replace' && groupIndex === 0) return 'REPLACE';
  return 'APPEND';
}
