import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Queryable } from '../db/database.js';
import { databaseRateLimitStore } from './rate-limit-store.js';
import type { ServerSettings } from './settings.js';

/**
 * The Content-Security-Policy of everything the server answers, fit for the Vite-built SPA (its scripts and styles
 * are files under /assets; React sets inline styles; charts draw data: images) and for Swagger UI at /api/docs.
 */
export function contentSecurityPolicy(secure: boolean): Record<string, string[]> {
  return {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    // Only behind https: on plain http (a LAN address) it would make the browser fetch every asset over https.
    ...(secure ? { upgradeInsecureRequests: [] } : {}),
  };
}

/** The same policy as a header value (Swagger UI sets its own header on its routes: given this one). */
export function contentSecurityPolicyHeader(secure: boolean): string {
  return Object.entries(contentSecurityPolicy(secure))
    .map(([name, values]) => [name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), ...values].join(' '))
    .join('; ');
}

/**
 * Secure headers (helmet), cookies, and the rate limiter (off by default; the sign-in route turns it on), which
 * counts in the database so that several server processes share the counts.
 */
export async function installSecurity(app: FastifyInstance, settings: ServerSettings, db: Queryable): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(settings.secureCookies) },
    frameguard: { action: 'deny' },
    // HSTS over plain http is ignored by browsers and would pin a later https setup: only when served over https.
    hsts: settings.secureCookies ? { maxAge: 180 * 24 * 3600, includeSubDomains: false } : false,
  });
  await app.register(cookie);
  await app.register(rateLimit, { global: false, store: databaseRateLimitStore(db) });
}
