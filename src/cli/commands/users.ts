import type { Command } from 'commander';
import { Option } from 'commander';
import { ROLES, listUsers, type Role, type User } from '../../db/queries/users.js';
import { createUserWithOneTimePassword, resetPasswordWithOneTimePassword, updateUser, userByEmail } from '../../server/auth/users.js';
import { withRuntime } from '../runtime.js';

/** The audit log's actor for what is done here: whoever has a shell on the server. */
const ACTOR = 'cli';

function describe(user: User): string {
  const state = user.disabledAt ? `disabled ${new Date(user.disabledAt).toISOString().slice(0, 10)}` : user.mustChangePassword ? 'must change password' : 'active';
  return `${user.email}  ${user.role}  ${state}  (id ${user.id}, created ${new Date(user.createdAt).toISOString().slice(0, 10)})`;
}

function printPassword(user: User, oneTimePassword: string): void {
  process.stdout.write(
    `one-time password for ${user.email}: ${oneTimePassword}\n` +
      'It is shown only now; they must choose a new password at their first sign-in.\n',
  );
}

export function registerUsers(program: Command): void {
  const users = program
    .command('users');

  users
    .command('add')
    .description('add a user with a one-time password (printed once)')
    .argument('<email>')
    .addOption(new Option('-r, --role <role>', 'what they may do').choices([...ROLES]).makeOptionMandatory())
    .action(async (email: string, options: { role: Role }) => {
      const { user, oneTimePassword } = await withRuntime((runtime) =>
        runtime.db.transaction((tx) => createUserWithOneTimePassword(tx, { email, role: options.role, actor: ACTOR })),
      );
      process.stdout.write(`added ${describe(user)}\n`);
      printPassword(user, oneTimePassword);
    });

  users
    .command('list')
    .description('users, their role and state (never a password)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const rows = await withRuntime((runtime) => listUsers(runtime.db));
      if (options.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else process.stdout.write(rows.length ? `${rows.map(describe).join('\n')}\n` : 'no users yet (`serve` creates the first admin, or: users add <email> --role admin)\n');
    });

  users
    .command('reset-password')
    .description('give a user a new one-time password (printed once) and end their sessions')
    .argument('<email>')
    .action(async (email: string) => {
      const { user, oneTimePassword } = await withRuntime(async (runtime) => {
        const found = await userByEmail(runtime.db, email);
        return resetPasswordWithOneTimePassword(runtime.db, found.id, ACTOR);
      });
      printPassword(user, oneTimePassword);
    });

  for (const [name, disabled] of [['disable', true], ['enable', false]] as const) {
    users
      .command(name)
      .description(disabled ? 'disable a user: ends their sessions, revokes their API tokens (refused for the last enabled admin)' : 'enable a disabled user again')
      .argument('<email>')
      .action(async (email: string) => {
        const user = await withRuntime(async (runtime) => {
          const found = await userByEmail(runtime.db, email);
          return updateUser(runtime.db, found.id, { disabled }, ACTOR);
        });
        process.stdout.write(`${disabled ? 'disabled' : 'enabled'} ${describe(user)}\n`);
      });
  }
}
