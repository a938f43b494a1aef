import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeStackFile, stackFilePath, writeStackFile, type StackFile } from '../../demo/stack-file.ts';
import { main, toolNames } from '../payflow.ts';
import { intOption, parse, timeOption, timeRange } from './args.ts';
import { EXIT, InvalidOption, UsageError } from './errors.ts';
import { grouped, table, toJson } from './output.ts';
import { Progress } from './progress.ts';
import { discoverStack, redact } from './stack.ts';
import type { Output, ToolContext } from './tool.ts';

class Buffer implements Output {
  text = '';
  readonly isTTY: boolean;
  constructor(isTTY = false) {
    this.isTTY = isTTY;
  }
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

function context(): { ctx: ToolContext; out: Buffer; err: Buffer } {
  const out = new Buffer();
  const err = new Buffer();
  return {
    ctx: { stdout: out, stderr: err, env: {}, signal: new AbortController().signal, now: Date.now },
    out,
    err,
  };
}

describe('arguments', () => {
  const options = { rate: { type: 'string' }, json: { type: 'boolean' } } as const;

  it('when a flag is unknown, then a UsageError (exit 2) names it', () => {
    expect(() => parse(['--rat', '5'], options)).toThrow(UsageError);
    expect(() => parse(['--rat', '5'], options)).toThrow(/--rat/);
    try {
      parse(['--rat'], options);
    } catch (err) {
      expect((err as UsageError).exitCode).toBe(EXIT.usage);
    }
  });

  it('when a string flag has no value or a positional is given, then a UsageError', () => {
    expect(() => parse(['--rate'], options)).toThrow(/--rate/);
    expect(() => parse(['extra'], options)).toThrow(/unexpected argument: extra/);
    expect(parse(['--rate', '5', '--json'], options).values).toEqual({ rate: '5', json: true });
  });

  it('when an integer is out of range or not one, then InvalidOption names the flag and the range', () => {
    expect(intOption({ n: '7' }, 'n', { min: 1, max: 10, fallback: 3 })).toBe(7);
    expect(intOption({}, 'n', { min: 1, max: 10, fallback: 3 })).toBe(3);
    for (const bad of ['0', '11', '1.5', 'x', ''])
      expect(() => intOption({ n: bad }, 'n', { min: 1, max: 10, fallback: 3 }), bad).toThrow(InvalidOption);
    expect(() => intOption({ n: 'x' }, 'n', { min: 1, max: 10, fallback: 3 })).toThrow(
      /--n must be an integer from 1 to 10/,
    );
  });

  it('when times are given as RFC 3339, now or a duration ago, then each is read; out of order is refused', () => {
    const now = Date.parse('2026-03-01T00:00:00Z');
    expect(timeOption({ t: '2026-01-31' }, 't', now)?.toISOString()).toBe('2026-01-31T00:00:00.000Z');
    expect(timeOption({ t: '24h' }, 't', now)?.toISOString()).toBe('2026-02-28T00:00:00.000Z');
    expect(timeOption({ t: 'now' }, 't', now)?.getTime()).toBe(now);
    expect(() => timeOption({ t: 'yesterday' }, 't', now)).toThrow(/--t must be an RFC 3339 time/);
    expect(() => timeRange({ from: '1d', to: '2d' }, now)).toThrow(/--from .* must be before --to/);
  });
});

describe('progress', () => {
  it('when stderr is not a terminal, then it writes a plain line per interval with rate and ETA, and a last line', () => {
    let t = 0;
    const out = new Buffer(false);
    const p = new Progress({ label: 'replay', total: 100, out, now: () => t, intervalMs: 1000 });
    t = 500;
    p.update(10);
    expect(out.text).toBe('');
    t = 1000;
    p.update(20);
    t = 2000;
    p.update(40);
    t = 4000;
    p.update(100);
    p.finish();
    expect(out.text.split('\n')).toEqual([
      'replay: 20/100 (20.0%), 20.0/s, ETA 4.0s',
      'replay: 40/100 (40.0%), 20.0/s, ETA 3.0s',
      'replay: 100/100 (100.0%), 25.0/s, ETA 0.0s',
      'replay: 100/100 in 4.0s (25.0/s)',
      '',
    ]);
    expect(out.text).not.toContain('\r');
  });

  it('when stderr is a terminal, then it redraws one line in place with a bar', () => {
    let t = 0;
    const out = new Buffer(true);
    const p = new Progress({ label: 'backfill', total: 4, out, now: () => t });
    t = 1000;
    p.update(2);
    expect(out.text).toBe(`\r\u001b[2Kbackfill [${'█'.repeat(12)}${'·'.repeat(12)}] 50% 2/4 2.0/s ETA 1.0s`);
    p.finish('done');
    expect(out.text.endsWith('backfill: 2/4 in 1.0s (2.0/s), done\n')).toBe(true);
  });

  it('when the total is unknown, then counts and rate without a percentage or ETA', () => {
    let t = 0;
    const out = new Buffer(false);
    const p = new Progress({ label: 'scan', out, now: () => t, intervalMs: 1000 });
    t = 1000;
    p.update(1500);
    expect(out.text).toBe('scan: 1,500, 1500/s\n');
  });
});

describe('output', () => {
  it('when bigints are printed as JSON, then they are exact decimal strings', () => {
    expect(JSON.parse(toJson({ v: 2n ** 63n - 1n }))).toEqual({ v: '9223372036854775807' });
    expect(grouped(-1234567n)).toBe('-1,234,567');
  });

  it('when a table is drawn, then columns align and numbers are right-aligned', () => {
    expect(
      table(
        [{ title: 'a' }, { title: 'n', right: true }],
        [
          ['x', 5n],
          ['long', 1234],
        ],
      ),
    ).toBe(['a        n', '----  ----', 'x        5', 'long  1234'].join('\n'));
  });
});

describe('stack discovery', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function demoFile(pid: number): NodeJS.ProcessEnv {
    dir = mkdtempSync(join(tmpdir(), 'payflow-stack-'));
    const stack: StackFile = {
      version: 1,
      pid,
      startedAt: new Date().toISOString(),
      databaseUrl: 'postgres://postgres:secret@127.0.0.1:5999/payflow',
      region: 'us-east-1',
      sqsEndpoint: 'http://127.0.0.1:4999',
      queues: {
        events: 'http://q/events',
        eventsDlq: 'http://q/dlq',
        updates: 'http://q/u',
        updatesDlq: 'http://q/udlq',
      },
      apiUrl: 'http://127.0.0.1:8080',
    };
    // As the demo writes it (hack/demo/start.ts through stack-file.ts).
    writeStackFile(dir, stack);
    return { PAYFLOW_DEMO_DATA: dir };
  }

  it('when the demo runs, then its file is used and said so', () => {
    const s = discoverStack({}, demoFile(process.pid));
    expect(s.databaseUrl).toBe('postgres://postgres:secret@127.0.0.1:5999/payflow');
    expect(s.eventsQueueUrl).toBe('http://q/events');
    expect(s.described).toMatch(/^the local demo \(.*stack\.json, pid \d+\)$/);
    expect(s.from.databaseUrl).toBe('demo');
  });

  it('when the demo writes its file, then only its user can read it, and stopping removes it', () => {
    const env = demoFile(process.pid);
    const file = stackFilePath(env.PAYFLOW_DEMO_DATA ?? '');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    removeStackFile(env.PAYFLOW_DEMO_DATA ?? '');
    expect(discoverStack({}, env).databaseUrl).toBeUndefined();
  });

  it('when the file names a process that is gone, then it is ignored with a note', () => {
    const s = discoverStack({}, demoFile(2 ** 22 + 12345));
    expect(s.databaseUrl).toBeUndefined();
    expect(s.notes.join()).toMatch(/not running/);
  });

  it('when a stack variable is set, then the demo file is not mixed in; flags win field by field', () => {
    const env = { ...demoFile(process.pid), DATABASE_URL: 'postgres://a@db/x' };
    const s = discoverStack({ 'events-queue-url': 'http://other/q' }, env);
    expect(s.databaseUrl).toBe('postgres://a@db/x');
    expect(s.sqsEndpoint).toBeUndefined();
    expect(s.eventsQueueUrl).toBe('http://other/q');
    expect(s.from).toEqual({ databaseUrl: 'DATABASE_URL', eventsQueueUrl: '--events-queue-url' });
    expect(s.described).toBe('the environment (DATABASE_URL), with --events-queue-url');
  });

  it('when a URL has a password, then messages show it redacted', () => {
    expect(redact('postgres://u:pw@h:5432/d')).toBe('postgres://u:***@h:5432/d');
    expect(redact('postgres://u:pw@h:5432/d')).not.toContain('pw');
  });
});

