import parser from 'cron-parser';

/**
 * When a schedule's cron expression is next due after `now`, read in `timezone`. pg-boss fires schedules with this
 * same parser, so this is the time it will fire (its timekeeper checks every 30 s or so, so a run may start a little
 * later), daylight-saving gaps and all. null when the expression or the zone cannot be read: a row saved by an older
 * version must not break the schedules list.
 */
export function nextRunAt(cron: string, timezone: string, now: Date = new Date()): Date | null {
  // cron-parser reads an empty expression as "every minute"; a schedule never has one, so it is not readable here.
  if (cron.trim() === '') return null;
  try {
    return parser.parseExpression(cron.trim(), { tz: timezone.trim() || 'UTC', currentDate: now }).next().toDate();
  } catch {
    return null;
  }
}
