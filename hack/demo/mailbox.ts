// The demo's mailbox: an SMTP server on loopback that the API sends its mail to (verification,
// password reset, invitations), and a small web page that shows what arrived, with the links in
// each message clickable, so that sign-up → verify → sign-in works in the demo without any mail
// leaving the machine. Messages are kept as JSON files in the demo folder (a restart keeps them).
//
//   GET /                 the messages, newest first (the page refreshes itself)
//   GET /messages/<id>    one message
//   GET /api/messages     the same as JSON (newest first), for scripts and tests
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface StoredMail {
  id: string;
  received_at: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
}

export interface Mailbox {
  /** For the API's SMTP_URL. */
  readonly smtpUrl: string;
  /** The mailbox page. */
  readonly url: string;
  messages(): StoredMail[];
  close(): Promise<void>;
}

function addresses(field: ParsedMail['to'] | ParsedMail['from']): string[] {
  const list = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return list.flatMap((a) => a.value.map((v) => v.address ?? '')).filter((a) => a !== '');
}

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** The text with its http(s) links as anchors; everything else escaped. */
export function linkify(text: string): string {
  return text
    .split(/(https?:\/\/[^\s<>"']+)/g)
    .map((part, i) =>
      i % 2 === 1 ? `<a href="${escapeHtml(part)}">${escapeHtml(part)}</a>` : escapeHtml(part),
    )
    .join('');
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#151515;background:#f2f2f2}
header{background:#151515;color:#fff;padding:12px 24px}header p{margin:4px 0 0;color:#c7c7c7;font-size:13px}
main{max-width:960px;margin:24px auto;padding:0 16px}table{width:100%;border-collapse:collapse;background:#fff}
th,td{text-align:left;padding:8px 12px;border-bottom:1px solid #d2d2d2}a{color:#0066cc}
pre{white-space:pre-wrap;background:#fff;padding:16px;border:1px solid #d2d2d2}
@media (prefers-color-scheme:dark){body{background:#1b1d21;color:#e0e0e0}table,pre{background:#292e34;border-color:#444}a{color:#73bcf7}th,td{border-color:#444}}`;

function page(title: string, body: string, refresh: boolean): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">${refresh ? '<meta http-equiv="refresh" content="5">' : ''}<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><header><strong>PayFlow demo mailbox</strong><p>Mail the product sends in the demo lands here; none of it leaves this machine.</p></header><main>${body}</main></body></html>`;
}

function listPage(mails: StoredMail[]): string {
  if (mails.length === 0)
    return page(
      'Mailbox',
      '<h1>No mail yet</h1><p>Sign up, reset a password or invite someone in the console: the message shows here.</p>',
      true,
    );
  const rows = mails
    .map(
      (m) =>
        `<tr><td>${escapeHtml(new Date(m.received_at).toLocaleString('en-GB'))}</td><td>${escapeHtml(m.to.join(', '))}</td><td><a href="/messages/${m.id}">${escapeHtml(m.subject || '(no subject)')}</a></td></tr>`,
    )
    .join('');
  return page(
    'Mailbox',
    `<h1>${String(mails.length)} message${mails.length === 1 ? '' : 's'}</h1><table><thead><tr><th>Received</th><th>To</th><th>Subject</th></tr></thead><tbody>${rows}</tbody></table>`,
    true,
  );
}

function messagePage(m: StoredMail): string {
  return page(
    m.subject,
    `<p><a href="/">← All mail</a></p><h1>${escapeHtml(m.subject || '(no subject)')}</h1><p>From ${escapeHtml(m.from)} to ${escapeHtml(m.to.join(', '))}, ${escapeHtml(new Date(m.received_at).toLocaleString('en-GB'))}</p><pre>${linkify(m.text)}</pre>`,
    false,
  );
}

/** Starts the SMTP server and the mailbox page on free loopback ports; mail is kept in `dir`. */
export async function startMailbox(dir: string): Promise<Mailbox> {
  mkdirSync(dir, { recursive: true });
  const messages = (): StoredMail[] =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .reverse()
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as StoredMail);
  const smtp = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    size: 1024 * 1024,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          const received = new Date();
          const stored: StoredMail = {
            id: `${received.getTime().toString(36)}-${randomUUID().slice(0, 8)}`,
            received_at: received.toISOString(),
            from: addresses(mail.from).join(', '),
            to: addresses(mail.to).map((a) => a.toLowerCase()),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
          };
          // Names sort by time: the id starts with the millisecond, base 36, fixed width till 2059.
          writeFileSync(join(dir, `${stored.id}.json`), JSON.stringify(stored));
          callback();
        },
        (err: unknown) => {
          callback(err instanceof Error ? err : new Error(String(err)));
        },
      );
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const web: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (path === '/') {
      send(200, 'text/html; charset=utf-8', listPage(messages()));
      return;
    }
    if (path === '/api/messages') {
      send(200, 'application/json', JSON.stringify({ data: messages() }));
      return;
    }
    const id = /^\/messages\/([\w-]+)$/.exec(path)?.[1];
    const found = id ? messages().find((m) => m.id === id) : undefined;
    if (found) {
      send(200, 'text/html; charset=utf-8', messagePage(found));
      return;
    }
    send(
      404,
      'text/html; charset=utf-8',
      page('Not found', '<h1>No such message</h1><p><a href="/">All mail</a></p>', false),
    );
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  const webPort = (web.address() as AddressInfo).port;
  return {
    smtpUrl: `smtp://127.0.0.1:${String(smtpPort)}`,
    url: `http://127.0.0.1:${String(webPort)}`,
    messages,
    async close() {
      await Promise.all([
        new Promise<void>((resolve) => {
          smtp.close(resolve);
        }),
        new Promise<void>((resolve) => {
          web.closeAllConnections();
          web.close(() => {
            resolve();
          });
        }),
      ]);
    },
  };
}
