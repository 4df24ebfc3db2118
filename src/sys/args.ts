/**
 * Argument checks for calls from plain JavaScript, where the types TypeScript promises are not
 * enforced: a wrong value becomes a TypeError with Node's ERR_INVALID_ARG_TYPE code before it
 * can reach a lock or the binding (where a NaN once became fd 0).
 */
import { inspect } from "node:util";

/** ArgTypeError is Node's ERR_INVALID_ARG_TYPE: an argument of the wrong type or value. */
export class ArgTypeError extends TypeError {
  override readonly name = "TypeError";
  readonly code = "ERR_INVALID_ARG_TYPE";
}

/** invalidArg makes the error for argument `name`, which must be `must` but is `got`. */
export function invalidArg(name: string, must: string, got: unknown): ArgTypeError {
  const shown = typeof got === "object" && got !== null ? `an instance of ${got.constructor?.name ?? "Object"}` : inspect(got);
  return new ArgTypeError(`sockit: ${name} must be ${must}, not ${shown}`);
}

/** isBytes reports whether `p` is a Uint8Array (a Buffer included) the binding takes as is. */
export function isBytes(p: unknown): p is Uint8Array {
  return p instanceof Uint8Array;
}

/** isFd reports whether `fd` can be a file descriptor number: an integer from 0 to 2^31-1. */
export function isFd(fd: unknown): fd is number {
  return typeof fd === "number" && Number.isInteger(fd) && fd >= 0 && fd <= 0x7fffffff;
}

/**
 * checkInt returns `v` if it is a safe integer of at least `min` (0: a size or an offset, 1: a
 * count), else throws the TypeError for argument `name`.
 */
export function checkInt(name: string, v: unknown, min: 0 | 1): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
    throw invalidArg(name, min === 0 ? "a non-negative integer" : "a positive integer", v);
  }
  return v;
}

