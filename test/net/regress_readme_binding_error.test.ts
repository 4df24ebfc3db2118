/**
 * Regression: the README said a missing native core makes the first call throw a BindingError;
 * in fact each net call rejects with Go's OpError for its operation, whose `cause` is the
 * BindingError and whose `code` is the BindingError's (Go wraps every failure of a dial or
 * listen in an OpError). This pins what the README now says, for dial, listen and listenPacket.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { guardFdLeaks } from "../helpers.js";

guardFdLeaks();

const distSrc = fileURLToPath(new URL("../../src", import.meta.url));
const readme = fileURLToPath(new URL("../../../README.md", import.meta.url));

it("without the native core, dial and listen reject with an OpError caused by the BindingError", () => {
  const root = mkdtempSync(path.join(tmpdir(), "sockit-nobinding-"));
  try {
    cpSync(distSrc, path.join(root, "dist", "src"), { recursive: true });
    writeFileSync(path.join(root, "package.json"), JSON.stringify({ type: "module" }));
    const code = `
      const s = await import(${JSON.stringify(path.join(root, "dist", "src", "index.js"))});
      const calls = [
        () => s.dial("tcp", "127.0.0.1:1"),
        () => s.listen("tcp", "127.0.0.1:0"),
        () => s.listenPacket("udp", "127.0.0.1:0"),
        () => s.listen("unix", "/nonexistent/sockit.sock"),
      ];
      for (const f of calls) {
        let p;
        try { p = f(); } catch (e) { console.log(JSON.stringify({ sync: true, message: e.message })); continue; }
        try { await p; console.log(JSON.stringify({ resolved: true })); }
        catch (e) {
          console.log(JSON.stringify({
            opError: e instanceof s.OpError, op: e.op, code: e.code,
            causeIsBindingError: e.cause instanceof s.BindingError, causeCode: e.cause?.code,
            message: e.message,
          }));
        }
      }`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const results = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const prefixes = ["dial tcp 127.0.0.1:1: ", "listen tcp 127.0.0.1:0: ", "listen udp 127.0.0.1:0: ", "listen unix /nonexistent/sockit.sock: "];
    assert.equal(results.length, prefixes.length);
    results.forEach((res, i) => {
      assert.equal(res.opError, true, `call ${i} rejects with an OpError: ${JSON.stringify(res)}`);
      assert.equal(res.causeIsBindingError, true, `call ${i}: its cause is the BindingError`);
      assert.equal(res.code, "ERR_SOCKIT_NATIVE");
      assert.equal(res.causeCode, "ERR_SOCKIT_NATIVE");
      const message = res.message as string;
      assert.ok(message.startsWith(prefixes[i]! + "sockit: the native core is missing or cannot load ("), message);
      assert.match(message, /npm rebuild sockit/);
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

it("the README describes that behaviour, not a bare BindingError", () => {
  const text = readFileSync(readme, "utf8").replace(/\s+/g, " ");
  assert.doesNotMatch(text, /first call that needs the core throws a `BindingError`/);
  assert.match(text, /rejects with Go's `OpError` for the operation/);
  assert.match(text, /`cause` is the `BindingError`/);
});
