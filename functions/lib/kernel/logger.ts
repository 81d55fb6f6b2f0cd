/** The logger interface every layer writes to (Powertools in Lambda, silent in tests). Kernel module. */
export interface LoggerLike {
  debug(message: string, ...extra: unknown[]): void;
  info(message: string, ...extra: unknown[]): void;
  warn(message: string, ...extra: unknown[]): void;
  error(message: string, ...extra: unknown[]): void;
}
