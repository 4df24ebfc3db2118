/**
 * Without its native core, sockit still imports, and the first call that needs the core fails
 * with an error that says what is missing and how to rebuild.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { guardFdLeaks } from "../helpers.js";

guardFdLeaks();

const distSrc = fileURLToPath(new URL("../../src", import.meta.url));

it("imports without the native core and fails the first call with a BindingError", () => {
  const root = mkdtempSync(path.join(tmpdir(), "sockit-nobinding-"));
  try {
    cpSync(distSrc, path.join(root, "dist", "src"), { recursive: true });
    writeFileSync(path.join(root, "package.json"), JSON.stringify({ type: "module" }));
    const code = `
      const s = await import(${JSON.stringify(path.join(root, "dist", "src", "index.js"))});
      console.log(typeof s.parseIP("1.2.3.4"));
      try { await s.listen("tcp", "127.0.0.1:0"); console.log("no error"); }
      catch (e) { console.log(e instanceof s.BindingError || e.cause instanceof s.BindingError, e.code ?? e.cause.code); console.log(e.message); }`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const [pure, kind, message] = r.stdout.trim().split("\n");
    assert.equal(pure, "object", "pure functions work without the core");
    assert.equal(kind, "true ERR_SOCKIT_NATIVE");
    assert.match(message!, /native core is missing or cannot load/);
    assert.match(message!, /npm rebuild sockit/);
    assert.match(message!, /build\/Release\/sockit\.node/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
