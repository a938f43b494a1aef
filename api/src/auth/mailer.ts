import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from '../observability/logger.ts';

export interface Email {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  /** Sends in the background: a slow or failing SMTP server neither delays nor fails the request. */
  sendLater(email: Email): void;
  close(): void;
}

/** Email through SMTP with nodemailer; without SMTP_URL, messages are dropped with a warning. */
export function createMailer(smtpUrl: string | undefined, from: string, logger: Logger): Mailer {
  const transport: Transporter | undefined = smtpUrl ? nodemailer.createTransport(smtpUrl) : undefined;
  return {
    sendLater(email) {
      if (!transport) {
        logger.warn({ to: email.to, subject: email.subject }, 'SMTP_URL is not set; email dropped');
        return;
      }
      transport.sendMail({ from, to: email.to, subject: email.subject, text: email.text }).then(
        () => {
          logger.debug({ subject: email.subject }, 'email sent');
        },
        (err: unknown) => {
          logger.error({ err: (err as Error).message, subject: email.subject }, 'email not sent');
        },
      );
    },
    close() {
      transport?.close();
    },
  };
}
