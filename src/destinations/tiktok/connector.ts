import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createHash } from 'node:crypto';
import { AuError } from '../../errors.js';
import type { AudienceInfo, BatchOutcome, ConnectOptions, Connector, DeliveryContext, PlannedBatch } from '../definition.js';
import type { PlatformCaller } from '../http/caller.js';
import { accountKey } from '../config.js';
import {
  TIKTOK_DEFAULT_BASE_URL,
  TIKTOK_PAGE_SIZE,
  TIKTOK_PATHS,
  interpretTiktok,
  requireString,
  tiktokGetRequest,
  tiktokJsonRequest,
  tiktokUploadRequest,
  type TiktokApi,
  type TiktokAudienceItem,
} from './api.js';

/** File uploads of up to 50 MB get more time than JSON calls. */
const UPLOAD_TIMEOUT_MS = 10 * 60_000;

export function toAudienceInfo(item: TiktokAudienceItem): AudienceInfo {
  const info: AudienceInfo = {
    id: String(item.audience_id),
    name: item.name,
    size: typeof item.cover_num === 'number' ? item.cover_num : null,
    status: item.is_valid ? 'valid' : 'not valid yet (processing, or under 1,000 members)',
    // TikTok's is_valid is also false for a small audience; only the update call can say "processing".
    ready: true,
  };
  if (item.calculate_type) info.typeName = item.calculate_type;
  return info;
}

export class TiktokConnector implements Connector {
  readonly account: string;
  private readonly api: TiktokApi;
  private readonly caller: PlatformCaller;

  constructor(options: ConnectOptions) {
    this.api = {
      baseUrl: options.settings.baseUrl || TIKTOK_DEFAULT_BASE_URL,
      accessToken: options.credentials.accessToken ?? '',
      advertiserId: options.credentials.advertiserId ?? '',
    };
    this.caller = options.caller;
    this.account = accountKey('tiktok', this.api.advertiserId);
  }

  async testCredentials(): Promise<{ account: string }> {
    await this.listPage(1, 1);
    return { account: this.api.advertiserId };
  }

  async getAudience(id: string): Promise<AudienceInfo> {
    const items = await this.caller.call(
      () => tiktokGetRequest(this.api, TIKTOK_PATHS.get, 'get-audience', { custom_audience_ids: JSON.stringify([id]) }),
      (response) =>
        interpretTiktok(response, (data) => {
          const list = Array.isArray(data.list) ? (data.list as { audience_details?: TiktokAudienceItem }[]) : [];
          return list.map((entry) => entry.audience_details).filter((item): item is TiktokAudienceItem => item !== undefined);
        }),
    ).catch((error: unknown) => {
      if (error instanceof AuError && error.code === 'AU_AUDIENCE_NOT_FOUND') throw notFound(id, this.api.advertiserId);
      throw error;
    });
    const item = items.find((candidate) => String(candidate.audience_id) === id);
    if (!item) throw notFound(id, this.api.advertiserId);
    return toAudienceInfo(item);
  }

  /** Reads every page (the tool we replace skipped the last one and so created duplicates). */
  async findAudiencesByName(name: string): Promise<AudienceInfo[]> {
    const found: AudienceInfo[] = [];
    for (let page = 1; ; page++) {
      const { list, totalPage } = await this.listPage(page, TIKTOK_PAGE_SIZE);
      for (const item of list) if (item.name === name) found.push(toAudienceInfo(item));
      if (page >= totalPage || list.length === 0) break;
    }
    return found;
  }

  async listAudiences(max: number): Promise<AudienceInfo[]> {
    const found: AudienceInfo[] = [];
    for (let page = 1; found.length < max; page++) {
      const { list, totalPage } = await this.listPage(page, TIKTOK_PAGE_SIZE);
      for (const item of list) if (found.length < max) found.push(toAudienceInfo(item));
      if (page >= totalPage || list.length === 0) break;
    }
    return found;
  }

  async runBatch(batch: PlannedBatch, context: DeliveryContext): Promise<BatchOutcome> {
    if (batch.kind === 'upload-file') return this.uploadFile(batch, context);
    if (batch.kind === 'apply-files') return this.applyFiles(batch, context);
    throw new AuError('AU_INTERNAL', `TikTok has no batch kind ${batch.kind}`);
  }

