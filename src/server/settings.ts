import { AuError } from '../errors.js';
import { ROLES, type Role } from '../db/queries/users.js';

/** OpenID Connect sign-in, when AU_OIDC_ISSUER and AU_OIDC_CLIENT_ID are set. */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  redirectUrl: string;
  label: string;
  defaultRole: Role;
}

/** The server's settings, read once from the environment when the server is built. */
export interface ServerSettings {
  /** Where users reach the server (AU_PUBLIC_URL), e.g. `https://audiences.example.com`; optional. */
  publicUrl: string | undefined;
  /** Cookies carry `Secure`: AU_PUBLIC_URL is https, or AU_SECURE_COOKIES=true (TLS ends at a proxy). */
  secureCookies: boolean;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  /** Sign-in attempts per 15 minutes per client address and email. */
  loginRateLimit: number;
  adminEmail: string;
  oidc: OidcSettings | null;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new AuError('AU_OPTION_INVALID', `${name} must be a positive whole number`, { variable: name });
  return value;
}

export function serverSettings(env: NodeJS.ProcessEnv): ServerSettings {
  const publicUrl = env.AU_PUBLIC_URL?.trim().replace(/\/+$/, '') || undefined;
  if (publicUrl !== undefined && !/^https?:\/\/[^/]/i.test(publicUrl)) {
    throw new AuError('AU_OPTION_INVALID', 'AU_PUBLIC_URL must start with http:// or https://', { variable: 'AU_PUBLIC_URL' });
  }
  const secureCookies = /^https:/i.test(publicUrl ?? '') || /^(true|1|yes)$/i.test(env.AU_SECURE_COOKIES?.trim() ?? '');
  return {
    publicUrl,
    secureCookies,
    sessionIdleMinutes: positive(env, 'AU_SESSION_IDLE_MINUTES', 720),
    sessionMaxHours: positive(env, 'AU_SESSION_MAX_HOURS', 168),
    loginRateLimit: positive(env, 'AU_LOGIN_RATE_LIMIT', 10),
    adminEmail: env.AU_ADMIN_EMAIL?.trim() || 'admin@localhost',
    oidc: oidcSettings(env, publicUrl),
  };
}

function oidcSettings(env: NodeJS.ProcessEnv, publicUrl: string | undefined): OidcSettings | null {
  const issuer = env.AU_OIDC_ISSUER?.trim();
  const clientId = env.AU_OIDC_CLIENT_ID?.trim();
  if (!issuer && !clientId) return null;
  if (!issuer || !clientId) {
    throw new AuError('AU_OPTION_INVALID', 'OpenID Connect needs both AU_OIDC_ISSUER and AU_OIDC_CLIENT_ID', { variable: issuer ? 'AU_OIDC_CLIENT_ID' : 'AU_OIDC_ISSUER' });
  }
  const redirectUrl = env.AU_OIDC_REDIRECT_URL?.trim() || (publicUrl ? `${publicUrl}/api/auth/oidc/callback` : undefined);
  if (!redirectUrl) {
    throw new AuError('AU_OPTION_INVALID', 'OpenID Connect needs AU_PUBLIC_URL (or AU_OIDC_REDIRECT_URL) to know its callback address', { variable: 'AU_PUBLIC_URL' });
  }
  const defaultRole = (env.AU_OIDC_DEFAULT_ROLE?.trim() || 'viewer') as Role;
  if (!ROLES.includes(defaultRole)) {
    throw new AuError('AU_OPTION_INVALID', `AU_OIDC_DEFAULT_ROLE must be one of ${ROLES.join(', ')}`, { variable: 'AU_OIDC_DEFAULT_ROLE' });
  }
  return {
    issuer,
    clientId,
    clientSecret: env.AU_OIDC_CLIENT_SECRET?.trim() || undefined,
    redirectUrl,
    label: env.AU_OIDC_LABEL?.trim() || 'single sign-on',
    defaultRole,
  };
}
