// `payflow <tool> [args]`: the operator tools' entry point (`npm run payflow -- <tool>`,
// `./hack/payflow <tool>`). Each tool is a module beside this file, hack/tools/<tool>.ts,
// exporting `tool` (lib/tool.ts); a new file is a new tool. This file prints the help, runs the
// tool, and turns errors into exit codes: 0 done, 1 failed, 2 bad arguments, 3 a service
// unreachable, 130 interrupted.
import { readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { reasonOf } from './lib/connect.ts';
import { EXIT, ToolError, UsageError } from './lib/errors.ts';
import { describeStack, discoverStack } from './lib/stack.ts';
import type { Tool, ToolContext } from './lib/tool.ts';

const DIR = import.meta.dirname;
const NAME = /^[a-z][a-z0-9-]*$/;

/** The tools there are: every hack/tools/<name>.ts but this one and tests. */
export function toolNames(dir = DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'payflow.ts')
    .map((f) => f.slice(0, -3))
    .filter((n) => NAME.test(n))
    .sort();
}

export async function loadTool(name: string, dir = DIR): Promise<Tool> {
  if (!NAME.test(name) || !toolNames(dir).includes(name))
    throw new UsageError(`unknown tool '${name}' (tools: ${toolNames(dir).join(', ')}); see payflow --help`);
  const mod = (await import(pathToFileURL(join(dir, `${name}.ts`)).href)) as { tool?: Tool };
  if (mod.tool?.name !== name) throw new Error(`hack/tools/${name}.ts does not export a tool named ${name}`);
  return mod.tool;
}

async function overview(env: NodeJS.ProcessEnv): Promise<string> {
  const tools = await Promise.all(toolNames().map(async (n) => loadTool(n)));
  const width = Math.max(...tools.map((t) => t.name.length));
  return `payflow: operator tools for a PayFlow stack

Usage: payflow <tool> [options]        (npm run payflow -- <tool>, ./hack/payflow <tool>)
       payflow <tool> --help           a tool's options and examples

Tools:
${tools.map((t) => `  ${t.name.padEnd(width)}  ${t.summary}`).join('\n')}

Each tool finds the stack by itself: the flags, else the variables the API and the worker read
(DATABASE_URL, SQS_ENDPOINT, SQS_EVENTS_QUEUE_URL, …), else the running local demo (npm start).
Tools that write have a dry run; --json prints results for scripts; progress goes to stderr.

Exit codes: 0 done, 1 failed (the report says what), 2 bad arguments, 3 a service unreachable
(the message names it and its address), 130 interrupted.

${describeStack(discoverStack({}, env))}
`;
}

function toolHelp(t: Tool, env: NodeJS.ProcessEnv): string {
  return `${t.help.trimEnd()}\n\n${describeStack(discoverStack({}, env))}\n`;
}

const isHelp = (a: string): boolean => a === '--help' || a === '-h';

/** The interruption signal: the first Ctrl-C asks the tool to stop; a second exits at once. */
function interruption(): AbortSignal {
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (ac.signal.aborted) {
      process.stderr.write(`\n${sig} again: exiting now\n`);
      process.exit(EXIT.interrupted);
    }
    process.stderr.write(`\n${sig}: stopping at the next safe point (again to exit at once)…\n`);
    ac.abort(new Error(sig));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return ac.signal;
}

async function dispatch(argv: readonly string[], ctx: ToolContext): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    ctx.stderr.write(await overview(ctx.env));
    return EXIT.usage;
  }
  if (isHelp(first) || first === 'help') {
    if (rest[0] !== undefined && first === 'help') {
      ctx.stdout.write(toolHelp(await loadTool(rest[0]), ctx.env));
      return EXIT.ok;
    }
    ctx.stdout.write(await overview(ctx.env));
    return EXIT.ok;
  }
  if (first.startsWith('-')) throw new UsageError(`expected a tool name before ${first}; see payflow --help`);
  const tool = await loadTool(first);
  const beforeDashes = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (beforeDashes.some(isHelp)) {
    ctx.stdout.write(toolHelp(tool, ctx.env));
    return EXIT.ok;
  }
  return tool.run(rest, ctx);
}

/** "(see payflow <tool> --help)" after a usage error of a tool that exists. */
function helpHint(err: ToolError, first: string | undefined): string {
  if (
    !(err instanceof UsageError) ||
    first === undefined ||
    !NAME.test(first) ||
    !toolNames().includes(first)
  )
    return '';
  return ` (see payflow ${first} --help)`;
}

/** Runs one command line; never throws. */
export async function main(argv: readonly string[], ctx: ToolContext): Promise<number> {
  const first = argv[0] ?? '';
  const name = NAME.test(first) ? `payflow ${first}` : 'payflow';
  try {
    return await dispatch(argv, ctx);
  } catch (err) {
    if (err instanceof ToolError) {
      ctx.stderr.write(`${name}: ${err.message}${helpHint(err, argv[0])}\n`);
      return err.exitCode;
    }
    if (ctx.signal.aborted) {
      ctx.stderr.write(`${name}: interrupted: ${reasonOf(err)}\n`);
      return EXIT.interrupted;
    }
    ctx.stderr.write(
      `${name}: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return EXIT.failed;
  }
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const code = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: interruption(),
    now: Date.now,
  });
  // Let stdout drain (a pipe to jq), then exit: open handles (pools, sockets) must not hold us.
  process.stdout.write('', () => process.exit(code));
}
