import type { Command } from 'commander';
import { getJob, listBatches, listJobs, type JobRow } from '../../db/queries/jobs.js';
import { AuError } from '../../errors.js';
import { cancelJob, retryJob } from '../../jobs/client.js';
import { withRuntime } from '../runtime.js';
import type { JobState } from '../../jobs/spec.js';

function line(job: JobRow): string {
  const audience = job.platform_audience_id ?? job.audience_name ?? '-';
  const error = job.error ? `  ${job.error.code}: ${job.error.message}` : '';
  return `${job.id}  ${job.state.padEnd(10)} ${job.platform.padEnd(7)} ${job.mode.padEnd(8)} ${audience}  ${job.created_at.toISOString()}${error}`;
}

export function registerJobs(program: Command): void {
  const jobs = program.command('jobs');
  jobs
    .command('list')
    .description('recent jobs, newest first')
    .option('--state <state>', 'only jobs in this state (queued, preparing, uploading, done, failed, dead, cancelled)')
    .option('--limit <n>', 'how many', (v) => Number.parseInt(v, 10), 20)
    .option('--json', 'print JSON')
    .action(async (options: { state?: JobState; limit: number; json?: boolean }) => {
      const rows = await withRuntime((runtime) => listJobs(runtime.db, { limit: options.limit, state: options.state }));
      process.stdout.write(options.json ? `${JSON.stringify(rows, null, 2)}\n` : `${rows.map(line).join('\n')}${rows.length ? '\n' : 'no jobs\n'}`);
    });
  jobs
    .command('show')
    .description('one job with its batches')
    .argument('<id>')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const { job, batches } = await withRuntime(async (runtime) => {
        const found = await getJob(runtime.db, id);
        if (!found) throw new AuError('AU_JOB_NOT_FOUND', `no job ${id}`);
        return { job: found, batches: await listBatches(runtime.db, id) };
      });
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ job, batches }, null, 2)}\n`);
        return;
      }
      const lines = [line(job), ''];
      for (const batch of batches) {
        const outcome = batch.outcome ? ` received ${batch.outcome.received ?? '-'}, invalid ${batch.outcome.invalid ?? 0}` : '';
        const error = batch.last_error ? `  ${batch.last_error.code}: ${batch.last_error.message}` : '';
        lines.push(`  #${String(batch.seq).padEnd(5)} ${batch.kind.padEnd(16)} ${batch.state.padEnd(8)} rows ${batch.rows}, attempts ${batch.attempts}${outcome}${error}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  jobs
    .command('retry')
    .description('send the failed and dead batches of a job again')
    .argument('<id>')
    .action(async (id: string) => {
      const job = await withRuntime((runtime) => retryJob(runtime, id, 'cli'));
      process.stdout.write(`${line(job)}\n`);
    });
  jobs
    .command('cancel')
    .description('stop a job: no further batch is sent')
    .argument('<id>')
    .action(async (id: string) => {
      const job = await withRuntime((runtime) => cancelJob(runtime, id, 'cli'));
      process.stdout.write(`${line(job)}\n`);
    });
}