  async deleteAudience(id: string): Promise<void> {
    await this.caller.call(
      () => tiktokJsonRequest(this.api, TIKTOK_PATHS.delete, 'delete-audience', { custom_audience_ids: [id] }),
      (response) => interpretTiktok(response, () => undefined),
    );
  }

  private async adoptCreated(name: string): Promise<string | undefined> {
    const found = await this.findAudiencesByName(name);
    if (found.length > 1) {
      throw new AuError('AU_AUDIENCE_AMBIGUOUS', `${found.length} TikTok audiences are named "${name}" (ids ${found.map((a) => a.id).join(', ')}); choose one with --audience-id`);
    }
    return found[0]?.id;
  }

  private async listPage(page: number, pageSize: number): Promise<{ list: TiktokAudienceItem[]; totalPage: number }> {
    return this.caller.call(
      () => tiktokGetRequest(this.api, TIKTOK_PATHS.list, 'list-audiences', { page: String(page), page_size: String(pageSize) }),
      (response) =>
        interpretTiktok(response, (data) => {
          const info = (data.page_info ?? {}) as { total_page?: number };
          return { list: Array.isArray(data.list) ? (data.list as TiktokAudienceItem[]) : [], totalPage: Number(info.total_page ?? 1) };
        }),
    );
  }

  private async uploadFile(batch: PlannedBatch, context: DeliveryContext): Promise<BatchOutcome> {
    const name = batch.files[0]!;
    const bytes = await readFile(join(context.outDir, name));
    const md5 = createHash('md5').update(bytes).digest('hex');
    if (md5 !== batch.checksum) {
      throw new AuError('AU_UPLOAD_INCOMPLETE', `file ${name} changed since the upload was planned; start the upload anew`);
    }
    const calculateType = String(batch.params.calculateType);
    const filePath = await this.caller.call(
      () => tiktokUploadRequest(this.api, { name: basename(name), bytes, md5 }, calculateType),
      (response) => interpretTiktok(response, (data) => requireString(data, 'file_path')),
      { timeoutMs: UPLOAD_TIMEOUT_MS },
    );
    return { filePath };
  }

  private async applyFiles(batch: PlannedBatch, context: DeliveryContext): Promise<BatchOutcome> {
    const uploads = batch.params.uploads as number[];
    const filePaths = uploads.map((seq) => {
      const path = context.outcomes.get(seq)?.filePath;
      if (!path) throw new AuError('AU_INTERNAL', `batch ${batch.seq} needs the file path of batch ${seq}, which has not run`);
      return path;
    });
    const action = String(batch.params.action);
    const calculateType = String(batch.params.calculateType);
    if (action === 'CREATE') {
      const name = String(batch.params.name);
      // No audience had this name when the upload was planned (else it would update it): one now is ours.
      if (context.resumed) {
        const adopted = await this.adoptCreated(name);
        if (adopted) return { audienceId: adopted, received: batch.rows };
      }
      const existing = new Set((await this.findAudiencesByName(name)).map((audience) => audience.id));
      const audienceId = await this.caller.call(
        () => tiktokJsonRequest(this.api, TIKTOK_PATHS.create, 'create-audience', { custom_audience_name: name, file_paths: filePaths, calculate_type: calculateType }),
        (response) => interpretTiktok(response, (data) => requireString(data, 'custom_audience_id')),
        {
          // A create whose answer was lost may have happened: adopt an audience of this name that was not there before.
          recover: async () => (await this.findAudiencesByName(name)).find((audience) => !existing.has(audience.id))?.id,
        },
      );
      return { audienceId, received: batch.rows };
    }
    if (!context.audienceId) throw new AuError('AU_INTERNAL', `batch ${batch.seq} updates an audience that has no id yet`);
    const audienceId = context.audienceId;
    await this.caller.call(
      () => tiktokJsonRequest(this.api, TIKTOK_PATHS.update, `update-audience-${action.toLowerCase()}`, { custom_audience_id: audienceId, file_paths: filePaths, action }),
      (response) => interpretTiktok(response, () => undefined),
    );
    return { received: batch.rows };
  }
}

function notFound(id: string, advertiserId: string): AuError {
  return new AuError(
    'AU_AUDIENCE_NOT_FOUND',
    `TikTok audience ${id} does not exist in advertiser ${advertiserId} (it may belong to another advertiser, or was deleted)`,
    { audienceId: id },
  );
}
