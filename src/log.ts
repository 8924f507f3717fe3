import { pino, type Logger, type LevelWithSilent } from 'pino';

/** Log levels accepted by `--log-level`. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** Log formats accepted by `--log-format`. */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * Paths redacted from every log line: credentials must never reach logs, whichever object carries
 * them (a kubeconfig, a Secret's data, an HTTP header).
 */
export const REDACT_PATHS = [
  'password',
  'token',
  '*.password',
  '*.token',
  '*.bearerToken',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  '*.data',
  '*.stringData',
  '*.clientKey',
  '*.keyData',
  '*.privateKey',
];

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Destination stream; defaults to stdout (fd 1). */
  destination?: NodeJS.WritableStream;
}

/**
 * The one root logger of a weft process. Components take a child:
 * `log.child({ controller: 'meshnode', namespace, name, reconcileId })`.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level: LevelWithSilent = opts.level ?? 'info';
  const base = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'weft' } };
  if (opts.format === 'pretty') {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, destination: 2 } } });
  }
  return opts.destination ? pino(base, opts.destination) : pino(base);
}
