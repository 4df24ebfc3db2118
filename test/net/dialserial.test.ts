/**
 * Dialing a name with several addresses: tried in turn (Go's dialSerial), the first success
 * wins, else the first error; the time left is shared with Go's partialDeadline.
 */
import { afterEach, it } from "node:test";
import assert from "node:assert/strict";
import type { LookupAddress } from "node:dns";
import { dial, listen, errorIs, OpError } from "../../src/index.js";
import { partialDeadline } from "../../src/net/dial.js";
import { errTimeout } from "../../src/net/errors.js";
import { lookupHooks } from "../../src/net/lookup.js";
import { guardFdLeaks } from "../helpers.js";

guardFdLeaks();

const system = lookupHooks.system;
afterEach(() => {
  lookupHooks.system = system;
});

/** Makes the name "multi.test" resolve to `addrs`, in that order. */
function resolveTo(...addrs: string[]): void {
  lookupHooks.system = async (host) => {
    assert.equal(host, "multi.test");
    return addrs.map((address): LookupAddress => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
}

it("Go's partialDeadline table (dial_test.go TestDialerPartialDeadline)", () => {
  const now = 1_700_000_000_000;
  const s = 1000;
  const cases: [number, number, number, number | "timeout"][] = [
    [now, now + 12 * s, 1, now + 12 * s],
    [now, now + 12 * s, 2, now + 6 * s],
    [now, now + 12 * s, 3, now + 4 * s],
    [now, now + 12 * s, 999, now + 2 * s],
    [now, now + 1900, 999, now + 1900],
    [now - 1, now, 1, now],
    [now, now, 1, "timeout"],
    [now + 1, now, 1, "timeout"],
  ];
  for (const [at, deadline, addrs, want] of cases) {
    if (want === "timeout") assert.throws(() => partialDeadline(at, deadline, addrs), (e) => e === errTimeout);
    else assert.equal(partialDeadline(at, deadline, addrs), want, `${at - now} ${deadline - now} ${addrs}`);
  }
});

it("tries the addresses in turn: a refused first address gives way to the second", async () => {
  await using ln = await listen("tcp", "127.0.0.1:0");
  const port = (ln.addr() as unknown as { port: number }).port;
  resolveTo("127.0.0.2", "127.0.0.1");
  const accepted = ln.accept();
  await using c = await dial("tcp", `multi.test:${port}`);
  await using s = await accepted;
  assert.equal(c.remoteAddr()?.toString(), `127.0.0.1:${port}`);
  assert.equal(s.remoteAddr()?.toString(), c.localAddr()?.toString());
});

it("when every address fails, the first error is the one reported", async () => {
  await using ln = await listen("tcp", "127.0.0.1:0");
  const port = (ln.addr() as unknown as { port: number }).port;
  await ln.close();
  resolveTo("127.0.0.3", "127.0.0.4");
  const err = await dial("tcp", `multi.test:${port}`).then(
    () => assert.fail("dial succeeded"),
    (e: unknown) => e as OpError,
  );
  assert.equal(err.message, `dial tcp 127.0.0.3:${port}: connect: connection refused`);
});

it("a passed deadline fails before any connect: in the lookup, or naming the first address", async () => {
  resolveTo("127.0.0.1", "127.0.0.2");
  const viaName = await dial("tcp", "multi.test:1", { timeout: -1 }).then(
    () => assert.fail("dial succeeded"),
    (e: unknown) => e as OpError,
  );
  assert.equal(viaName.message, "dial tcp: lookup multi.test: i/o timeout");
  assert.ok(errorIs(viaName, errTimeout) && viaName.timeout());
  const literal = await dial("tcp", "127.0.0.1:1", { deadline: Date.now() - 1 }).then(
    () => assert.fail("dial succeeded"),
    (e: unknown) => e as OpError,
  );
  assert.equal(literal.message, "dial tcp 127.0.0.1:1: i/o timeout");
  assert.ok(errorIs(literal, errTimeout) && literal.timeout());
});
