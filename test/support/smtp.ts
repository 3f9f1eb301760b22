// A real SMTP server inside the test process: what nodemailer sends arrives here, is kept raw
// and parsed with mailparser, so a test reads the mail a recipient would get.
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** RCPT TO addresses of the SMTP envelope (who the server delivered to). */
  envelopeTo: string[];
  raw: Buffer;
  /** Parsed with cid: links kept (mailparser would inline them), so a test sees what the HTML references. */
  parsed: ParsedMail;
}

export interface TestSmtp {
  url: string;
  received: ReceivedMail[];
  /** Addresses the server answers RCPT TO with a permanent 550; change it between runs. */
  reject: Set<string>;
  /** Called on every RCPT TO before it is answered (a test can kill the sender there). */
  onRcpt?: (address: string) => void;
  close(): Promise<void>;
}

export async function startSmtp(): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  const reject = new Set<string>();
  const smtp: TestSmtp = {
    url: '',
    received,
    reject,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    // Plain SMTP on loopback: no certificate for nodemailer to doubt.
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      smtp.onRcpt?.(address.address.toLowerCase());
      if (reject.has(address.address.toLowerCase())) {
        const err = Object.assign(new Error(`mailbox ${address.address} unavailable`), { responseCode: 550 });
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks);
        try {
          received.push({
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            raw,
            parsed: await simpleParser(raw, { keepCidLinks: true }),
          });
          callback();
        } catch (e) {
          callback(e as Error);
        }
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  smtp.url = `smtp://127.0.0.1:${port}`;
  return smtp;
}
