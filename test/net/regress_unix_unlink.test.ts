/**
 * Regression: a UnixListener's close unlinked whatever its path named at that moment: a regular
 * file put there after listen was deleted, and a relative path was resolved against the current
 * directory at close time, so after process.chdir a file in another directory was deleted.
 * Close now removes the path only if it still names the socket bound (same device and inode),
 * at the absolute path the listener had when it was made.
 */
import { it, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { listen, dial, UnixListener } from "../../src/index.js";
import { guardFdLeaks, within } from "../helpers.js";

guardFdLeaks();

const root = mkdtempSync(path.join(tmpdir(), "sockit-unlink-"));
after(() => rmSync(root, { recursive: true, force: true }));

it("close leaves a regular file that replaced the socket file after listen", async () => {
  const p = path.join(root, "replaced.sock");
  const ln = await listen("unix", p);
  assert.ok(ln instanceof UnixListener);
  assert.ok(lstatSync(p).isSocket());
  unlinkSync(p);
  writeFileSync(p, "not a socket");
  await ln.close();
  assert.equal(readFileSync(p, "utf8"), "not a socket", "the regular file survives close");
});

it("close leaves another program's socket bound at the path after listen", async () => {
  const p = path.join(root, "rebound.sock");
  const first = await listen("unix", p);
  unlinkSync(p);
  const second = await listen("unix", p);
  try {
    await first.close();
    assert.ok(existsSync(p) && lstatSync(p).isSocket(), "the second listener's socket file survives");
    const acc = second.accept();
    const c = await within(dial("unix", p), 5000, "dial the second listener");
    await (await acc).close();
    await c.close();
  } finally {
    await second.close();
  }
  assert.equal(existsSync(p), false, "the second listener removes its own file");
});

it("close removes the socket file of a relative path after a chdir, and nothing in the new cwd", async () => {
  const a = path.join(root, "a");
  const b = path.join(root, "b");
  mkdirSync(a);
  mkdirSync(b);
  const cwd = process.cwd();
  process.chdir(a);
  let ln: UnixListener | null = null;
  try {
    ln = await listen("unix", "rel.sock");
    assert.equal(ln.addr().toString(), "rel.sock", "addr() is the name as given, as in Go");
    assert.ok(lstatSync(path.join(a, "rel.sock")).isSocket());
    process.chdir(b);
    writeFileSync(path.join(b, "rel.sock"), "bystander");
    await ln.close();
    ln = null;
  } finally {
    process.chdir(cwd);
    await ln?.close();
  }
  assert.equal(existsSync(path.join(a, "rel.sock")), false, "the listener's own socket file is removed");
  assert.equal(readFileSync(path.join(b, "rel.sock"), "utf8"), "bystander", "the same name in the new cwd is untouched");
});

it("close still removes its socket file, once, and setUnlinkOnClose(false) keeps it", async () => {
  const p = path.join(root, "plain.sock");
  const ln = await listen("unix", p);
  await ln.close();
  assert.equal(existsSync(p), false);
  await assert.rejects(ln.close(), /use of closed network connection/);

  const q = path.join(root, "kept.sock");
  const kept = await listen("unix", q);
  kept.setUnlinkOnClose(false);
  await kept.close();
  assert.ok(lstatSync(q).isSocket(), "setUnlinkOnClose(false) leaves the file");
  unlinkSync(q);
});
