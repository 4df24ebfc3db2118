/**
 * Shared helpers of the address tests: hex conversion and checks that an error is the Go
 * error a golden table names ([Go type, Error() text]).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { AddrError, DNSError, ParseError, UnknownNetworkError, errMissingAddress } from "../../../src/net/errors.js";
import { NetipError, ParseAddrError } from "../../../src/net/netip/errors.js";

/** hex gives the bytes in lower-case hex, or null for null. */
export function hex(b: Uint8Array | null): string | null {
  return b === null ? null : Buffer.from(b.buffer, b.byteOffset, b.length).toString("hex");
}

/** unhex gives the bytes of a hex string. */
export function unhex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, "hex"));
}

/** checkGoError asserts that `e` is the typed error matching Go's [type, text]. */
export function checkGoError(e: unknown, want: readonly [string, string], what: string): void {
  assert.ok(e instanceof Error, `${what}: threw a non-Error ${String(e)}`);
  assert.equal(e.message, want[1], what);
  const type = want[0];
  const ok =
    type === "AddrError" ? e instanceof AddrError
    : type === "UnknownNetworkError" ? e instanceof UnknownNetworkError
    : type === "ParseError" ? e instanceof ParseError
    : type === "DNSError" ? e instanceof DNSError
    : type === "ParseAddrError" ? e instanceof ParseAddrError
    : type === "errorString" ? (want[1] === "missing address" ? e === errMissingAddress : e instanceof NetipError && !(e instanceof ParseAddrError))
    : false;
  assert.ok(ok, `${what}: ${e.constructor.name} is not Go's ${type}`);
}

/** goThrows asserts that fn throws the typed error matching Go's [type, text]. */
export function goThrows(fn: () => unknown, want: readonly [string, string], what: string): void {
  let threw = false;
  try {
    fn();
  } catch (e) {
    threw = true;
    checkGoError(e, want, what);
  }
  assert.ok(threw, `${what}: did not throw ${want[1]}`);
}

/** goRejects asserts that p rejects with the typed error matching Go's [type, text]. */
export async function goRejects(p: Promise<unknown>, want: readonly [string, string], what: string): Promise<void> {
  let threw = false;
  try {
    await p;
  } catch (e) {
    threw = true;
    checkGoError(e, want, what);
  }
  assert.ok(threw, `${what}: did not reject with ${want[1]}`);
}

/** q shows a string for test names, escaping what would be unreadable. */
export function q(s: string): string {
  return JSON.stringify(s.length > 60 ? s.slice(0, 60) + "…" : s);
}

/** sameFile reports whether a system file still has the SHA-256 it had when the golden tables were made. */
export function sameFile(path: string, hash: string): boolean {
  try {
    return createHash("sha256").update(readFileSync(path)).digest("hex") === hash;
  } catch {
    return hash === "";
  }
}
