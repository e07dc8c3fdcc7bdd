import type { Interpretation } from '../http/caller.js';

export interface MetaErrorBody {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  error_user_title?: string;
  error_user_msg?: string;
  is_transient?: boolean;
}

const THROTTLE_CODES = new Set([4, 17, 613, 80000, 80003, 80004, 80014]);
const TERMS_SUBCODES = new Set([1870050, 1870090]);

/**
 * Meta's error codes (platforms.md section 4) mapped to what the caller does. `waitMs` comes from the usage headers
 * when the platform says how long until access returns.
 */
export function classifyMetaError(error: MetaErrorBody, waitMs: number | undefined, adAccountId: string): Interpretation<never> {
  const code = error.code ?? 0;
  const subcode = error.error_subcode;
  const said = ` (Meta: ${error.error_user_msg || error.message || 'no message'})`;
  const platformCode = subcode ? `${code}/${subcode}` : code;
  if (THROTTLE_CODES.has(code)) {
    return { ok: false, disposition: 'throttle', code: 'AU_PLATFORM_UNAVAILABLE', platformCode, message: `Meta rate limit reached${said}`, ...(waitMs !== undefined ? { waitMs } : {}) };
  }
  if (code === 1 || code === 2 || error.is_transient) {
    return { ok: false, disposition: 'retry', code: 'AU_PLATFORM_UNAVAILABLE', platformCode, message: `Meta had a temporary error${said}` };
  }
  if (code === 190 || code === 102 || code === 104) {
    return { ok: false, disposition: 'reauth', code: 'AU_AUTH_FAILED', platformCode, message: `Meta refused the access token: check AU_META_ACCESS_TOKEN (it may be invalid or expired)${said}` };
  }
  if (code === 100 && /appsecret_proof/i.test(error.message ?? '')) {
    return { ok: false, disposition: 'reauth', code: 'AU_AUTH_FAILED', platformCode, message: `Meta refused the appsecret_proof: check AU_META_APP_SECRET (it must be the secret of the app that issued the token)${said}` };
  }
  if (subcode !== undefined && TERMS_SUBCODES.has(subcode)) {
    return {
      ok: false,
      disposition: 'fail',
      code: 'AU_PERMISSION_DENIED',
      platformCode,
      message: `ad account ${adAccountId} has not accepted Meta's custom audience terms: accept them at https://business.facebook.com/ads/manage/customaudiences/tos/?act=${adAccountId}${said}`,
    };
  }
  if (code === 2650) {
    switch (subcode) {
      case 1870145:
        return { ok: false, disposition: 'fail', code: 'AU_AUDIENCE_BUSY', platformCode, message: `the Meta audience is being updated by another replace; run the same command again later${said}` };
      case 1870158:
        return { ok: false, disposition: 'fail', code: 'AU_UPLOAD_INCOMPLETE', platformCode, message: `the Meta replace session timed out (90 minutes); run the upload again to start a new one${said}` };
      case 1870144:
        return { ok: false, disposition: 'fail', code: 'AU_PLATFORM_REJECTED', platformCode, message: `Meta cannot replace an audience of 100 million or more; use add and remove instead${said}` };
      default:
        return { ok: false, disposition: 'fail', code: 'AU_PLATFORM_REJECTED', platformCode, message: `Meta refused the replace session${said}` };
    }
  }
  if (code === 100 && subcode === 33) {
    return { ok: false, disposition: 'fail', code: 'AU_AUDIENCE_NOT_FOUND', platformCode, message: `Meta says the object does not exist or these credentials may not use it (check AU_META_AD_ACCOUNT_ID and the audience id)${said}` };
  }
  if (code === 200 || code === 10 || code === 294 || code === 1487301) {
    return { ok: false, disposition: 'fail', code: 'AU_PERMISSION_DENIED', platformCode, message: `Meta denied permission: the token needs ads_management on ad account ${adAccountId}${said}` };
  }
  if (subcode === 1487366) {
    return { ok: false, disposition: 'fail', code: 'AU_AUDIENCE_NOT_FOUND', platformCode, message: `the Meta audience has been deleted${said}` };
  }
  return { ok: false, disposition: 'fail', code: 'AU_PLATFORM_REJECTED', platformCode, message: `Meta refused the request with code ${platformCode}${said}` };
}

/**
 * How long Meta says to wait: `estimated_time_to_regain_access` (minutes) in X-Business-Use-Case-Usage, or
 * `reset_time_duration` (seconds) in X-Ad-Account-Usage. Undefined when neither is there.
 */
export function metaWaitHint(headers: Headers): number | undefined {
  let longest: number | undefined;
  const consider = (ms: number) => {
    if (Number.isFinite(ms) && ms > 0) longest = Math.max(longest ?? 0, ms);
  };
  try {
    const business = headers.get('x-business-use-case-usage');
    if (business) {
      const usage = JSON.parse(business) as Record<string, { estimated_time_to_regain_access?: number }[]>;
      for (const entries of Object.values(usage)) for (const entry of entries) consider((entry.estimated_time_to_regain_access ?? 0) * 60_000);
    }
    const account = headers.get('x-ad-account-usage');
    if (account) consider(((JSON.parse(account) as { reset_time_duration?: number }).reset_time_duration ?? 0) * 1000);
  } catch {
    // A malformed usage header is no reason to fail a request; the backoff applies.
  }
  return longest;
}
