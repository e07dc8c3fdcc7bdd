import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The audiences this installation created, by account and name. TikTok allows duplicate names, so the id we
 * created is what identifies "our" audience on the next upload, not a name search.
 */
export class AudienceStore {
  constructor(private readonly path: string) {}

  private read(): Record<string, Record<string, string>> {
    if (!existsSync(this.path)) return {};
    return JSON.parse(readFileSync(this.path, 'utf8')) as Record<string, Record<string, string>>;
  }

  get(account: string, name: string): string | undefined {
    return this.read()[account]?.[name];
  }

  set(account: string, name: string, id: string): void {
    const all = this.read();
    all[account] = { ...all[account], [name]: id };
    this.write(all);
  }

  forget(account: string, name: string): void {
    const all = this.read();
    if (all[account]) delete all[account][name];
    this.write(all);
  }

  private write(all: Record<string, Record<string, string>>): void {
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(`${this.path}.tmp`, `${JSON.stringify(all, null, 2)}\n`);
    renameSync(`${this.path}.tmp`, this.path);
  }
}
