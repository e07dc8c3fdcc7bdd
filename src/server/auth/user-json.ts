import { z } from 'zod';
import { ROLES, type User } from '../../db/queries/users.js';

/** `User` of the API contract. Dates are ISO strings. */
export const UserJson = z.object({
  id: z.number().int(),
  email: z.string(),
  role: z.enum(ROLES),
  mustChangePassword: z.boolean(),
  createdAt: z.string(),
  disabledAt: z.string().nullable(),
});
export type UserJson = z.infer<typeof UserJson>;

export function userJson(user: User): UserJson {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    mustChangePassword: user.mustChangePassword,
    createdAt: new Date(user.createdAt).toISOString(),
    disabledAt: user.disabledAt ? new Date(user.disabledAt).toISOString() : null,
  };
}

export const IdParams = z.object({ id: z.coerce.number().int().positive() });
