import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { Option } from 'commander';
import { loadConfig } from '../../config.js';
import { openDatabase, type Database } from '../../db/database.js';
import type { DestinationDefinition } from '../../destinations/definition.js';
import { DESTINATIONS, getDestination } from '../../destinations/registry.js';
import { listDestinations, loadDestinationConfig, removeDestination, saveDestination, type SavedDestination } from '../../destinations/saved.js';
import { AuError, isAuError } from '../../errors.js';
import { connectWithConfig } from '../../jobs/destination.js';
import { describeError } from '../../jobs/errors.js';
import { loadMasterKey, type MasterKey } from '../../vault/master-key.js';

async function withDatabase<T>(fn: (db: Database, dataDir: string) => Promise<T>): Promise<T> {
  const { dataDir } = loadConfig();
  const db = await openDatabase({ url: process.env.DATABASE_URL || undefined, dataDir });
  try {
    return await fn(db, dataDir);
  } finally {
    await db.close();
  }
}

function masterKey(dataDir: string): Promise<MasterKey> {
  return loadMasterKey({ env: process.env, dataDir, warn: (message) => process.stderr.write(`warning: ${message}\n`) });
}

/** `key=value` options, repeatable. */
function collectPairs(value: string, previous: Record<string, string>): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new AuError('AU_OPTION_INVALID', `--setting ${JSON.stringify(value)} is not of the form key=value`);
  return { ...previous, [value.slice(0, at).trim()]: value.slice(at + 1).trim() };
}

/**
 * Asks on the terminal. Secrets are typed without echo (readline writing to nowhere), so they never show on the
 * screen nor land in the shell history.
 */
async function ask(question: string, hidden: boolean): Promise<string> {
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: hidden ? muted : process.stderr, terminal: true });
  const controller = new AbortController();
  rl.on('SIGINT', () => controller.abort());
  try {
    if (hidden) process.stderr.write(question);
    return await rl.question(hidden ? '' : question, { signal: controller.signal });
  } catch (error) {
    if (controller.signal.aborted) throw new AuError('AU_OPTION_INVALID', 'cancelled: nothing was saved');
    throw error;
  } finally {
    rl.close();
    if (hidden) process.stderr.write('\n');
  }
}

/**
 * Each credential from its environment variable (or .env), else, on a terminal, asked for (secrets hidden); never
 * from the command line, where it would stay in the shell history and the process list.
 */
async function readCredentials(definition: DestinationDefinition): Promise<{ values: Record<string, string>; sources: string[] }> {
  const values: Record<string, string> = {};
  const sources: string[] = [];
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
  for (const field of definition.credentials) {
    const fromEnv = process.env[field.env]?.trim();
    if (fromEnv) {
      values[field.key] = fromEnv;
      sources.push(`${field.label}: from ${field.env}`);
      continue;
    }
    if (!interactive) {
      if (field.required) {
        throw new AuError('AU_CREDENTIALS_MISSING', `${definition.label}: set ${field.env} (${field.label}${field.hint ? `, ${field.hint}` : ''}) in the environment or in .env, or run this on a terminal to be asked for it`, {
          variable: field.env,
        });
      }
      continue;
    }
    const answer = (await ask(`${field.label}${field.hint ? ` (${field.hint})` : ''}${field.required ? '' : ' [optional, Enter to skip]'}${field.secret ? ' (hidden)' : ''}: `, field.secret)).trim();
    if (answer) {
      values[field.key] = answer;
      sources.push(`${field.label}: typed`);
    }
  }
  return { values, sources };
}

/** Settings given with --setting, else from their environment variable when set; the others keep their default. */
function readSettings(definition: DestinationDefinition, given: Record<string, string>): Record<string, string> {
  const settings: Record<string, string> = { ...given };
  for (const field of definition.settings) {
    const fromEnv = process.env[field.env]?.trim();
    if (settings[field.key] === undefined && fromEnv) settings[field.key] = fromEnv;
  }
  return settings;
}

