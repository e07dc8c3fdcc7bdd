import type { DestinationDefinition } from '../definition.js';
import type { HttpRequest, HttpResponse } from '../http/transport.js';
import { META_DEFAULT_API_VERSION, META_DEFAULT_BASE_URL, appSecretProof } from './api.js';
import { MetaConnector } from './connector.js';
import { planMeta } from './plan.js';
import { metaProfile } from './profile.js';

/** Meta customer-file custom audiences (Graph API). */
export const metaDestination: DestinationDefinition = {
  platform: 'meta',
  label: 'Meta',
  profile: metaProfile,
  credentials: [
    { key: 'accessToken', env: 'AU_META_ACCESS_TOKEN', label: 'Access token', secret: true, required: true },
    {
      key: 'adAccountId',
      env: 'AU_META_AD_ACCOUNT_ID',
      label: 'Ad account id',
      secret: false,
      required: true,
      pattern: /^\d{1,32}$/,
      hint: 'digits only, without the act_ prefix',
    },
    { key: 'appSecret', env: 'AU_META_APP_SECRET', label: 'App secret (for appsecret_proof)', secret: true, required: false },
  ],
  settings: [
    { key: 'baseUrl', env: 'AU_META_BASE_URL', label: 'Graph API host', secret: false, required: false, default: META_DEFAULT_BASE_URL },
    { key: 'apiVersion', env: 'AU_META_API_VERSION', label: 'Graph API version', secret: false, required: false, default: META_DEFAULT_API_VERSION, pattern: /^v\d+\.\d+$/ },
    {
      key: 'customerFileSource',
      env: 'AU_META_CUSTOMER_FILE_SOURCE',
      label: 'customer_file_source',
      secret: false,
      required: false,
      default: 'USER_PROVIDED_ONLY',
      pattern: /^(USER_PROVIDED_ONLY|PARTNER_PROVIDED_ONLY|BOTH_USER_AND_PARTNER_PROVIDED)$/,
    },
    // About 190,000 custom-audience calls an hour per ad account (standard tier): 50 a second stays within it.
    { key: 'requestsPerSecond', env: 'AU_META_REQUESTS_PER_SECOND', label: 'Requests per second', secret: false, required: false, default: '50', pattern: /^\d+(\.\d+)?$/ },
  ],
  limits: {
    requestsPerSecond: 50,
    // Meta publishes no limit for the name; 255 is a conservative bound [unverified].
    maxAudienceNameLength: 255,
    maxRowsPerRequest: 10_000,
  },
  operations: ['test-credentials', 'find-audience', 'create-audience', 'add', 'remove', 'replace', 'read-audience', 'delete-audience'],
  accountField: 'adAccountId',
  derivedSecrets: (credentials) =>
    credentials.appSecret && credentials.accessToken
      ? [{ value: appSecretProof(credentials.accessToken, credentials.appSecret), name: 'appsecret_proof' }]
      : [],
  plan: planMeta,
  connect: (options) => new MetaConnector(options),
  dryRunAnswer: metaDryRunAnswer,
};

function metaDryRunAnswer(request: HttpRequest): HttpResponse {
  const path = new URL(request.url).pathname;
  let body: Record<string, unknown> = {};
  if (path.endsWith('/customaudiences') && request.method === 'POST') body = { id: 'dry-run-audience' };
  else if (path.endsWith('/customaudiences')) body = { data: [], paging: {} };
  else if (/\/users(replace)?$/.test(path)) {
    const sent = JSON.parse(String(request.body)) as { payload: { data: unknown[] }; session?: { session_id?: number } };
    body = { audience_id: 'dry-run-audience', session_id: sent.session?.session_id, num_received: sent.payload.data.length, num_invalid_entries: 0, invalid_entry_samples: {} };
  }
  return { status: 200, headers: new Headers({ 'content-type': 'application/json' }), text: JSON.stringify(body) };
}
