import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isCalculateType, parseCustomerFile, type CalculateType } from './customer-file.js';
import { TIKTOK_MESSAGES, TiktokApiError, TiktokCode, success } from './envelope.js';
import { MIN_AUDIENCE_SIZE, type Audience, type TiktokState } from './state.js';
import { readUploadRequest } from './upload.js';
import { createBody, deleteBody, getQuery, listQuery, parseParameters, updateBody } from './validation.js';

/** Every TikTok path ends with a slash; Fastify's exact matching turns the path without it into HTTP 404. */
export const TIKTOK_API_PREFIX = '/open_api/v1.3/';

export interface RouteSettings {
  accessTokens: Record<string, string[]>;
  maxFileBytes: number;
}

/** Registers the customer-file custom audience endpoints; auth and faults are hooks of the enclosing scope. */
export function registerTiktokRoutes(scope: FastifyInstance, state: TiktokState, settings: RouteSettings): void {
  const route = (path: string) => `${TIKTOK_API_PREFIX}${path}`;
  const requireAdvertiser = (request: FastifyRequest, advertiserId: string) => {
    const allowed = settings.accessTokens[accessTokenOf(request) ?? ''] ?? [];
    if (!allowed.includes(advertiserId)) {
      throw new TiktokApiError(TiktokCode.noPermission, `No permission to operate advertiser_id ${advertiserId}.`);
    }
  };

  scope.post(route('dmp/custom_audience/file/upload/'), async (request) => {
    const upload = await readUploadRequest(request);
    const field = (name: string) => {
      const value = upload.fields.get(name);
      if (value === undefined || value === '') throw parameterError(`${name}: Missing data for required field.`);
      return value;
    };
    const advertiserId = field('advertiser_id');
    requireAdvertiser(request, advertiserId);
    const calculateType = field('calculate_type');
    if (!isCalculateType(calculateType)) {
      throw new TiktokApiError(TiktokCode.unsupportedCalculateType, `Unsupported calculate_type: ${calculateType}.`);
    }
    const signature = field('file_signature');
    if (upload.tooLarge) {
      throw new TiktokApiError(TiktokCode.fileTooLarge, `The file exceeds the ${settings.maxFileBytes} byte limit.`);
    }
    if (upload.file === null) throw parameterError('file: Missing data for required field.');
    if (upload.file.bytes === 0) throw new TiktokApiError(TiktokCode.emptyFile, 'The file is empty.');
    if (signature !== upload.file.md5) {
      throw new TiktokApiError(TiktokCode.signatureMismatch, 'file_signature does not match the MD5 of the file.');
    }
    const members = parseCustomerFile(calculateType, upload.file.lines);
    const file = state.addFile(advertiserId, calculateType, members);
    return success({ file_path: file.path });
  });

  scope.post(route('dmp/custom_audience/create/'), async (request) => {
    const body = parseParameters(createBody, request.body);
    requireAdvertiser(request, body.advertiser_id);
    const calculateType = knownCalculateType(body.calculate_type);
    const files = state.resolveFiles(body.advertiser_id, body.file_paths);
    const audience = state.createAudience({
      advertiserId: body.advertiser_id,
      name: body.custom_audience_name,
      calculateType,
      retentionInDays: body.retention_in_days,
      files,
    });
    return success({ custom_audience_id: audience.id });
  });

  scope.post(route('dmp/custom_audience/update/'), async (request) => {
    const body = parseParameters(updateBody, request.body);
    requireAdvertiser(request, body.advertiser_id);
    const audience = state.audience(body.advertiser_id, body.custom_audience_id);
    const files = state.resolveFiles(body.advertiser_id, body.file_paths);
    state.updateAudience(audience, body.action, files);
    return success({ custom_audience_id: audience.id });
  });

  scope.get(route('dmp/custom_audience/list/'), async (request) => {
    const query = parseParameters(listQuery, request.query);
    requireAdvertiser(request, query.advertiser_id);
    const wanted = query.custom_audience_ids ? new Set(query.custom_audience_ids) : null;
    const matching = state.audiencesOf(query.advertiser_id).filter((audience) => !wanted || wanted.has(audience.id));
    const start = (query.page - 1) * query.page_size;
    return success({
      list: matching.slice(start, start + query.page_size).map((audience) => describe(state, audience)),
      page_info: {
        page: query.page,
        page_size: query.page_size,
        total_number: matching.length,
        total_page: Math.ceil(matching.length / query.page_size),
      },
    });
  });

  scope.get(route('dmp/custom_audience/get/'), async (request) => {
    const query = parseParameters(getQuery, request.query);
    requireAdvertiser(request, query.advertiser_id);
    const audiences = query.custom_audience_ids.map((id) => state.audience(query.advertiser_id, id));
    return success({ list: audiences.map((audience) => ({ audience_details: describe(state, audience) })) });
  });

  scope.post(route('dmp/custom_audience/delete/'), async (request) => {
    const body = parseParameters(deleteBody, request.body);
    requireAdvertiser(request, body.advertiser_id);
    state.deleteAudiences(body.advertiser_id, body.custom_audience_ids);
    return success({});
  });
}

/** The token check every TikTok route shares; it runs before the body is read. */
export function checkAccessToken(request: FastifyRequest, accessTokens: Record<string, string[]>): void {
  const token = accessTokenOf(request);
  if (token === undefined || token === '') throw new TiktokApiError(TiktokCode.tokenMissing, TIKTOK_MESSAGES.tokenMissing);
  if (!Object.hasOwn(accessTokens, token)) throw new TiktokApiError(TiktokCode.tokenInvalid, TIKTOK_MESSAGES.tokenInvalid);
}

function accessTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers['access-token'];
  return Array.isArray(header) ? header[0] : header;
}

const parameterError = (message: string) => new TiktokApiError(TiktokCode.parameterError, message);

function knownCalculateType(value: string): CalculateType {
  if (!isCalculateType(value)) {
    throw new TiktokApiError(TiktokCode.unsupportedCalculateType, `Unsupported calculate_type: ${value}.`);
  }
  return value;
}

/** One audience as the list and get endpoints show it. */
function describe(state: TiktokState, audience: Audience) {
  return {
    audience_id: audience.id,
    name: audience.name,
    calculate_type: audience.calculateType,
    cover_num: audience.members.size,
    is_valid: audience.members.size >= MIN_AUDIENCE_SIZE && !state.isProcessing(audience),
    is_expired: false,
    create_time: utcTimestamp(audience.createdAt),
  };
}

/** TikTok's "YYYY-MM-DD HH:MM:SS", in UTC. */
function utcTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
