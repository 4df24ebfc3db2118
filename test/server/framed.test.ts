/**
 * serve with a codec's framer as its wrap (issue 12 §2): the handler reads and writes whole
 * frames, and the server's states and idle timeout still see the frames' reads and writes.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { dial, framed, lengthField, listen } from "../../src/index.js";
import { serve, type ConnState } from "../../src/server/index.js";
import { guardFdLeaks, until, within } from "../helpers.js";

guardFdLeaks();

it("serve(ln, framed(lengthField({ length: 4 })), handler) echoes frames and tracks states", async () => {
  const states: ConnState[] = [];
  const srv = serve(
    await listen("tcp", "127.0.0.1:0"),
    framed(lengthField({ length: 4 })),
    async (f) => {
      for await (const frame of f) await f.write(frame);
    },
    { idleTimeout: 100, onState: (_c, s) => void states.push(s) },
  );
  const c = framed(await dial("tcp", srv.addr().toString()), lengthField({ length: 4 }));
  try {
    for (const msg of ["one", "two"]) {
      await c.write(new TextEncoder().encode(msg));
      assert.equal(new TextDecoder().decode((await c.read())!), msg);
    }
    assert.equal(await within(c.read(), 2000, "the idle close"), null);
    await until(() => states.at(-1) === "closed", "closed");
    assert.deepEqual(states, ["new", "idle", "active", "idle", "active", "idle", "closed"]);
    assert.equal(srv.stats().idleClosed, 1);
    assert.equal(srv.stats().handlerErrors, 0);
  } finally {
    await c[Symbol.asyncDispose]();
    await srv.close();
  }
});
