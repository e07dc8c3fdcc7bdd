import { randomInt } from 'node:crypto';
import type { AppliedBatch, SandboxAudience } from '../../../sandbox/platform.js';
import { invalidParameter, sessionError, termsNotAccepted } from './errors.js';
import type { CheckedPayload, UploadSession } from './payload.js';

export const CUSTOMER_FILE_SOURCES = ['USER_PROVIDED_ONLY', 'PARTNER_PROVIDED_ONLY', 'BOTH_USER_AND_PARTNER_PROVIDED'] as const;
export type CustomerFileSource = (typeof CUSTOMER_FILE_SOURCES)[number];

export type UsersOperation = 'add' | 'remove' | 'replace';

/** What the users and usersreplace edges answer; a replayed batch gets the very same object again. */
export interface UsersResponse {
  audience_id: string;
  session_id: string;
  num_received: number;
  num_invalid_entries: number;
  invalid_entry_samples: Record<string, string>;
}

interface ReplaceSession {
  startedAt: number;
  /** Members of the batches received so far; they become the audience when the last batch arrives. */
  collected: Set<string>;
  finished: boolean;
}

export interface AudienceRecord {
  id: string;
  name: string;
  description?: string;
  /** Ad account digits, without act_. */
  account: string;
  customerFileSource: CustomerFileSource;
  createdAt: number;
  updatedAt: number;
  members: Set<string>;
  replaceSessions: Map<string, ReplaceSession>;
  /** First answers of applied session batches, by `<operation>|<session_id>:<batch_seq>`. */
  answeredBatches: Map<string, UsersResponse>;
}

export interface MetaStateOptions {
  replaceSessionTimeoutMs: number;
  maxAudiencesPerAccount: number;
  termsNotAccepted: readonly string[];
}

/** Audience ids look like Meta's (17 digits). The counter survives reset so a stale id never names a new audience. */
const FIRST_AUDIENCE_ID = 23_850_000_000_000_001n;

/** Audiences, members, replace sessions and the batch ledger of one Meta sandbox. */
export class MetaState {
  private audiencesById = new Map<string, AudienceRecord>();
  private nextAudienceId = FIRST_AUDIENCE_ID;
  private readonly termsNotAccepted: ReadonlySet<string>;
  /** `<audience>|<operation>|<key>` of every applied batch, to detect one applied twice. */
  private appliedKeys = new Set<string>();
  requests = 0;
  applied: AppliedBatch[] = [];
  appliedTwice: AppliedBatch[] = [];
  replaysIgnored = 0;

  constructor(private readonly options: MetaStateOptions) {
    this.termsNotAccepted = new Set(options.termsNotAccepted);
  }

  reset(): void {
    this.audiencesById.clear();
    this.appliedKeys.clear();
    this.requests = 0;
    this.applied = [];
    this.appliedTwice = [];
    this.replaysIgnored = 0;
  }

  createAudience(
    account: string,
    fields: { name: string; description?: string; customerFileSource: CustomerFileSource },
    now = Date.now(),
  ): AudienceRecord {
    this.requireTerms(account);
    const owned = this.audiencesOf(account).length;
    if (owned >= this.options.maxAudiencesPerAccount) {
      throw invalidParameter(
        `Ad account act_${account} already has the maximum of ${this.options.maxAudiencesPerAccount} customer file ` +
          'custom audiences. Delete audiences you no longer use before creating new ones.',
      );
    }
    const id = String(this.nextAudienceId++);
    const audience: AudienceRecord = {
      id,
      account,
      ...fields,
      createdAt: now,
      updatedAt: now,
      members: new Set(),
      replaceSessions: new Map(),
      answeredBatches: new Map(),
    };
    this.audiencesById.set(id, audience);
    return audience;
  }

  audience(id: string): AudienceRecord | undefined {
    return this.audiencesById.get(id);
  }

  /** An account's audiences in creation order, the order list pages follow. */
  audiencesOf(account: string): AudienceRecord[] {
    return [...this.audiencesById.values()].filter((audience) => audience.account === account);
  }

  list(): SandboxAudience[] {
    return [...this.audiencesById.values()].map(({ id, name, account, members }) => ({
      id,
      name,
      account,
      size: members.size,
    }));
  }

