import { describe, expect, it } from 'vitest';
import { parseFrames } from './live';

describe('server-sent event frames', () => {
  it('when chunks split a frame, then the complete frames are parsed and the rest is kept', () => {
    const a = parseFrames('retry: 3000\n: connected\n\nid: 1\nevent: payment\ndata: {"id":"pay_1"');
    expect(a.frames).toEqual([]);
    const b = parseFrames(`${a.rest}}\n\nid: 2\nevent: alert\ndata: {"id":"alt_1"}\n\n: heartbeat\n\n`);
    expect(b.frames).toEqual([
      { kind: 'payment', data: { id: 'pay_1' } },
      { kind: 'alert', data: { id: 'alt_1' } },
    ]);
    expect(b.rest).toBe('');
  });

  it('when a frame is not JSON, then it is skipped', () => {
    expect(parseFrames('event: payment\ndata: not json\n\n').frames).toEqual([]);
  });
});
