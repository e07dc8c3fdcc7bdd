import type { Role } from '../../db/queries/users.js';

/**
 * Who may call a route. Every route declares one in `config.access`; the server refuses to start when an API route
 * has none, so a forgotten guard cannot ship. Roles are ordered: admin can do what an operator can, an operator
 * what a viewer can.
 *   public    login, health, the web app's static files
 *   viewer    read only
 *   operator  datasets, uploads, jobs (retry, cancel), schedules, saved mappings
 *   admin     users, destinations and their credentials
 */
export type Access = 'public' | Role;

/** A signed-in caller, on `request.auth`. */
export interface AuthContext {
  user: { id: number; email: string; role: Role; mustChangePassword: boolean };
  via: 'session' | 'token';
  /** What the audit log records as the actor: the user's email. */
  actor: string;
  /** For cookie sessions: the session (by the SHA-256 of its cookie) and the CSRF token its unsafe requests must echo. */
  session?: { idHash: string; csrfToken: string };
}

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function roleAllows(role: Role, access: Access): boolean {
  return access === 'public' || RANK[role] >= RANK[access];
}

/** One registered route and who may call it, as the guard recorded it (`app.routeAccess`; tests walk it). */
export interface RouteAccess {
  method: string;
  url: string;
  access: Access;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    auth: AuthContext | null;
  }
  interface FastifyInstance {
    routeAccess: RouteAccess[];
  }
}