describe('entry point', () => {
  it('when the tool is unknown or no tool is named, then exit 2 with a message on stderr', async () => {
    const a = context();
    expect(await main(['no-such-tool'], a.ctx)).toBe(EXIT.usage);
    expect(a.err.text).toMatch(/unknown tool 'no-such-tool'/);
    const b = context();
    expect(await main([], b.ctx)).toBe(EXIT.usage);
    expect(b.err.text).toMatch(/^payflow: operator tools/);
  });

  it('when a tool gets --help, then its help and the stack found are printed, exit 0', async () => {
    const a = context();
    expect(await main(['stack', '--help'], a.ctx)).toBe(EXIT.ok);
    expect(a.out.text).toMatch(/^Usage: payflow stack/);
    expect(a.out.text).toMatch(/\nStack: /);
  });

  it('when a tool gets a bad flag, then exit 2 naming the flag and pointing at its help', async () => {
    const a = context();
    expect(await main(['stack', '--nope'], a.ctx)).toBe(EXIT.usage);
    expect(a.err.text).toBe("payflow stack: Unknown option '--nope' (see payflow stack --help)\n");
  });

  it('when the help article lists the tools, then it lists exactly the tools there are', () => {
    const article = readFileSync(
      join(import.meta.dirname, '..', '..', '..', 'docs', 'help', 'operator-tools.md'),
      'utf8',
    );
    const listed = [...article.matchAll(/^\| `payflow ([a-z-]+)`/gm)].map((m) => m[1]).sort();
    expect(listed).toEqual(toolNames());
  });
});
