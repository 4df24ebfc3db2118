/**
 * Regression: brand() installed one `Symbol.hasInstance` that subclasses inherited, so a
 * subclass's instanceof checked its base's brand, and CanceledError was not branded itself: every
 * Sentinel was "instanceof CanceledError", and a cancelled dial's error matched ErrClosed and
 * ErrDeadlineExceeded under errorIs.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import {
  dial,
  listen,
  errorIs,
  ErrClosed,
  ErrDeadlineExceeded,
  NetError,
  OpError,
  Errno,
  SyscallError,
  AddrError,
  DNSError,
  netip,
} from "../../src/index.js";
import { CanceledError, errTimeout } from "../../src/net/errors.js";
import { Sentinel } from "../../src/poll/errors.js";
import { guardFdLeaks, within } from "../helpers.js";

guardFdLeaks();

/** A dial to a loopback listener with an AbortSignal that has already fired. */
async function cancelledDial(): Promise<{ err: unknown; reason: unknown }> {
  const ln = await listen("tcp", "127.0.0.1:0");
  try {
    const ac = new AbortController();
    ac.abort();
    try {
      const c = await within(dial("tcp", ln.addr().toString(), { signal: ac.signal }), 5000, "cancelled dial");
      await c.close();
    } catch (err) {
      return { err, reason: ac.signal.reason };
    }
    assert.fail("a dial with an aborted signal connected");
  } finally {
    await ln.close();
  }
}

it("a cancelled dial's error is neither ErrClosed nor ErrDeadlineExceeded", async () => {
  const { err, reason } = await cancelledDial();
  assert.ok(err instanceof OpError);
  assert.match(err.message, /^dial tcp( 127\.0\.0\.1:\d+)?: operation was canceled$/);
  assert.ok(err.err instanceof CanceledError, "the OpError wraps a CanceledError");
  assert.equal(errorIs(err, ErrClosed), false, "errorIs(cancelled, ErrClosed)");
  assert.equal(errorIs(err, ErrDeadlineExceeded), false, "errorIs(cancelled, ErrDeadlineExceeded)");
  assert.equal(errorIs(err, errTimeout), false, "errorIs(cancelled, errTimeout)");
  assert.equal(errorIs(err, reason), true, "the signal's reason is in the chain");
  assert.equal(errorIs(err, new CanceledError(null)), true, "every CanceledError is Go's one errCanceled");
});

it("a Sentinel is no CanceledError; each branded class checks its own brand", () => {
  assert.equal(ErrClosed instanceof CanceledError, false);
  assert.equal(ErrDeadlineExceeded instanceof CanceledError, false);
  assert.equal(errTimeout instanceof CanceledError, false);
  assert.equal(new Errno(1) instanceof SyscallError, false);
  assert.equal(new AddrError("x", "y") instanceof OpError, false);
  assert.equal(new netip.NetipError("x") instanceof netip.ParseAddrError, false);
});

it("instanceof still holds from a subclass to every base class", () => {
  const canceled = new CanceledError(null);
  assert.ok(canceled instanceof CanceledError);
  assert.ok(canceled instanceof Sentinel);
  assert.ok(canceled instanceof NetError);
  assert.ok(canceled instanceof Error);
  assert.ok(ErrClosed instanceof Sentinel && ErrClosed instanceof NetError);
  const op = new OpError("dial", "tcp", null, null, new SyscallError("connect", new Errno(1)));
  assert.ok(op instanceof OpError && op instanceof NetError && op instanceof Error);
  assert.ok(op.err instanceof SyscallError && op.err instanceof NetError);
  assert.ok(new DNSError({ err: "no such host", name: "x" }) instanceof NetError);
  const pa = new netip.ParseAddrError("1.2.3", "IPv4 address too short");
  assert.ok(pa instanceof netip.ParseAddrError && pa instanceof netip.NetipError && pa instanceof NetError);
  assert.equal(({}) instanceof NetError, false);
  assert.equal((null as unknown) instanceof OpError, false);
});

it("an unbranded subclass of a branded class falls back to the prototype chain", () => {
  class Mine extends OpError {}
  const m = new Mine("read", "tcp", null, null, ErrClosed);
  assert.ok(m instanceof Mine && m instanceof OpError && m instanceof NetError);
  assert.equal(new OpError("read", "tcp", null, null, ErrClosed) instanceof Mine, false);
});

it("brands still match across two copies of a class (the Symbol.for registry)", () => {
  // A second installed copy of sockit has its own classes but the same registered symbols.
  const foreign = Object.create(Object.create(null, { [Symbol.for("sockit.OpError")]: { value: true } }));
  assert.ok(foreign instanceof OpError);
  assert.equal(foreign instanceof CanceledError, false);
});
