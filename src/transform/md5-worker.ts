import { Worker } from 'node:worker_threads';

/**
 * MD5 of output files on a worker thread, so hashing runs on the other core while the main thread sorts and
 * writes. The worker is plain JavaScript (eval), so it needs no TypeScript loader.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (message) => {
  if (message.type === 'update') {
    let hash = hashes.get(message.id);
    if (!hash) { hash = createHash('md5'); hashes.set(message.id, hash); }
    hash.update(new Uint8Array(message.data));
    parentPort.postMessage({ type: 'ack', bytes: message.data.byteLength });
  } else if (message.type === 'digest') {
    const hash = hashes.get(message.id);
    hashes.delete(message.id);
    parentPort.postMessage({ type: 'digest', id: message.id, md5: (hash || createHash('md5')).digest('hex') });
  }
});
`;

/** Bytes handed to the worker and not yet hashed, above which `drain` waits. */
const MAX_IN_FLIGHT = 16 * 1024 * 1024;

export class Md5Worker {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  private readonly digests = new Map<number, { resolve: (md5: string) => void; reject: (error: Error) => void }>();
  private inFlight = 0;
  private drained: (() => void) | undefined;
  private failure: Error | undefined;

  constructor() {
    this.worker.on('message', (message: { type: 'ack'; bytes: number } | { type: 'digest'; id: number; md5: string }) => {
      if (message.type === 'ack') {
        this.inFlight -= message.bytes;
        if (this.inFlight <= MAX_IN_FLIGHT) this.drained?.();
      } else {
        this.digests.get(message.id)?.resolve(message.md5);
        this.digests.delete(message.id);
      }
    });
    this.worker.on('error', (error) => this.fail(error));
  }

  /** Adds bytes to file `id`'s hash. The buffer is handed over: do not use it afterwards. */
  update(id: number, bytes: Buffer): void {
    if (this.failure) throw this.failure;
    // Only a buffer that owns its whole ArrayBuffer can be transferred; pooled small buffers are copied.
    const own = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length;
    const data = own ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
    this.inFlight += bytes.length;
    this.worker.postMessage({ type: 'update', id, data }, [data as ArrayBuffer]);
  }

  digest(id: number): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.digests.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'digest', id });
    });
  }

  /** Waits until the worker has caught up enough, so memory in flight stays bounded. */
  async drain(): Promise<void> {
    while (this.inFlight > MAX_IN_FLIGHT && !this.failure) {
      await new Promise<void>((resolve) => (this.drained = resolve));
    }
    this.drained = undefined;
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private fail(error: Error): void {
    this.failure = error;
    for (const pending of this.digests.values()) pending.reject(error);
    this.digests.clear();
    this.drained?.();
  }
}
