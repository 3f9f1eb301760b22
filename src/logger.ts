import { pino } from 'pino';
import { config } from './config.ts';

const pretty = process.stderr.isTTY;

/** The one logger: pretty on a terminal, JSON lines otherwise, always on stderr. */
export const logger = pino(
  {
    level: config().LOG_LEVEL,
    redact: {
      paths: [
        '*.password',
        '*.token',
        '*.DATABASE_URL',
        '*.SMTP_URL',
        '*.REDIS_URL',
        '*.PULSE_WEBHOOK_SECRET',
        '*.secret',
        'headers.authorization',
      ],
      censor: '[redacted]',
    },
    transport: pretty
      ? { target: 'pino-pretty', options: { destination: 2, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } }
      : undefined,
  },
  pretty ? undefined : pino.destination(2),
);

export type Logger = typeof logger;
