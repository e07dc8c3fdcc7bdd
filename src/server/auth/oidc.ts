import * as client from 'openid-client';
import type { Database } from '../../db/database.js';
import { recordAudit } from '../../db/queries/audit.js';
import { createUser, getUserByEmail, type User } from '../../db/queries/users.js';
import { AuError } from '../../errors.js';
import type { OidcSettings } from '../settings.js';

/** The short-lived cookie holding the state, nonce and PKCE verifier between the redirect and the callback. */
export const OIDC_COOKIE = 'au_oidc';
export const OIDC_COOKIE_PATH = '/api/auth/oidc';
export const OIDC_COOKIE_SECONDS = 600;

/** What the sign-in started: checked against what the provider sends back. */
export interface OidcPending {
  state: string;
  nonce: string;
  verifier: string;
}

export interface OidcClient {
  readonly settings: OidcSettings;
  /** The provider's authorization URL for a new sign-in, and what to keep in the cookie until the callback. */
  start(): Promise<{ url: string; pending: OidcPending }>;
  /**
   * Completes the sign-in from the callback's query string: exchanges the code (PKCE), checks state, nonce and the
   * ID token, and finds or creates the user of its verified email. Throws AU_OIDC (message safe to show).
   */
  finish(query: string, pending: OidcPending): Promise<User>;
}

/** Plain http is accepted only for a provider on this machine (development, tests); anything else must be https. */
function isLoopback(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/**
 * OpenID Connect sign-in (authorization code flow with PKCE, state and nonce) with openid-client. The provider's
 * metadata is discovered on first use and kept; a failed discovery is retried on the next sign-in.
 */
export function createOidcClient(db: Database, settings: OidcSettings): OidcClient {
  let configuration: Promise<client.Configuration> | undefined;
  const issuer = new URL(settings.issuer);

  const configure = (): Promise<client.Configuration> => {
    if (!configuration) {
      const insecure = issuer.protocol === 'http:' && isLoopback(issuer);
      configuration = client.discovery(issuer, settings.clientId, settings.clientSecret, settings.clientSecret ? client.ClientSecretPost(settings.clientSecret) : client.None(), {
        ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
        timeout: 10,
      });
      configuration.catch(() => (configuration = undefined));
    }
    return configuration.catch((error: unknown) => {
      throw new AuError('AU_OIDC', `the OpenID Connect provider ${issuer.origin} cannot be reached or described itself wrongly`, {}, { cause: error });
    });
  };

  return {
    settings,

    async start() {
      const config = await configure();
      const pending = { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier() };
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUrl,
        scope: 'openid email profile',
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
      });
      return { url: url.href, pending };
    },

    async finish(query, pending) {
      const config = await configure();
      const callback = new URL(settings.redirectUrl);
      callback.search = query;
      let claims: Record<string, unknown>;
      let accessToken: string;
      try {
        const tokens = await client.authorizationCodeGrant(config, callback, {
          pkceCodeVerifier: pending.verifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
        claims = { ...tokens.claims() };
        accessToken = tokens.access_token;
      } catch (error) {
        // openid-client's messages name the check that failed, never a token.
        const reason = error instanceof Error ? error.message : 'unknown error';
        throw new AuError('AU_OIDC', `the sign-in with ${settings.label} failed: ${reason}`, {}, { cause: error });
      }
      if (typeof claims.email !== 'string') {
        // Some providers put the email only in the userinfo answer.
        try {
          const info = await client.fetchUserInfo(config, accessToken, String(claims.sub));
          claims = { ...info, ...claims, email: info.email, email_verified: info.email_verified };
        } catch {
          // no userinfo endpoint or no email there: refused below
        }
      }
      const email = typeof claims.email === 'string' ? claims.email.trim() : '';
      if (!email) throw new AuError('AU_OIDC', `${settings.label} did not give an email address (the "email" scope is needed)`);
      // Providers that omit email_verified are trusted; one that says false is not.
      if (claims.email_verified === false) throw new AuError('AU_OIDC', `${settings.label} has not verified this email address`);
      return findOrCreateUser(db, email, settings);
    },
  };
}

async function findOrCreateUser(db: Database, email: string, settings: OidcSettings): Promise<User> {
  const existing = await getUserByEmail(db, email);
  if (existing) {
    if (existing.disabledAt) throw new AuError('AU_OIDC', 'this account is disabled; ask an admin');
    const { passwordHash: _hash, ...user } = existing;
    return user;
  }
  try {
    return await db.transaction(async (tx) => {
      // No password: this account signs in through the provider only (an admin can still set one by a reset).
      const user = await createUser(tx, { email, passwordHash: null, role: settings.defaultRole });
      await recordAudit(tx, { actor: 'oidc', action: 'user.created', targetType: 'user', targetId: user.id, details: { email: user.email, role: user.role, via: 'oidc' } });
      return user;
    });
  } catch (error) {
    // Two first sign-ins at once: the other one created the user.
    if (error instanceof AuError && error.code === 'AU_ALREADY_EXISTS') {
      const created = await getUserByEmail(db, email);
      if (created) {
        const { passwordHash: _hash, ...user } = created;
        return user;
      }
    }
    throw error;
  }
}
