import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { AuError } from '../../errors.js';
import type { AudienceInfo, BatchOutcome, ConnectOptions, Connector, DeliveryContext, PlannedBatch } from '../definition.js';
import type { PlatformCaller } from '../http/caller.js';
import { accountKey } from '../config.js';
import { parseBatchCsv } from '../shared/batch-csv.js';
import { META_AUDIENCE_FIELDS, META_DEFAULT_API_VERSION, META_DEFAULT_BASE_URL, META_PAGE_SIZE, interpretMeta, metaRequest, type MetaApi } from './api.js';
import type { MetaOperation, MetaSession } from './plan.js';

interface MetaAudience {
  id: string;
  name?: string;
  account_id?: string;
  approximate_count_lower_bound?: number;
  approximate_count_upper_bound?: number;
  operation_status?: { code?: number; description?: string };
}

/** operation_status 200 is "Normal"; others (a replace in progress, an error) mean it is not ready for changes. */
const READY_STATUS = new Set([200]);

export function toAudienceInfo(audience: MetaAudience): AudienceInfo {
  const status = audience.operation_status;
  return {
    id: String(audience.id),
    name: audience.name ?? '',
    size: typeof audience.approximate_count_upper_bound === 'number' ? audience.approximate_count_upper_bound : null,
    status: status ? `${status.code ?? '?'} ${status.description ?? ''}`.trim() : 'unknown',
    ready: status?.code === undefined || READY_STATUS.has(status.code),
  };
}

export class MetaConnector implements Connector {
  readonly account: string;
  private readonly api: MetaApi;
  private readonly caller: PlatformCaller;
  private readonly customerFileSource: string;

  constructor(options: ConnectOptions) {
    this.api = {
      baseUrl: options.settings.baseUrl || META_DEFAULT_BASE_URL,
      version: options.settings.apiVersion || META_DEFAULT_API_VERSION,
      accessToken: options.credentials.accessToken ?? '',
      adAccountId: (options.credentials.adAccountId ?? '').replace(/^act_/, ''),
    };
    if (options.credentials.appSecret) this.api.appSecret = options.credentials.appSecret;
    this.customerFileSource = options.settings.customerFileSource || 'USER_PROVIDED_ONLY';
    this.caller = options.caller;
    this.account = accountKey('meta', this.api.adAccountId);
  }

  async testCredentials(): Promise<{ account: string }> {
    await this.listPage(undefined, 1);
    return { account: this.api.adAccountId };
  }

  async getAudience(id: string): Promise<AudienceInfo> {
    const audience = await this.caller
      .call(
        () => metaRequest(this.api, 'GET', encodeURIComponent(id), 'get-audience', { query: { fields: META_AUDIENCE_FIELDS } }),
        (response) => interpretMeta(response, this.api.adAccountId, (body) => body as unknown as MetaAudience),
      )
      .catch((error: unknown) => {
        if (error instanceof AuError && error.code === 'AU_AUDIENCE_NOT_FOUND') throw notFound(id, this.api.adAccountId);
        throw error;
      });
    if (audience.account_id !== undefined && String(audience.account_id) !== this.api.adAccountId) {
      throw new AuError('AU_PERMISSION_DENIED', `Meta audience ${id} belongs to ad account ${audience.account_id}, not to ${this.api.adAccountId} (AU_META_AD_ACCOUNT_ID)`, { audienceId: id });
    }
    return toAudienceInfo(audience);
  }

  async findAudiencesByName(name: string): Promise<AudienceInfo[]> {
    const found: AudienceInfo[] = [];
    let after: string | undefined;
    do {
      const page = await this.listPage(after, META_PAGE_SIZE);
      for (const audience of page.data) if (audience.name === name) found.push(toAudienceInfo(audience));
      after = page.next;
    } while (after);
    return found;
  }

  async listAudiences(max: number): Promise<AudienceInfo[]> {
    const found: AudienceInfo[] = [];
    let after: string | undefined;
    do {
      const page = await this.listPage(after, META_PAGE_SIZE);
      for (const audience of page.data) if (found.length < max) found.push(toAudienceInfo(audience));
      after = page.next;
    } while (after && found.length < max);
    return found;
  }

