import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
}

export interface TestSmtp {
  /** `smtp://127.0.0.1:<port>` for SMTP_URL. */
  readonly url: string;
  readonly received: ReceivedMail[];
  /** Resolves with the next (or an already received, not yet taken) message to `to`. */
  next(to: string, timeoutMs?: number): Promise<ReceivedMail>;
  /** Messages to `to` received so far and not taken by next(). */
  pending(to: string): ReceivedMail[];
  close(): Promise<void>;
}

function recipients(mail: ParsedMail): string[] {
  const to = mail.to === undefined ? [] : Array.isArray(mail.to) ? mail.to : [mail.to];
  return to.flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));
}

/** A real SMTP server on loopback; messages are parsed with mailparser and kept for the test. */
export async function startSmtp(): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const waiters: { to: string; resolve: (m: ReceivedMail) => void }[] = [];
  const deliver = (mail: ReceivedMail): void => {
    received.push(mail);
    const i = waiters.findIndex((w) => mail.to.includes(w.to));
    if (i >= 0) {
      const [w] = waiters.splice(i, 1);
      taken.add(mail);
      w?.resolve(mail);
    }
  };
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          deliver({ to: recipients(mail), subject: mail.subject ?? '', text: mail.text ?? '' });
          callback();
        },
        (err: unknown) => {
          callback(err as Error);
        },
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  const pending = (to: string): ReceivedMail[] =>
    received.filter((m) => !taken.has(m) && m.to.includes(to.toLowerCase()));
  return {
    url: `smtp://127.0.0.1:${String(port)}`,
    received,
    pending,
    next(to, timeoutMs = 10_000) {
      const address = to.toLowerCase();
      const ready = pending(address)[0];
      if (ready) {
        taken.add(ready);
        return Promise.resolve(ready);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`no email to ${address} within ${String(timeoutMs)} ms`));
        }, timeoutMs);
        waiters.push({
          to: address,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

/** The first URL in a message's text that carries a `token` query parameter. */
export function tokenFrom(mail: ReceivedMail): string {
  const match = /https?:\/\/\S+[?&]token=([A-Za-z0-9_%.-]+)/.exec(mail.text);
  if (!match?.[1]) throw new Error(`no token link in: ${mail.text}`);
  return decodeURIComponent(match[1]);
}
