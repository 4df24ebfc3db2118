/**
 * What keeps the process alive: an idle conn or listener never does, a pending call does, and
 * `unref()` lets a pending accept not count (checked in child processes, which must exit on
 * their own or be found still running).
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { guardFdLeaks } from "../helpers.js";

guardFdLeaks();

const index = fileURLToPath(new URL("../../src/index.js", import.meta.url));
const poller = fileURLToPath(new URL("../../src/poll/poller.js", import.meta.url));
const bindingModule = fileURLToPath(new URL("../../src/sys/binding.js", import.meta.url));

/** Runs an ESM snippet; resolves "exited" or "running" after `ms`, killing it if running. */
function runChild(body: string, ms = 1500): Promise<"exited" | "running"> {
  const code = `import * as sockit from ${JSON.stringify(index)};\n${body}`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: "inherit" });
  return new Promise((resolve, reject) => {
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, ms);
    child.on("exit", (status) => {
      clearTimeout(timer);
      if (killed) return resolve("running");
      if (status !== 0) return reject(new Error(`child failed with status ${status}`));
      resolve("exited");
    });
  });
}

it("an idle listener and idle conns do not keep the process alive", async () => {
  const r = await runChild(`
    const ln = await sockit.listen("tcp", "127.0.0.1:0");
    const acc = ln.accept();
    const c = await sockit.dial("tcp", ln.addr().toString());
    const s = await acc;
    globalThis.keep = [ln, c, s];`);
  assert.equal(r, "exited");
});

it("a pending accept keeps the process alive", async () => {
  const r = await runChild(`
    const ln = await sockit.listen("tcp", "127.0.0.1:0");
    ln.accept();`);
  assert.equal(r, "running");
});

it("an unref'd listener's pending accept does not", async () => {
  const r = await runChild(`
    const ln = await sockit.listen("unix", "@sockit-unref-" + process.pid);
    ln.unref();
    ln.accept().catch(() => {});`);
  assert.equal(r, "exited");
});

it("a pending read keeps the process alive until the data comes", async () => {
  const r = await runChild(`
    const ln = await sockit.listen("tcp", "127.0.0.1:0");
    const acc = ln.accept();
    const c = await sockit.dial("tcp", ln.addr().toString());
    const s = await acc;
    setTimeout(() => s.write(new Uint8Array([1])), 300).unref();
    const n = await c.read(new Uint8Array(1));
    if (n !== 1) process.exit(3);`);
  assert.equal(r, "exited");
  const stuck = await runChild(`
    const ln = await sockit.listen("tcp", "127.0.0.1:0");
    const acc = ln.accept();
    const c = await sockit.dial("tcp", ln.addr().toString());
    await acc;
    c.read(new Uint8Array(1));`);
  assert.equal(stuck, "running");
});

it("a deadline alone does not keep the process alive, but fires for a pending read", async () => {
  const r = await runChild(`
    const ln = await sockit.listen("tcp", "127.0.0.1:0");
    const acc = ln.accept();
    const c = await sockit.dial("tcp", ln.addr().toString());
    await acc;
    c.setReadDeadline(Date.now() + 100);
    await c.read(new Uint8Array(1)).then(() => process.exit(4), (e) => { if (!e.timeout()) process.exit(5); });
    c.setReadDeadline(Date.now() + 60_000);`);
  assert.equal(r, "exited");
});

/**
 * A poller that unrefs inside the dispatch of its own event (as a conn does when its read
 * completes) and refs again before the turn ends (as the next read does) must stay
 * referenced: the put-off unref is cancelled, not done late. Without the ref it is done.
 */
function unrefInDispatch(refAgain: boolean): string {
  return `
    import { Poller, READABLE } from ${JSON.stringify(poller)};
    import { binding } from ${JSON.stringify(bindingModule)};
    const fds = new Int32Array(2);
    binding.pipe(fds);
    const p = Poller.open(fds[0], () => {
      binding.read(fds[0], new Uint8Array(1), 0, 1);
      p.ref(false);
      ${refAgain ? "p.ref(true);" : ""}
      Promise.resolve().then(() => p.ref(false)).then(() => ${refAgain ? "p.ref(true)" : "undefined"});
    });
    p.arm(READABLE);
    p.ref(true);
    binding.write(fds[1], new Uint8Array([1]), 0, 1);`;
}

it("a poller unref'd and ref'd again in one dispatch keeps the process alive", async () => {
  assert.equal(await runChild(unrefInDispatch(true)), "running");
});

it("a poller unref'd in a dispatch lets the process exit once the dispatch is done", async () => {
  assert.equal(await runChild(unrefInDispatch(false)), "exited");
});
