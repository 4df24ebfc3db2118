/**
 * The base of every sockit error, Go's `errors.Is`, and the errno layer: `Errno` (Go's
 * `syscall.Errno`) and `SyscallError` (Go's `os.SyscallError`).
 */
import { binding, bindingError } from "./binding.js";
import { errnoText } from "./errnotext.js";

/** The brand symbol of each branded class, by class (not inherited: see {@link brand}). */
const brands = new WeakMap<object, symbol>();

/**
 * brandedInstance is the `Symbol.hasInstance` of every branded class. It runs with `this` set
 * to the class on the right of `instanceof`, so a subclass that inherits it still checks its
 * own brand; a class without one (an unbranded subclass) falls back to the prototype chain.
 */
function brandedInstance(this: unknown, v: unknown): boolean {
  const sym = brands.get(this as object);
  if (sym === undefined) return Function.prototype[Symbol.hasInstance].call(this, v);
  return typeof v === "object" && v !== null && (v as Record<symbol, unknown>)[sym] === true;
}

/**
 * brand makes `instanceof` work across two installed copies of sockit (as undici does): the
 * check looks for a registered symbol, `Symbol.for("sockit." + name)`, that the class's
 * prototype carries, rather than for the prototype itself. Each class checks its own symbol,
 * and an instance of a subclass carries its bases' symbols through its prototype chain, so
 * `new OpError(...) instanceof NetError` holds while `ErrClosed instanceof CanceledError` (a
 * Sentinel that is no CanceledError) does not. Brand every class whose instances callers test.
 *
 * @example
 * export class OpError extends NetError { ... }
 * brand(OpError, "OpError");
 */
export function brand(cls: abstract new (...args: never[]) => object, name: string): void {
  const sym = Symbol.for(`sockit.${name}`);
  Object.defineProperty(cls.prototype, sym, { value: true });
  brands.set(cls, sym);
  Object.defineProperty(cls, Symbol.hasInstance, { value: brandedInstance });
}

/**
 * NetError is the base class of sockit's errors, Go's `net.Error` interface: every error
 * answers `timeout()` and `temporary()`, and carries Node's `code` where one applies.
 */
export abstract class NetError extends Error {
  /** Node-style error code: the errno name ("ECONNREFUSED") where an errno is behind it. */
  abstract readonly code: string | undefined;
  /** timeout reports whether the error is a timeout (Go's `Timeout()`). */
  timeout(): boolean {
    return false;
  }
  /** temporary reports whether the error may go away on retry (Go's deprecated `Temporary()`). */
  temporary(): boolean {
    return false;
  }
}
brand(NetError, "NetError");

/**
 * errorIs reports whether any error in `err`'s cause chain matches `target`, as Go's
 * `errors.Is`: the same object, or one whose `is(target)` method says so.
 *
 * @example
 * try { await conn.read(buf); } catch (e) { if (errorIs(e, ErrDeadlineExceeded)) retry(); }
 */
export function errorIs(err: unknown, target: unknown): boolean {
  for (let e: unknown = err, depth = 0; e != null && depth < 100; depth++) {
    if (e === target) return true;
    const is = (e as { is?: unknown }).is;
    if (typeof is === "function" && (is as (t: unknown) => boolean).call(e, target)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

const errnoNames = new Map<number, string>();
/** Errno numbers by name, read from the binding (they differ between Linux and macOS). */
export const E: Readonly<Record<string, number>> = bindingError === null ? binding.errnos : {};
for (const [name, n] of Object.entries(E)) {
  // First definition wins for aliases, except that the canonical names below are preferred.
  if (!errnoNames.has(n)) errnoNames.set(n, name);
}
for (const name of ["EAGAIN", "EOPNOTSUPP", "EDEADLK"]) if (E[name] !== undefined) errnoNames.set(E[name]!, name);

/**
 * Errno is a system error number, Go's `syscall.Errno`. Its message is Go's text for it.
 *
 * @example
 * errorIs(err, new Errno(E.ECONNREFUSED!)) // true for any refused connect
 */
export class Errno extends NetError {
  override readonly name = "Errno";
  /** The errno name, e.g. "ECONNREFUSED" (Node's `code`). */
  readonly code: string;
  constructor(readonly errno: number) {
    const name = errnoNames.get(errno);
    super(name !== undefined ? (errnoText[name] ?? `errno ${errno}`) : `errno ${errno}`);
    this.code = name ?? `E${errno}`;
  }
  override timeout(): boolean {
    const e = this.errno;
    return e === E.EAGAIN || e === E.EWOULDBLOCK || e === E.ETIMEDOUT;
  }
  override temporary(): boolean {
    const e = this.errno;
    return e === E.EINTR || e === E.EMFILE || e === E.ENFILE || this.timeout();
  }
  /** Matches another Errno with the same number, as Go compares Errno values. */
  is(target: unknown): boolean {
    return target instanceof Errno && target.errno === this.errno;
  }
}
brand(Errno, "Errno");

/**
 * SyscallError names the system call that failed, Go's `os.SyscallError`: "connect: connection
 * refused".
 */
export class SyscallError extends NetError {
  override readonly name = "SyscallError";
  readonly code: string | undefined;
  constructor(
    readonly syscall: string,
    readonly err: Error,
  ) {
    super(`${syscall}: ${err.message}`, { cause: err });
    this.code = (err as { code?: string }).code;
  }
  override timeout(): boolean {
    return this.err instanceof NetError && this.err.timeout();
  }
  override temporary(): boolean {
    return this.err instanceof NetError && this.err.temporary();
  }
}
brand(SyscallError, "SyscallError");

/** syscallError builds the SyscallError for a binding result `-errno`. */
export function syscallError(syscall: string, negErrno: number): SyscallError {
  return new SyscallError(syscall, new Errno(-negErrno));
}
