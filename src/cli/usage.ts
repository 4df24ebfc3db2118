/**
 * UsageError, the error of a command line the parser rejects, in a module of its own so that
 * the parsers of args.ts and relay_addr.ts share it without importing each other.
 */

/** UsageError is a command line the parser rejects; the command exits 2 and prints the synopsis. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
