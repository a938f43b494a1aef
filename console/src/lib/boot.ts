// The hand-over from the boot script (src/boot.ts): the answers to the requests it sent before the
// main bundle ran (the silent sign-in, the page's first GETs), each taken once by the API client
// in place of sending the same request again.

export interface BootAnswer {
  readonly response: Response;
  /** The access token the request was sent with (none for the sign-in itself). */
  readonly token?: string;
}

export interface BootState {
  /** performance.now() when the boot script ran. */
  readonly at: number;
  /** By `METHOD url`; undefined when the request failed (the client then sends its own). */
  readonly answers: Map<string, Promise<BootAnswer | undefined>>;
}

declare global {
  interface Window {
    /** Set by the boot script; null once the main bundle runs first, or there was nothing to do. */
    payflowBoot?: BootState | null;
  }
}

/** An answer older than this is not taken over (a tab left loading in the background). */
export const BOOT_ANSWER_MAX_AGE_MS = 10_000;

/** Called first by the main bundle: a boot script that has not run yet then does nothing. */
export function markMainStarted(): void {
  if (typeof window !== 'undefined' && window.payflowBoot === undefined) window.payflowBoot = null;
}

/**
 * The boot script's answer to this request, taken once; undefined (send it yourself) when it sent
 * no such request, sent it with another token, it failed, or it was too long ago.
 */
export async function takeBooted(
  method: string,
  url: string,
  token: string | undefined,
): Promise<Response | undefined> {
  const state = typeof window === 'undefined' ? undefined : window.payflowBoot;
  if (!state) return undefined;
  if (performance.now() - state.at > BOOT_ANSWER_MAX_AGE_MS) {
    window.payflowBoot = null;
    return undefined;
  }
  const key = `${method} ${url}`;
  const answer = state.answers.get(key);
  if (!answer) return undefined;
  state.answers.delete(key);
  const a = await answer;
  return a && a.token === token ? a.response : undefined;
}
