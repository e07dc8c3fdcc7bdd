import type { DestinationDefinition } from '../definition.js';
import type { HttpRequest, HttpResponse } from '../http/transport.js';
import { TIKTOK_DEFAULT_BASE_URL, TIKTOK_PATHS } from './api.js';
import { TiktokConnector } from './connector.js';
import { TIKTOK_MAX_FILES_PER_CALL, planTiktok } from './plan.js';
import { tiktokProfile } from './profile.js';

/** TikTok Ads custom audiences through customer files (Marketing API v1.3). */
export const tiktokDestination: DestinationDefinition = {
  platform: 'tiktok',
  label: 'TikTok Ads',
  profile: tiktokProfile,
  credentials: [
    { key: 'accessToken', env: 'AU_TIKTOK_ACCESS_TOKEN', label: 'Access token', secret: true, required: true },
    {
      key: 'advertiserId',
      env: 'AU_TIKTOK_ADVERTISER_ID',
      label: 'Advertiser id',
      secret: false,
      required: true,
      pattern: /^\d{1,32}$/,
      hint: 'the numeric advertiser id from TikTok Ads Manager',
    },
  ],
  settings: [
    { key: 'baseUrl', env: 'AU_TIKTOK_BASE_URL', label: 'API host', secret: false, required: false, default: TIKTOK_DEFAULT_BASE_URL },
    // Published limit of the basic tier: 10 QPS (and 600 a minute, 864,000 a day, which 10 QPS never exceeds).
    { key: 'requestsPerSecond', env: 'AU_TIKTOK_REQUESTS_PER_SECOND', label: 'Requests per second', secret: false, required: false, default: '10', pattern: /^\d+(\.\d+)?$/ },
  ],
  limits: {
    requestsPerSecond: 10,
    maxAudienceNameLength: 128,
    minAudienceSize: 1000,
    maxFileBytes: tiktokProfile.output.kind === 'file-set' ? tiktokProfile.output.maxFileBytes : undefined,
    maxFilesPerRequest: TIKTOK_MAX_FILES_PER_CALL,
  },
  operations: ['test-credentials', 'find-audience', 'create-audience', 'add', 'remove', 'replace', 'read-audience', 'delete-audience'],
  accountField: 'advertiserId',
  plan: planTiktok,
  connect: (options) => new TiktokConnector(options),
  dryRunAnswer: tiktokDryRunAnswer,
};

let dryRunFiles = 0;

function tiktokDryRunAnswer(request: HttpRequest): HttpResponse {
  const path = new URL(request.url).pathname;
  let data: Record<string, unknown> = {};
  if (path.endsWith(TIKTOK_PATHS.upload)) data = { file_path: `dry-run/file-${++dryRunFiles}` };
  else if (path.endsWith(TIKTOK_PATHS.create)) data = { custom_audience_id: 'dry-run-audience' };
  else if (path.endsWith(TIKTOK_PATHS.list)) data = { list: [], page_info: { page: 1, page_size: 100, total_number: 0, total_page: 1 } };
  return {
    status: 200,
    headers: new Headers({ 'content-type': 'application/json' }),
    text: JSON.stringify({ code: 0, message: 'OK (dry run: nothing was sent)', request_id: 'dry-run', data }),
  };
}
