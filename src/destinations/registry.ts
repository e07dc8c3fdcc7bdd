import { AuError } from '../errors.js';
import { metaProfile } from './meta/profile.js';
import type { PlatformProfile } from './profile.js';
import { tiktokProfile } from './tiktok/profile.js';

/** Every destination the product knows; adding Snap or Google is one folder and one line here. */
export const PROFILES: Readonly<Record<string, PlatformProfile>> = {
  tiktok: tiktokProfile,
  meta: metaProfile,
};

export function getProfile(platform: string): PlatformProfile {
  const profile = PROFILES[platform.toLowerCase()];
  if (!profile) {
    throw new AuError('AU_OPTION_INVALID', `unknown destination "${platform}"; use one of: ${Object.keys(PROFILES).join(', ')}`);
  }
  return profile;
}