  async runBatch(batch: PlannedBatch, context: DeliveryContext): Promise<BatchOutcome> {
    if (batch.kind === 'create-audience') {
      const name = String(batch.params.name);
      // No audience had this name when the upload was planned (else it would update it): one now is ours.
      if (context.resumed) {
        const found = await this.findAudiencesByName(name);
        if (found.length > 1) {
          throw new AuError('AU_AUDIENCE_AMBIGUOUS', `${found.length} Meta audiences are named "${name}" (ids ${found.map((a) => a.id).join(', ')}); choose one with --audience-id`);
        }
        if (found[0]) return { audienceId: found[0].id };
      }
      return { audienceId: await this.createAudience(name) };
    }
    if (batch.kind === 'send-rows') return this.sendRows(batch, context);
    throw new AuError('AU_INTERNAL', `Meta has no batch kind ${batch.kind}`);
  }

  async deleteAudience(id: string): Promise<void> {
    await this.caller.call(
      () => metaRequest(this.api, 'DELETE', encodeURIComponent(id), 'delete-audience'),
      (response) => interpretMeta(response, this.api.adAccountId, () => undefined),
    );
  }

  private async listPage(after: string | undefined, limit: number): Promise<{ data: MetaAudience[]; next?: string }> {
    const query: Record<string, string> = { fields: META_AUDIENCE_FIELDS, limit: String(limit) };
    if (after) query.after = after;
    return this.caller.call(
      () => metaRequest(this.api, 'GET', `act_${this.api.adAccountId}/customaudiences`, 'list-audiences', { query }),
      (response) =>
        interpretMeta(response, this.api.adAccountId, (body) => {
          const paging = body.paging as { cursors?: { after?: string }; next?: string } | undefined;
          const data = Array.isArray(body.data) ? (body.data as MetaAudience[]) : [];
          // Only a `next` link says there is another page; the `after` cursor is present on the last page too.
          const next = paging?.next && paging.cursors?.after ? paging.cursors.after : undefined;
          return next ? { data, next } : { data };
        }),
    );
  }

  private async createAudience(name: string): Promise<string> {
    const existing = new Set((await this.findAudiencesByName(name)).map((audience) => audience.id));
    return this.caller.call(
      () =>
        metaRequest(this.api, 'POST', `act_${this.api.adAccountId}/customaudiences`, 'create-audience', {
          body: { name, subtype: 'CUSTOM', customer_file_source: this.customerFileSource, description: 'Uploaded by Audience Uploader' },
        }),
      (response) =>
        interpretMeta(response, this.api.adAccountId, (body) => {
          if (typeof body.id !== 'string' && typeof body.id !== 'number') throw new Error('id');
          return String(body.id);
        }),
      { recover: async () => (await this.findAudiencesByName(name)).find((audience) => !existing.has(audience.id))?.id },
    );
  }

  private async sendRows(batch: PlannedBatch, context: DeliveryContext): Promise<BatchOutcome> {
    if (!context.audienceId) throw new AuError('AU_INTERNAL', `batch ${batch.seq} sends rows to an audience that has no id yet`);
    const name = batch.files[0]!;
    const text = await readFile(join(context.outDir, name));
    if (createHash('md5').update(text).digest('hex') !== batch.checksum) {
      throw new AuError('AU_UPLOAD_INCOMPLETE', `file ${name} changed since the upload was planned; start the upload anew`);
    }
    const { header, rows } = parseBatchCsv(text.toString('utf8'));
    const operation = batch.params.operation as MetaOperation;
    const session = batch.params.session as MetaSession;
    const audienceId = context.audienceId;
    const method = operation === 'remove' ? 'DELETE' : 'POST';
    const path = `${encodeURIComponent(audienceId)}/${operation === 'replace' ? 'usersreplace' : 'users'}`;
    // The payload goes in the body: query strings fail from about 60 KB.
    const body = { payload: { schema: header, data: rows }, session };
    const answer = await this.caller.call(
      () => metaRequest(this.api, method, path, `${operation}-users`, { body }),
      (response) =>
        interpretMeta(response, this.api.adAccountId, (result) => ({
          received: Number(result.num_received ?? 0),
          invalid: Number(result.num_invalid_entries ?? 0),
          samples: (result.invalid_entry_samples ?? {}) as Record<string, string>,
        })),
    );
    return { received: answer.received, invalid: answer.invalid, invalidSamples: answer.samples };
  }
}

function notFound(id: string, adAccountId: string): AuError {
  return new AuError('AU_AUDIENCE_NOT_FOUND', `Meta audience ${id} does not exist or ad account ${adAccountId} may not use it (it may belong to another account, or was deleted)`, { audienceId: id });
}
