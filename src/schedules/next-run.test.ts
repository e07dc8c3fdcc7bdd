import { describe, expect, it } from 'vitest';
import { nextRunAt } from './next-run.js';

describe('nextRunAt', () => {
  const now = new Date('2024-03-30T12:00:00.000Z');

  it('reads the expression in the schedule time zone', () => {
    expect(nextRunAt('0 3 * * *', 'UTC', now)?.toISOString()).toBe('2024-03-31T03:00:00.000Z');
    // 03:00 in Paris on the day summer time starts is 01:00 UTC (UTC+2 from 02:00 local).
    expect(nextRunAt('0 3 * * *', 'Europe/Paris', now)?.toISOString()).toBe('2024-03-31T01:00:00.000Z');
    expect(nextRunAt('0 3 * * *', 'America/New_York', now)?.toISOString()).toBe('2024-03-31T07:00:00.000Z');
  });

  it('is strictly after now, even when now is a due time', () => {
    expect(nextRunAt('*/15 * * * *', 'UTC', now)?.toISOString()).toBe('2024-03-30T12:15:00.000Z');
    expect(nextRunAt('0 12 * * *', 'UTC', now)?.toISOString()).toBe('2024-03-31T12:00:00.000Z');
  });

  it('takes the shortcuts a schedule may use', () => {
    expect(nextRunAt('@hourly', 'UTC', now)?.toISOString()).toBe('2024-03-30T13:00:00.000Z');
    expect(nextRunAt('@daily', 'UTC', now)?.toISOString()).toBe('2024-03-31T00:00:00.000Z');
    expect(nextRunAt('@monthly', 'UTC', now)?.toISOString()).toBe('2024-04-01T00:00:00.000Z');
  });

  it('skips a local time that does not exist, as pg-boss will (02:30 on the day clocks jump from 02:00 to 03:00)', () => {
    expect(nextRunAt('30 2 * * *', 'Europe/Paris', new Date('2024-03-30T23:00:00.000Z'))?.toISOString()).toBe('2024-03-31T01:30:00.000Z');
  });

  it('defaults an empty time zone to UTC', () => {
    expect(nextRunAt('0 3 * * *', '', now)?.toISOString()).toBe('2024-03-31T03:00:00.000Z');
  });

  it('answers null for what it cannot read instead of throwing', () => {
    expect(nextRunAt('', 'UTC', now)).toBeNull();
    expect(nextRunAt('every day', 'UTC', now)).toBeNull();
    expect(nextRunAt('0 3 * * *', 'Nowhere/Atlantis', now)).toBeNull();
    expect(nextRunAt('0 0 30 2 *', 'UTC', now)).toBeNull();
  });
});
