/**
 * Every code example in README.md and docs/*.md (docs/api.md aside: it is generated from TSDoc)
 * runs as written on Node 20 as an .mjs file, and ends by itself with exit status 0.
 *
 * Regression: the README's examples used `await using`, a SyntaxError in a plain .mjs file on
 * Node 20, and some could not run at all (a peer on localhost:8080, loops that never end).
 *
 * The convention: a fenced block whose info string starts with `js`, `mjs`, `javascript`, `ts`
 * or `typescript` runs (so a `ts` block must also be plain JavaScript); adding `no-run` to the
 * info string (```js no-run) exempts it, and the text around it must say what it needs. Other
 * blocks (`sh`, `json`, none) are not code to run. Imports of "sockit" and "sockit/netip" are
 * rewritten to this build's dist/ files; each example runs in a fresh temp dir, and may touch
 * only loopback, unix sockets and temporary files.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { guardFdLeaks } from "../helpers.js";

guardFdLeaks();

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const dist = fileURLToPath(new URL("../../src/", import.meta.url));
const runnable = new Set(["js", "mjs", "javascript", "ts", "typescript"]);
/** Longest an example may take; each ends by itself in well under a second. */
const limitMs = 20_000;

interface Block {
  file: string;
  line: number;
  lang: string;
  flags: string[];
  code: string;
}

/** blocks returns the fenced code blocks of a Markdown file, with their info strings. */
function blocks(file: string): Block[] {
  const lines = readFileSync(path.join(repo, file), "utf8").split("\n");
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})\s*(\S*)\s*(.*)$/.exec(lines[i]!);
    if (open === null) continue;
    const fence = open[1]!;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith(fence); i++) body.push(lines[i]!);
    assert.ok(i < lines.length, `${file}:${start + 1}: unclosed code block`);
    out.push({ file, line: start + 1, lang: open[2]!.toLowerCase(), flags: open[3]!.split(/\s+/).filter(Boolean), code: body.join("\n") });
  }
  return out;
}

/** The Markdown files whose examples must run: the README and docs/, but not generated api.md. */
const files = [
  "README.md",
  ...readdirSync(path.join(repo, "docs"))
    .filter((f) => f.endsWith(".md") && f !== "api.md")
    .map((f) => `docs/${f}`),
];

const examples = files.flatMap(blocks).filter((b) => runnable.has(b.lang));

/** The packages examples may import besides sockit (devDependencies, resolved from the repo). */
const packages = ["undici"].map((name) => [name, pathToFileURL(createRequire(path.join(repo, "package.json")).resolve(name)).href] as const);

/** asMjs points the example's imports of sockit (and of the packages above) at this build. */
function asMjs(code: string): string {
  const index = pathToFileURL(path.join(dist, "index.js")).href;
  const netip = pathToFileURL(path.join(dist, "netip.js")).href;
  for (const [name, url] of packages) {
    code = code.replace(new RegExp(`(from\\s+|import\\s*\\(\\s*)(["'])${name}\\2`, "g"), (_m, pre: string, q: string) => `${pre}${q}${url}${q}`);
  }
  return code
    .replace(/(from\s+|import\s*\(\s*)(["'])sockit\/netip\2/g, (_m, pre: string, q: string) => `${pre}${q}${netip}${q}`)
    .replace(/(from\s+|import\s*\(\s*)(["'])sockit\2/g, (_m, pre: string, q: string) => `${pre}${q}${index}${q}`);
}

/** runs executes an .mjs file with this node, resolving with its status, signal and output. */
function run(file: string, cwd: string): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [file], { cwd, timeout: limitMs, killSignal: "SIGKILL", encoding: "utf8" }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: unknown; signal?: string | null }) | null;
      resolve({
        code: e === null ? 0 : typeof e.code === "number" ? e.code : null,
        signal: e?.signal ?? null,
        stdout,
        stderr,
      });
    });
  });
}

it("the README has runnable examples, and only js-like blocks are marked to run", () => {
  const readme = examples.filter((b) => b.file === "README.md" && !b.flags.includes("no-run"));
  assert.ok(readme.length >= 5, `want the README's examples found, got ${readme.length}`);
  for (const b of files.flatMap(blocks)) {
    if (runnable.has(b.lang)) continue;
    // A block of code that is not marked as code would escape this test.
    assert.doesNotMatch(b.code, /^\s*import\s.+\sfrom\s+["']sockit/m, `${b.file}:${b.line}: an import in a "${b.lang}" block`);
  }
});

it("examples name only loopback and local addresses", () => {
  const call = /\b(?:dial|listen|listenPacket|dialer\.dial)\(\s*["']([^"']+)["']\s*,\s*["']([^"']*)["']/g;
  const local = /^(?:127\.\d+\.\d+\.\d+:\d*|\[::1\]:\d*|localhost:\d*|:0|\/tmp\/.*|@.*|)$/;
  for (const b of examples) {
    if (b.flags.includes("no-run")) continue;
    for (const m of b.code.matchAll(call)) {
      assert.match(m[2]!, local, `${b.file}:${b.line}: ${m[1]} to ${m[2]}, not a loopback or local address`);
    }
  }
});

for (const b of examples) {
  const name = `${b.file}:${b.line} (\`\`\`${[b.lang, ...b.flags].join(" ")}) runs as an .mjs file on this Node and exits 0`;
  if (b.flags.includes("no-run")) {
    it(name, { skip: "marked no-run" }, () => {});
    continue;
  }
  it(name, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sockit-readme-"));
    try {
      const file = path.join(dir, "example.mjs");
      writeFileSync(file, asMjs(b.code) + "\n");
      const r = await run(file, dir);
      assert.equal(r.signal, null, `killed (${r.signal}): it did not end within ${limitMs} ms\n${r.stdout}${r.stderr}`);
      assert.equal(r.code, 0, `exit status ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
      assert.equal(r.stderr, "", "an example writes nothing to stderr (no warnings, no errors)");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
