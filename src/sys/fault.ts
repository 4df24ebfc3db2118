/**
 * Fault injection for tests, as Go's net/internal/socktest does: make the next calls of a named
 * syscall wrapper fail with a chosen errno, so that tests reach the error paths the kernel will
 * not produce on demand (ECONNABORTED or EMFILE from accept, EAGAIN after readiness, ENOBUFS
 * from sendmsg, ECONNRESET in the middle of a stream). Not part of the public API: only tests
 * import it.
 */
import { binding, type Binding } from "./binding.js";

type Wrapper = (...args: never[]) => unknown;

/** The binding's calls that may return a number (>= 0 or -errno). */
export type FaultableCall = {
  [K in keyof Binding]: Binding[K] extends (...args: never[]) => infer R ? (number extends R ? K : never) : never;
}[keyof Binding];

/**
 * injectFault makes the next `times` calls of `binding[name]` return `-errno` without making
 * the syscall; the calls after them run as usual. Returns a function that removes the fault
 * early (it is removed by itself once used up).
 *
 * @example
 * const undo = injectFault("accept", E.EMFILE!);
 * await assert.rejects(ln.accept(), /too many open files/);
 * undo();
 */
export function injectFault(name: FaultableCall, errno: number, times = 1): () => void {
  const b = binding as unknown as Record<string, Wrapper>;
  const real = b[name]!;
  let left = times;
  const restore = () => {
    if (b[name] === fake) b[name] = real;
  };
  const fake = (...args: never[]) => {
    if (left <= 0) {
      restore();
      return real(...args);
    }
    if (--left === 0) restore();
    return -errno;
  };
  b[name] = fake;
  return restore;
}
