// `payflow stack`: which stack the tools would work against, and whether each of its services
// answers. The first thing to run in an incident: it says what every other tool will touch.
import { checkApi, openDatabase, openQueue, reasonOf } from './lib/connect.ts';
import { parse } from './lib/args.ts';
import { EXIT, ToolError } from './lib/errors.ts';
import { printJson, table } from './lib/output.ts';
import { STACK_HELP, STACK_OPTIONS, describeStack, discoverStack, redact, type Stack } from './lib/stack.ts';
import type { Tool, ToolContext } from './lib/tool.ts';

const OPTIONS = { ...STACK_OPTIONS, json: { type: 'boolean' } } as const;

interface Check {
  readonly service: string;
  readonly address: string | null;
  readonly status: 'ok' | 'unreachable' | 'not configured';
  readonly detail: string | null;
}

async function check(
  service: string,
  address: string | undefined,
  probe: () => Promise<unknown>,
): Promise<Check> {
  if (address === undefined) return { service, address: null, status: 'not configured', detail: null };
  try {
    await probe();
    return { service, address, status: 'ok', detail: null };
  } catch (err) {
    const detail = err instanceof ToolError ? err.message : reasonOf(err);
    return { service, address, status: 'unreachable', detail };
  }
}

async function checks(s: Stack): Promise<Check[]> {
  return Promise.all([
    check('PostgreSQL', s.databaseUrl && redact(s.databaseUrl), async () =>
      (await openDatabase(s, 'payflow-stack', 1)).end(),
    ),
    check('SQS', s.eventsQueueUrl && (s.sqsEndpoint ?? `AWS SQS (${s.region})`), async () => {
      (await openQueue(s)).client.destroy();
    }),
    check('API', s.apiUrl, async () => checkApi(s.apiUrl ?? '')),
  ]);
}

/** The stack for --json: the database URL without its password, the API token only as set or not. */
function shown(stack: Stack): Record<string, unknown> {
  const { apiToken, databaseUrl, redisUrl, ...rest } = stack;
  return {
    ...rest,
    databaseUrl: databaseUrl && redact(databaseUrl),
    redisUrl: redisUrl && redact(redisUrl),
    apiToken: apiToken === undefined ? 'not set' : 'set (not shown)',
  };
}

export const tool: Tool = {
  name: 'stack',
  summary:
    'show the stack the tools would use (flags, environment or the running demo) and check each service',
  help: `Usage: payflow stack [--json] [stack options]

Prints where the tools would find PostgreSQL, SQS (the events queue) and the API, how each was
found (a flag, a variable, or the running demo's .payflow/demo/stack.json), and checks that each
answers. Exit 0 when every configured service answers, 3 when one does not.

Options:
  --json                   the stack and the checks as JSON

${STACK_HELP}

Examples:
  payflow stack
  DATABASE_URL=postgres://payflow@db:5432/payflow payflow stack --json
  payflow stack --database-url postgres://127.0.0.1:5432/payflow`,
  async run(argv: readonly string[], ctx: ToolContext): Promise<number> {
    const { values } = parse(argv, OPTIONS);
    const stack = discoverStack(values, ctx.env);
    const results = await checks(stack);
    const down = results.filter((r) => r.status === 'unreachable');
    if (values.json === true)
      printJson(ctx.stdout, {
        stack: shown(stack),
        checks: results,
      });
    else
      ctx.stdout.write(
        `${describeStack(stack)}\n\n${table(
          [{ title: 'service' }, { title: 'status' }, { title: 'detail' }],
          results.map((r) => [r.service, r.status, r.detail ?? r.address]),
        )}\n`,
      );
    if (results.every((r) => r.status === 'not configured')) {
      ctx.stderr.write(
        'payflow stack: no stack found: start the demo (npm start), set DATABASE_URL and the queue URLs, or pass the flags\n',
      );
      return EXIT.usage;
    }
    return down.length > 0 ? EXIT.unreachable : EXIT.ok;
  },
};
