import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCell, IsoClock } from './export.ts';

describe('CSV export cells', () => {
  it('when a time is formatted, then it is exactly Date#toISOString, for any time and in any order', () => {
    const clock = new IsoClock();
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -62_198_755_200_000, max: 8_640_000_000_000_000 })), (times) => {
        for (const t of times) expect(clock.format(new Date(t))).toBe(new Date(t).toISOString());
      }),
    );
    for (const t of [0, 999, 1000, 86_399_999, 86_400_000, 253_402_300_799_999]) {
      expect(clock.format(new Date(t))).toBe(new Date(t).toISOString());
    }
  });

  it('when a cell starts like a formula, then it gets a leading apostrophe; when it holds , " or a line break, then it is quoted', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('=1+2')).toBe("'=1+2");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-1')).toBe("'-1");
    expect(csvCell('@x')).toBe("'@x");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('a\r\nb')).toBe('"a\r\nb"');
    expect(csvCell('=A1,"x"')).toBe('"\'=A1,""x"""');
    expect(csvCell('a=b')).toBe('a=b');
  });
});
