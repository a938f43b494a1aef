// The chaos report as a person reads it: the verdict first, then each invariant with its
// figures, what was sent and which faults fired when.
import type { ChaosReport } from './run.ts';

export function renderVerdict(r: ChaosReport, color: boolean): string {
  const paint = (ok: boolean, text: string): string =>
    color ? `\x1b[${ok ? '32' : '31'}m${text}\x1b[0m` : text;
  const lines: string[] = [];
  const green = r.verdict === 'green';
  lines.push('');
  lines.push(
    paint(green, `VERDICT: ${green ? 'GREEN' : 'RED'}`) +
      ` — chaos run ${r.runId}, ${r.seconds.total.toFixed(1)} s (${r.seconds.faults.toFixed(1)} s of faults, drained in ${r.seconds.drain.toFixed(1)} s)`,
  );
  for (const c of r.checks) {
    lines.push(`  ${paint(c.ok, c.ok ? 'ok  ' : 'FAIL')} ${c.name}: ${c.detail}`);
    for (const e of c.examples) lines.push(`         e.g. ${e}`);
  }
  const s = r.sent;
  lines.push(
    `  sent: ${String(s.events)} events (+${String(s.duplicates)} duplicates), ${String(s.poison)} poison, ${String(s.replayed)} replayed: ${String(s.messages)} messages`,
  );
  const f = r.faults;
  lines.push(
    `  faults: ${String(f.kills)} workers SIGKILLed, ${String(f.redisRestarts)} Redis restarts, ${String(f.postgresRestarts)} PostgreSQL crash-restarts, ` +
      `${String(f.connectionDrops)} connection drops (${String(f.connectionsDropped)} connections), latency ${String(f.latencyMs)} ms`,
  );
  lines.push(
    `  workers: ${String(r.workers.started)} started by the tool, ${String(r.workers.killed)} killed, ${String(r.workers.exitedOnTheirOwn)} exited on their own`,
  );
  for (const n of r.notes) lines.push(`  note: ${n}`);
  if (r.logDir) lines.push(`  worker logs kept in ${r.logDir}`);
  return lines.join('\n');
}
