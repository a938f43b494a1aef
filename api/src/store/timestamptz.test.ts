import fc from 'fast-check';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { parseTimestamptz } from './timestamptz.ts';

const general = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ) as (text: string) => unknown;
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `date` as Postgres writes timestamptz text in a zone `offsetSeconds` east of UTC. */
function pgText(date: Date, offsetSeconds: number, micros: string): string {
  const local = new Date(date.getTime() + offsetSeconds * 1000);
  const abs = Math.abs(offsetSeconds);
  const zone =
    (offsetSeconds < 0 ? '-' : '+') +
    pad(Math.floor(abs / 3600)) +
    (abs % 3600 === 0 ? '' : `:${pad(Math.floor(abs / 60) % 60)}`) +
    (abs % 60 === 0 ? '' : `:${pad(abs % 60)}`);
  const ms = local.getUTCMilliseconds();
  const frac = ms === 0 && micros === '' ? '' : `.${pad(ms, 3)}${micros}`.replace(/0+$/, '');
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${frac}${zone}`
  );
}

describe('parseTimestamptz', () => {
  it('when Postgres writes any instant in any zone, then the parsed Date is that instant (milliseconds)', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1000-01-02T00:00:00Z'),
          max: new Date('9999-12-30T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -15 * 3600, max: 15 * 3600 }),
        fc.stringMatching(/^\d{0,3}$/),
        (date, offset, micros) => {
          const text = pgText(date, offset, micros);
          const parsed = parseTimestamptz(text, general);
          expect(parsed).toBeInstanceOf(Date);
          expect((parsed as Date).getTime()).toBe(date.getTime());
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('when the text is one it does not expect, then the general parser answers', () => {
    for (const text of [
      'infinity',
      '-infinity',
      '0044-03-15 12:00:00+00 BC',
      '0099-01-01 00:00:00+00',
      '12026-01-01 00:00:00+00',
      '2026-01-01 00:00:00+00 BC',
    ]) {
      expect(parseTimestamptz(text, general)).toEqual(general(text));
    }
  });

  it('when the text is malformed, then it is never read as a wrong instant', () => {
    for (const text of [
      '2026-01-01 00:00:00',
      '2026-01-01 0a:00:00+00',
      '2026-01-01 00:00:00+0',
      '2026-01-01 00:00:00+00:3',
    ]) {
      expect(parseTimestamptz(text, () => 'fallback')).toBe('fallback');
    }
  });

  it('when the fraction has microseconds, then they are truncated to milliseconds', () => {
    expect((parseTimestamptz('2026-11-27 01:02:03.999999+00', general) as Date).toISOString()).toBe(
      '2026-11-27T01:02:03.999Z',
    );
    expect((parseTimestamptz('2026-11-27 01:02:03.5+05:30', general) as Date).toISOString()).toBe(
      '2026-11-26T19:32:03.500Z',
    );
  });
});