  /** The replace session still accepting batches (not finished, not timed out), if any. */
  openReplaceSession(audience: AudienceRecord, now = Date.now()): ReplaceSession | undefined {
    for (const session of audience.replaceSessions.values()) {
      if (!session.finished && !this.timedOut(session, now)) return session;
    }
    return undefined;
  }

  /** POST (add) or DELETE (remove) on the users edge. */
  applyUsers(
    audience: AudienceRecord,
    operation: 'add' | 'remove',
    payload: CheckedPayload,
    session: UploadSession | undefined,
    now = Date.now(),
  ): UsersResponse {
    const replay = this.replayedAnswer(audience, operation, session);
    if (replay) return replay;
    this.requireTerms(audience.account);
    if (this.openReplaceSession(audience, now)) throw sessionError('updateInProgress');
    for (const member of payload.members) {
      if (operation === 'add') audience.members.add(member);
      else audience.members.delete(member);
    }
    return this.record(audience, operation, payload, session, now);
  }

  /** POST on the usersreplace edge: batches are collected and replace the members when the last one arrives. */
  applyReplace(audience: AudienceRecord, payload: CheckedPayload, session: UploadSession, now = Date.now()): UsersResponse {
    const replay = this.replayedAnswer(audience, 'replace', session);
    if (replay) return replay;
    this.requireTerms(audience.account);
    let replace = audience.replaceSessions.get(session.sessionId);
    if (replace === undefined) {
      if (this.openReplaceSession(audience, now)) throw sessionError('updateInProgress');
      if (session.batchSeq !== 1) throw sessionError('firstBatchNotOne');
      replace = { startedAt: now, collected: new Set(), finished: false };
      audience.replaceSessions.set(session.sessionId, replace);
    } else if (replace.finished) {
      throw sessionError('sessionFinished');
    } else if (this.timedOut(replace, now)) {
      throw sessionError('sessionTimedOut');
    }
    for (const member of payload.members) replace.collected.add(member);
    if (session.lastBatch) {
      audience.members = replace.collected;
      replace.collected = new Set();
      replace.finished = true;
    }
    return this.record(audience, 'replace', payload, session, now);
  }

  private timedOut(session: ReplaceSession, now: number): boolean {
    return now - session.startedAt > this.options.replaceSessionTimeoutMs;
  }

  private requireTerms(account: string): void {
    if (this.termsNotAccepted.has(account)) throw termsNotAccepted(account);
  }

  /** Meta's idempotency: a (session_id, batch_seq, operation) already applied gets its first answer, no effect. */
  private replayedAnswer(
    audience: AudienceRecord,
    operation: UsersOperation,
    session: UploadSession | undefined,
  ): UsersResponse | undefined {
    if (session === undefined) return undefined;
    const answer = audience.answeredBatches.get(`${operation}|${session.sessionId}:${session.batchSeq}`);
    if (answer) this.replaysIgnored++;
    return answer;
  }

  private record(
    audience: AudienceRecord,
    operation: UsersOperation,
    payload: CheckedPayload,
    session: UploadSession | undefined,
    now: number,
  ): UsersResponse {
    // Without a session Meta makes up a session id; a random one also keeps the batch key unique.
    const sessionId = session?.sessionId ?? String(randomInt(1, 2 ** 48 - 1));
    const key = session ? `${session.sessionId}:${session.batchSeq}` : `nosession-${sessionId}`;
    const batch: AppliedBatch = { audienceId: audience.id, key, operation, rows: payload.members.length };
    const ledgerKey = `${audience.id}|${operation}|${key}`;
    if (this.appliedKeys.has(ledgerKey)) this.appliedTwice.push(batch);
    this.appliedKeys.add(ledgerKey);
    this.applied.push(batch);
    audience.updatedAt = now;
    const answer: UsersResponse = {
      audience_id: audience.id,
      session_id: sessionId,
      num_received: payload.received,
      num_invalid_entries: payload.invalid,
      invalid_entry_samples: payload.samples,
    };
    if (session) audience.answeredBatches.set(`${operation}|${key}`, answer);
    return answer;
  }
}
