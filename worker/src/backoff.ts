/**
 * Visibility timeout for the next attempt: exponential in the receive count, capped, with
 * "equal jitter" (half fixed, half random) so that retries of a burst spread out. Seconds,
 * whole (ChangeMessageVisibility takes integers), at most SQS' 12 hours.
 */
export function backoffSeconds(
  receiveCount: number,
  opts: { baseSeconds: number; capSeconds: number },
  random: () => number = Math.random,
): number {
  const exp = opts.baseSeconds * 2 ** Math.max(0, receiveCount - 1);
  const capped = Math.min(opts.capSeconds, exp);
  const jittered = capped / 2 + (random() * capped) / 2;
  return Math.min(43_200, Math.max(0, Math.round(jittered)));
}
