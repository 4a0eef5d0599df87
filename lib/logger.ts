import pino from 'pino';
import type { Config } from './config';

export type Logger = pino.Logger;

export function createLogger(config: Pick<Config, 'logLevel'>, name?: string): Logger {
  return pino({ level: config.logLevel, name, base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
}
