import { Worker } from 'node:worker_threads';

/**
 * Writes output files and computes their MD5 on a worker thread, so writing and hashing run beside the main thread,
 * which reads, sorts and gathers lines. Each written buffer goes back to the main thread to be filled again: fresh
 * memory costs a page fault per 4 KB, which on a 1.4 GB output took longer than copying the bytes. The worker is
 * plain JavaScript (eval), so it needs no TypeScript loader.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { closeSync, openSync, writeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const files = new Map();
const closeAll = () => {
  for (const file of files.values()) {
    try { closeSync(file.fd); } catch {}
  }
  files.clear();
};
parentPort.on('message', (message) => {
  try {
    if (message.type === 'open') {
      files.set(message.id, { fd: openSync(message.path, 'wx'), hash: createHash('md5') });
    } else if (message.type === 'write') {
      const file = files.get(message.id);
      const bytes = new Uint8Array(message.data, 0, message.length);
      for (let done = 0; done < bytes.length; ) done += writeSync(file.fd, bytes, done, bytes.length - done);
      file.hash.update(bytes);
      parentPort.postMessage({ type: 'ack', bytes: message.length, data: message.data }, [message.data]);
    } else if (message.type === 'close') {
      const file = files.get(message.id);
      files.delete(message.id);
      closeSync(file.fd);
      parentPort.postMessage({ type: 'closed', id: message.id, md5: file.hash.digest('hex') });
    } else if (message.type === 'abort') {
      closeAll();
      parentPort.postMessage({ type: 'aborted' });
    }
  } catch (error) {
    // No file stays open behind a failure; the error reaches the main thread as the worker's 'error' event.
    closeAll();
    throw error;
  }
});
`;

/** Bytes handed to the worker and not yet written and hashed, above which `drain` waits. */
const MAX_IN_FLIGHT = 16 * 1024 * 1024;

type WorkerMessage = { type: 'ack'; bytes: number; data: ArrayBuffer } | { type: 'closed'; id: number; md5: string } | { type: 'aborted' };

export class FileWorker {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  private readonly closes = new Map<number, { resolve: (md5: string) => void; reject: (error: Error) => void }>();
  private inFlight = 0;
  private drained: (() => void) | undefined;
  private aborted: (() => void) | undefined;
  private failure: Error | undefined;

  /** `recycle` receives each buffer once the worker has written it. */
  constructor(private readonly recycle: (buffer: ArrayBuffer) => void = () => undefined) {
    this.worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'ack') {
        this.recycle(message.data);
        this.inFlight -= message.bytes;
        if (this.inFlight <= MAX_IN_FLIGHT) this.drained?.();
      } else if (message.type === 'closed') {
        this.closes.get(message.id)?.resolve(message.md5);
        this.closes.delete(message.id);
      } else {
        this.aborted?.();
      }
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', () => this.fail(new Error('the file worker stopped')));
  }

  /** Creates file `id` at `path`, which must not exist. */
  open(id: number, path: string): void {
    if (this.failure) throw this.failure;
    this.worker.postMessage({ type: 'open', id, path });
  }

  /**
   * Appends the first `length` bytes of `data` to file `id`. `data` is transferred to the worker (no copy): it must
   * be an ArrayBuffer of its own (not Node's shared pool: allocate with Buffer.allocUnsafeSlow), unusable until the
   * worker hands it back to `recycle`.
   */
  write(id: number, data: ArrayBuffer, length: number): void {
    if (this.failure) throw this.failure;
    this.inFlight += length;
    this.worker.postMessage({ type: 'write', id, data, length }, [data]);
  }

  /** Closes file `id` once everything sent before is written; gives the file's MD5 (lower-case hex). */
  close(id: number): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.closes.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'close', id });
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

  /** Stops the worker once it has closed the files it holds open (after a failure elsewhere). */
  async abort(): Promise<void> {
    if (!this.failure) {
      await new Promise<void>((resolve) => {
        this.aborted = resolve;
        this.worker.postMessage({ type: 'abort' });
      });
    }
    await this.terminate();
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of this.closes.values()) pending.reject(this.failure);
    this.closes.clear();
    this.drained?.();
    this.aborted?.();
  }
}
