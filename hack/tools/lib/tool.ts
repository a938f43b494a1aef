// What a tool is: a module hack/tools/<name>.ts exporting `tool`, which the entry point
// (hack/tools/payflow.ts) finds by name. The entry point prints `help` for --help / -h, runs
// `run` with the remaining arguments, and turns what it throws (errors.ts) into an exit code.

/** Where a tool writes: process.stdout / process.stderr, or a test's buffer. */
export interface Output {
  write(text: string): unknown;
  /** A terminal: progress bars redraw in place, tables may use colour-free box drawing. */
  readonly isTTY?: boolean | undefined;
  readonly columns?: number | undefined;
}

export interface ToolContext {
  /** Results: tables, or JSON with --json. Nothing else goes here. */
  readonly stdout: Output;
  /** Progress, notes and errors. */
  readonly stderr: Output;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted on the first Ctrl-C (SIGINT) or SIGTERM: stop at the next safe point and report. */
  readonly signal: AbortSignal;
  /** Milliseconds since the epoch (Date.now, or a test's clock). */
  readonly now: () => number;
}

export interface Tool {
  /** The name on the command line: `payflow <name>`; also the module's file name. */
  readonly name: string;
  /** One line for `payflow --help`. */
  readonly summary: string;
  /** The full text of `payflow <name> --help`: usage, options, examples. */
  readonly help: string;
  /** Runs the tool; resolves to its exit code (0 done, 1 failed). Throws ToolError for 2 and 3. */
  run(argv: readonly string[], ctx: ToolContext): Promise<number>;
}