function describe(destination: SavedDestination): string {
  const credentials = destination.credentials.map((c) => `${c.key} ${c.set ? (c.value !== undefined ? c.value : 'set') : 'not set'}`).join(', ');
  const settings = Object.entries(destination.settings).map(([key, value]) => `${key}=${value}`);
  return [
    `${destination.name}  ${destination.label} (${destination.platform})${destination.sandbox ? ' [sandbox]' : ''}  account ${destination.account}`,
    `    credentials: ${credentials}`,
    ...(settings.length ? [`    settings: ${settings.join(', ')}`] : []),
  ].join('\n');
}

export function registerDestinations(program: Command): void {
  const destinations = program
    .command('destinations')
    .addHelpText(
      'after',
      `
The master key comes from AU_MASTER_KEY (32 bytes, base64 or hex: \`openssl rand -base64 32\`), else from
<AU_DATA_DIR>/master.key, created on first use. Every worker that sends to a saved destination needs the same key.`,
    );

  destinations
    .command('add')
    .description('save a destination; secrets come from their environment variables or are asked for on a terminal, never from the command line')
    .argument('<name>')
    .addOption(new Option('-p, --platform <platform>', 'destination platform').choices(Object.keys(DESTINATIONS)).makeOptionMandatory())
    .option('--setting <key=value>', 'a setting (baseUrl, requestsPerSecond; Meta: apiVersion, customerFileSource); repeatable', collectPairs, {})
    .option('--sandbox', 'mark it as pointing at a sandbox')
    .option('--replace', 'replace the credentials and settings of the destination of this name')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Credentials are read from (or asked for if unset, on a terminal):
  TikTok: AU_TIKTOK_ACCESS_TOKEN, AU_TIKTOK_ADVERTISER_ID
  Meta:   AU_META_ACCESS_TOKEN, AU_META_AD_ACCOUNT_ID (digits), AU_META_APP_SECRET (optional)
Settings not given with --setting are taken from their variables when set (AU_TIKTOK_BASE_URL, AU_META_API_VERSION...).`,
    )
    .action(async (name: string, options: { platform: string; setting: Record<string, string>; sandbox?: boolean; replace?: boolean; json?: boolean }) => {
      const definition = getDestination(options.platform);
      const { values, sources } = await readCredentials(definition);
      const settings = readSettings(definition, options.setting);
      const saved = await withDatabase(async (db, dataDir) =>
        saveDestination(db, await masterKey(dataDir), { platform: definition.platform, name, credentials: values, settings, sandbox: options.sandbox }, { actor: 'cli', replace: options.replace }),
      );
      if (options.json) {
        process.stdout.write(`${JSON.stringify(saved, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${options.replace ? 'saved' : 'added'} ${describe(saved)}\n${sources.map((source) => `    ${source}`).join('\n')}\n`);
    });

  destinations
    .command('list')
    .description('saved destinations: platform, account, which credentials are set (never their values), settings')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const rows = await withDatabase((db) => listDestinations(db));
      if (options.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else process.stdout.write(rows.length ? `${rows.map(describe).join('\n')}\n` : 'no saved destinations (destinations add <name> --platform tiktok|meta)\n');
    });

  destinations
    .command('test')
    .description("check a saved destination's credentials with the platform")
    .argument('<name>')
    .action(async (name: string) => {
      const result = await withDatabase(async (db, dataDir) => {
        const { destination, definition, config } = await loadDestinationConfig(db, await masterKey(dataDir), name);
        const { connector, secrets } = connectWithConfig(db, definition, config, undefined);
        try {
          await connector.testCredentials();
          return destination;
        } catch (error) {
          // Connector errors name variables, never values; the secrets are replaced all the same.
          const described = describeError(error, secrets);
          throw new AuError(isAuError(error) ? error.code : 'AU_INTERNAL', `${destination.name}: ${described.message}`);
        }
      });
      process.stdout.write(`ok: ${result.label} accepts the credentials of "${result.name}" (account ${result.account})\n`);
    });

  destinations
    .command('remove')
    .description('delete a saved destination and its credentials (refused while a schedule sends to it)')
    .argument('<name>')
    .action(async (name: string) => {
      const removed = await withDatabase((db) => removeDestination(db, name, { actor: 'cli' }));
      process.stdout.write(`removed "${removed.name}" (${removed.label}, account ${removed.account})\n`);
    });
}
