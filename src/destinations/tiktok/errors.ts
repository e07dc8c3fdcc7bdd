import type { Interpretation } from '../http/caller.js';

/**
 * TikTok answers HTTP 200 with a non-zero `code` for errors (platforms.md section 3). Each code maps to what the
 * caller should do; messages say which credential or input to fix, never echo the token.
 */
export function classifyTiktokCode(code: number, message: string, now = Date.now()): Interpretation<never> {
  const said = message ? ` (TikTok: ${message})` : '';
  switch (code) {
    case 40100:
    case 40133:
      return { ok: false, disposition: 'throttle', code: 'AU_PLATFORM_UNAVAILABLE', platformCode: code, message: `TikTok rate limit reached${said}`, waitMs: tiktokThrottleWait(message, now) };
    case 40104:
      return reauth(code, 'TikTok received no access token: set AU_TIKTOK_ACCESS_TOKEN');
    case 40105:
      return reauth(code, 'TikTok says the access token is invalid: check AU_TIKTOK_ACCESS_TOKEN');
    case 40102:
      return reauth(code, 'TikTok says the access token has expired: renew it and update AU_TIKTOK_ACCESS_TOKEN');
    case 40001:
      return { ok: false, disposition: 'fail', code: 'AU_PERMISSION_DENIED', platformCode: code, message: `the TikTok access token may not act for this advertiser: check AU_TIKTOK_ADVERTISER_ID and the token's permissions${said}` };
    case 40002:
      if (/processing/i.test(message)) {
        return { ok: false, disposition: 'fail', code: 'AU_AUDIENCE_BUSY', platformCode: code, message: `the TikTok audience is still processing an earlier change; run the same command again later to continue${said}` };
      }
      if (/less than 1,?000/i.test(message)) {
        return { ok: false, disposition: 'fail', code: 'AU_AUDIENCE_TOO_SMALL', platformCode: code, message: `TikTok refuses changes that leave an audience with fewer than 1,000 members${said}` };
      }
      return fail(code, `TikTok refused a parameter${said}`);
    case 40007:
      return { ok: false, disposition: 'fail', code: 'AU_AUDIENCE_NOT_FOUND', platformCode: code, message: `TikTok says the object does not exist for this advertiser (an audience id of another advertiser, or a deleted one)${said}` };
    case 40900:
      // The file arrived different from what we signed: a transfer problem, worth one more try.
      return { ok: false, disposition: 'retry', code: 'AU_PLATFORM_UNAVAILABLE', platformCode: code, message: `TikTok says the file does not match its signature${said}` };
    case 40906:
      return fail(code, `TikTok says the file is empty${said}`);
    case 40907:
      return fail(code, `TikTok says the file is too large${said}`);
    case 40909:
      return fail(code, `TikTok does not support this calculate_type${said}`);
    case 40910:
      return fail(code, `TikTok says an uploaded file has expired; run the upload again to send it anew${said}`);
    case 50000:
    case 50002:
    case 60001:
      return { ok: false, disposition: 'retry', code: 'AU_PLATFORM_UNAVAILABLE', platformCode: code, message: `TikTok had a server error${said}` };
    default:
      return fail(code, `TikTok answered code ${code}${said}`);
  }
}

function reauth(code: number, message: string): Interpretation<never> {
  return { ok: false, disposition: 'reauth', code: 'AU_AUTH_FAILED', platformCode: code, message };
}

function fail(code: number, message: string): Interpretation<never> {
  return { ok: false, disposition: 'fail', code: 'AU_PLATFORM_REJECTED', platformCode: code, message };
}

/** TikTok sends no Retry-After: the QPS window ends with the second, the minute quota in 5 min, the daily at UTC midnight. */
export function tiktokThrottleWait(message: string, now = Date.now()): number {
  if (/\bday|daily/i.test(message)) {
    const midnight = new Date(now);
    midnight.setUTCHours(24, 0, 0, 0);
    return midnight.getTime() - now;
  }
  if (/minute/i.test(message)) return 5 * 60_000;
  return 1000 - (now % 1000);
}
