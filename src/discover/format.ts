import { FORMAT_LABELS } from '../sources/types.js';
import type { DiscoveryReport } from './discover.js';

const COLUMN_WIDTH = 28;
const nf = new Intl.NumberFormat('en-US');

function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

function rowsLine(report: DiscoveryReport): string {
  const { rows, sample } = report;
  const count = rows.exact ? `${nf.format(rows.count)} rows` : `about ${nf.format(rows.count)} rows (estimated)`;
  const sampled = sample.complete ? `read all of them` : `sampled the first ${nf.format(sample.rows)}`;
  const files = report.files.length === 1 ? report.files[0]!.path : `${report.files.length} files`;
  return `${files}: ${FORMAT_LABELS[report.format]}, ${count}; ${sampled}`;
}

/** The human-readable report: a summary line, one table row per column, then warnings and skipped rows. */
export function formatDiscoveryTable(report: DiscoveryReport): string {
  const lines = [rowsLine(report), ''];
  const header = ['COLUMN', 'CONTENT', 'EMPTY', 'SUGGESTION', 'SAMPLES (masked)'];
  const body = report.columns.map((c) => {
    const s = c.suggestion;
    const suggestion = s ? `${s.type}${s.prehashed ? ' (hashed)' : ''} ${s.confidence.toFixed(2)}` : c.prehashed ? '? (hashed)' : '-';
    return [cut(c.name, COLUMN_WIDTH), c.contentType, `${(c.emptyRate * 100).toFixed(1)}%`, suggestion, c.samples.join(', ')];
  });
  lines.push(...table([header, ...body]));

  const warnings = [...report.warnings, ...report.columns.flatMap((c) => c.warnings.map((w) => `${c.name}: ${w}`))];
  if (warnings.length > 0) lines.push('', 'warnings:', ...warnings.map((w) => `  - ${w}`));
  if (report.rejects.length > 0) {
    lines.push('', 'rows skipped while reading (in the sampled part):');
    for (const r of report.rejects) {
      const where = r.examples.map((e) => `${e.file}:${e.line}`).join(', ');
      lines.push(`  - ${r.reason}: ${nf.format(r.count)} (first at ${where})`);
    }
  }
  return `${lines.join('\n')}\n`;
}
