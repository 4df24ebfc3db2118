/**
 * Regression: `setReadDeadline(5000)` silently meant 5 s after the 1970 epoch (an i/o timeout
 * after 1 ms), and `setLinger` took seconds while the design says durations are milliseconds;
 * neither was said anywhere a user would look. Go's meanings are kept (a deadline is a point in
 * time, SetLinger an int of seconds) and the docs now say so loudly: this pins both the
 * behaviour and the words.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { listen, dial, errorIs, ErrDeadlineExceeded } from "../../src/index.js";
import { guardFdLeaks, within } from "../helpers.js";

guardFdLeaks();

/** The text of a repo file with TSDoc's leading `*`s and all line breaks folded into spaces. */
const repo = (f: string) =>
  readFileSync(fileURLToPath(new URL(`../../../${f}`, import.meta.url)), "utf8")
    .replace(f.endsWith(".ts") ? /\n\s*\* ?/g : /(?!)/g, " ")
    .replace(/\s+/g, " ");

it("setReadDeadline(5000) is a point in 1970: the read times out at once; a Date works", async () => {
  const ln = await listen("tcp", "127.0.0.1:0");
  const accepted = ln.accept();
  const c = await dial("tcp", ln.addr().toString());
  const s = await accepted;
  try {
    c.setReadDeadline(5000);
    const t0 = Date.now();
    await assert.rejects(within(c.read(new Uint8Array(1)), 2000, "read past a 1970 deadline"), (e: unknown) =>
      errorIs(e, ErrDeadlineExceeded),
    );
    assert.ok(Date.now() - t0 < 1000, "a deadline in 1970 has long passed");

    c.setReadDeadline(new Date(Date.now() + 60_000));
    const read = c.read(new Uint8Array(1));
    await s.write(new Uint8Array([9]));
    assert.equal(await within(read, 5000, "read with a Date deadline"), 1);
  } finally {
    await c.close();
    await s.close();
    await ln.close();
  }
});

it("the README and docs/go-differences.md say deadlines are points in time and setLinger takes seconds", () => {
  const readme = repo("README.md");
  assert.match(readme, /\*\*Deadlines are points in time, not durations\*\*/);
  assert.match(readme, /`conn\.setReadDeadline\(5000\)` is 5 s after midnight, 1 January 1970/);
  assert.match(readme, /`TCPConn\.setLinger\(sec\)` takes whole \*\*seconds\*\*/);
  const diffs = repo("docs/go-differences.md");
  assert.match(diffs, /\*\*epoch milliseconds, not a duration\*\*/);
  assert.match(diffs, /`setLinger\(sec\)` takes whole \*\*seconds\*\*, not milliseconds/);
  const tcpsock = repo("src/net/tcpsock.ts");
  assert.match(tcpsock, /setLinger sets what close does with unsent data; its argument is in \*\*seconds\*\*, not milliseconds/);
});
