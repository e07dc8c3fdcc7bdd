import type { Role } from '../api/types';

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** Roles are ordered viewer < operator < admin: an admin can do what an operator can, an operator what a viewer can. */
export function hasRole(role: Role | undefined, needed: Role): boolean {
  return role !== undefined && RANK[role] >= RANK[needed];
}

export const ROLE_LABELS: Record<Role, string> = { admin: 'Admin', operator: 'Operator', viewer: 'Viewer' };

export const ROLE_HELP: Record<Role, string> = {
  viewer: 'sees jobs, destinations, schedules and mappings; cannot change anything',
  operator: 'uploads, retries and cancels jobs, runs schedules, saves mappings',
  admin: 'everything, plus users, destinations and their credentials, and the audit log',
};

/** Why an operator action is disabled for a viewer: shown beside the disabled control. */
export const VIEWER_EXPLANATION = 'Your role is viewer: you can look, but uploads, retries, cancels and schedules need the operator role. Ask an admin.';
