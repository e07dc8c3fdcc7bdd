import { AuError } from '../errors.js';
import type { DestinationDefinition } from './definition.js';
import { metaDestination } from './meta/definition.js';
import type { PlatformProfile } from './profile.js';
import { tiktokDestination } from './tiktok/definition.js';

/** Every destination the product knows; adding Snap or Google is one folder and one line here. */
export const DESTINATIONS: Readonly<Record<string, DestinationDefinition>> = {
  tiktok: tiktokDestination,
  meta: metaDestination,
};

export const PROFILES: Readonly<Record<string, PlatformProfile>> = Object.fromEntries(
  Object.entries(DESTINATIONS).map(([platform, destination]) => [platform, destination.profile]),
);

export function getDestination(platform: string): DestinationDefinition {
  const destination = DESTINATIONS[platform.toLowerCase()];
  if (!destination) {
    throw new AuError('AU_OPTION_INVALID', `unknown destination "${platform}"; use one of: ${Object.keys(DESTINATIONS).join(', ')}`);
  }
  return destination;
}

export function getProfile(platform: string): PlatformProfile {
  return getDestination(platform).profile;
}
