// Owns the logger shape the framework writes to: a leaf module, so that the server and each
// connection share it without importing each other.

/** pino-compatible subset. */
export interface Logger {
  error(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
}
