import type { PlatformProfile } from '../profile.js';
import { emailTiktokRule } from '../../identifiers/rules/email.js';
import { phoneRule } from '../../identifiers/rules/phone.js';
import { maidRule } from '../../identifiers/rules/maid.js';

/**
 * TikTok Ads custom audiences from customer files (API v1.3). Every identifier is SHA-256 hashed.
 * Sources: ../../../../shared/platforms.md sections 2-3. The multi-type header names follow TikTok's
 * "supported IDs and formats for a customer file" help page (EMAIL_SHA256, PHONE_SHA256, MAID_SHA256).
 */
export const tiktokProfile: PlatformProfile = {
  platform: 'tiktok',
  label: 'TikTok Ads',
  identifiers: {
    EMAIL: { rule: emailTiktokRule, hashed: true, fields: [{ key: 'EMAIL_SHA256' }] },
    PHONE: { rule: phoneRule, hashed: true, fields: [{ key: 'PHONE_SHA256' }] },
    IDFA: { rule: maidRule, hashed: true, fields: [{ key: 'IDFA_SHA256', multiKey: 'MAID_SHA256' }] },
    GAID: { rule: maidRule, hashed: true, fields: [{ key: 'GAID_SHA256', multiKey: 'MAID_SHA256' }] },
    // FIRST_SHA256 is TikTok's type for "IDFA or GAID, unknown which".
    MAID: { rule: maidRule, hashed: true, fields: [{ key: 'FIRST_SHA256', multiKey: 'MAID_SHA256' }] },
  },
  output: {
    kind: 'file-set',
    // TikTok takes files under 1 GB; 50 MB (as the seed did) keeps each upload request short and retryable.
    maxFileBytes: 50 * 1024 * 1024,
    multiTypeName: 'MULTIPLE_TYPES',
    maxRepeatsPerKey: 3,
  },
  minAudienceSize: 1000,
};
