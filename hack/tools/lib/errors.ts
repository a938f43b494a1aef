// The errors a tool throws; the entry point (payflow.ts) turns each into its message on stderr and
// its exit code. Exit codes are the same for every tool:
//   0 done   1 failed (the tool ran and reports a failure)   2 bad arguments or usage
//   3 a service (PostgreSQL, SQS, the API…) could not be reached   130 interrupted (Ctrl-C)
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  unreachable: 3,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error with the exit code it ends the tool with; its message is printed as it is. */
export class ToolError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad arguments: unknown flags, missing or malformed values, flags that do not go together. */
export class UsageError extends ToolError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, EXIT.usage, options);
  }
}

/** A flag's value is malformed; the message names the flag. */
export class InvalidOption extends UsageError {
  readonly option: string;
  constructor(option: string, problem: string) {
    super(`--${option} ${problem}`);
    this.option = option;
  }
}

/** A service the tool needs did not answer; names the service and where it was looked for. */
export class ServiceUnreachable extends ToolError {
  readonly service: string;
  readonly address: string;
  constructor(service: string, address: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message || cause.name : String(cause);
    super(`${service} at ${address} is unreachable: ${oneLine(why)}`, EXIT.unreachable, { cause });
    this.service = service;
    this.address = address;
  }
}

/** The stack lacks something the tool needs (no database configured, no queue URL…). */
export class NotConfigured extends UsageError {}

/** The tool did its work and found it failed (the report says what); exit 1. */
export class Failed extends ToolError {
  constructor(message: string) {
    super(message, EXIT.failed);
  }
}

export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ').trim();
}
