// The images' HEALTHCHECK: GET http://127.0.0.1:<port><path>, healthy on 2xx. The port is read
// from the environment variable the process itself listens on, so a changed port still checks.
// Usage: node healthcheck.ts <PORT_VARIABLE> <path>
const [variable = 'PORT', path = '/readyz'] = process.argv.slice(2);
const port = Number(process.env[variable]);
if (!Number.isInteger(port) || port <= 0) {
  console.error(`healthcheck: ${variable} is not a port: ${String(process.env[variable])}`);
  process.exit(1);
}
try {
  const res = await fetch(`http://127.0.0.1:${String(port)}${path}`, { signal: AbortSignal.timeout(2500) });
  if (!res.ok) console.error(`healthcheck: ${path} answered ${String(res.status)}`);
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  console.error(`healthcheck: ${path}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
