/**
 * `sockit doctor` (issue 13 §3): one line per thing this machine offers, each found by trying
 * it, with the reason; without CAP_NET_RAW (setpriv) the raw IP line says no, and why.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sockit } from "./sockit.js";

const mainJs = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

/** rows reads the report's table: what → [ok, why]. */
function rows(stdout: string): Map<string, [string, string]> {
  const out = new Map<string, [string, string]>();
  for (const line of stdout.split("\n").slice(2)) {
    const m = /^(.+?)\s{2,}(yes|no)\s+(.*)$/.exec(line);
    if (m !== null) out.set(m[1]!, [m[2]!, m[3]!]);
  }
  return out;
}

const what = [
  "native core", "IPv4", "IPv6", "CAP_NET_RAW", "abstract unix names", "unixpacket", "SO_REUSEPORT",
  "POSIX message queues", "POSIX semaphores", "OFD locks", "vsock", "open files", "runtime",
];

test("doctor reports every probe with a reason and exits 0", async () => {
  const r = await sockit(["doctor"]).done;
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
  const got = rows(r.stdout);
  assert.deepEqual([...got.keys()], what);
  for (const [k, [, why]] of got) assert.notEqual(why, "", `${k} has a reason`);
  const core = got.get("native core")!;
  assert.equal(core[0], "yes");
  const file = /: (\/.+\.node)$/.exec(core[1])?.[1];
  assert.ok(file !== undefined && existsSync(file), core[1]);
  assert.match(got.get("IPv4")![1], /^a tcp4 listener on 127\.0\.0\.1:\d+$/);
  assert.match(got.get("open files")![1], /^soft \d+|unlimited/);
  assert.match(got.get("runtime")![1], new RegExp(`^Node ${process.versions.node.replaceAll(".", "\\.")}, libuv ${process.versions.uv.replaceAll(".", "\\.")}`));
  if (process.getuid?.() === 0) assert.equal(got.get("CAP_NET_RAW")![0], "yes");
});

const noSetpriv = spawnSync("setpriv", ["--bounding-set", "-net_raw", "true"], { stdio: "ignore" }).status !== 0;

test("doctor without CAP_NET_RAW says no, with the kernel's reason", { skip: process.getuid?.() !== 0 ? "runs as root, to drop CAP_NET_RAW" : noSetpriv && "needs setpriv" }, () => {
  const r = spawnSync("setpriv", ["--bounding-set", "-net_raw", "--inh-caps", "-net_raw", process.execPath, mainJs, "doctor"], { encoding: "utf8", timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(rows(r.stdout).get("CAP_NET_RAW"), ["no", "listen ip4:icmp 127.0.0.1: socket: operation not permitted"]);
});
