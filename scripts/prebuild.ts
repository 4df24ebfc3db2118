/**
 * prebuild: the native core's prebuilt binaries for the package (npm pack runs it as
 * `prepack`), so that `npm install sockit` needs no compiler where one fits. Builds N-API
 * binaries with prebuildify into prebuilds/<platform>-<arch>/sockit.<libc>.node: on Linux for
 * x64 and, with Debian's gcc-aarch64-linux-gnu, arm64 cross-compiled; elsewhere for the host.
 * Each is built in a copy of the native sources (prebuildify rebuilds in its working dir, which
 * would replace the checkout's own build/) and its ELF header is checked for the architecture
 * it claims, since a cross-compiled binary cannot be run here.
 *
 * `--host-only` (or SOCKIT_PREBUILD_HOST_ONLY=1) builds only for the host, for machines without
 * the cross compiler; without it a missing cross compiler is an error, so a release never ships
 * short of a binary it promises.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readSync, closeSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { arch, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

interface Target {
  arch: string;
  /** ELF e_machine of a binary for it (EM_X86_64, EM_AARCH64). */
  machine: number;
  /** The environment that makes node-gyp build for it. */
  env: Record<string, string>;
  /** The compiler it needs. */
  cc: string;
}

const cross = "aarch64-linux-gnu";
const linuxTargets: Target[] = [
  { arch: "x64", machine: 62, env: {}, cc: "cc" },
  {
    arch: "arm64",
    machine: 183,
    cc: `${cross}-gcc`,
    env: { CC: `${cross}-gcc`, CXX: `${cross}-g++`, LINK: `${cross}-gcc`, AR: `${cross}-ar`, PREBUILD_STRIP_BIN: `${cross}-strip` },
  },
];

function onPath(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

/** elfMachine reads e_machine from an ELF file's header (bytes 18-19, little-endian here). */
export function elfMachine(file: string): number {
  const fd = openSync(file, "r");
  try {
    const h = Buffer.alloc(20);
    readSync(fd, h, 0, 20, 0);
    if (h.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file} is not an ELF file`);
    return h[5] === 2 ? h.readUInt16BE(18) : h.readUInt16LE(18);
  } finally {
    closeSync(fd);
  }
}

/** stage copies what a build needs into a fresh directory. */
function stage(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "sockit-prebuild-"));
  cpSync(path.join(root, "native"), path.join(dir, "native"), { recursive: true });
  cpSync(path.join(root, "binding.gyp"), path.join(dir, "binding.gyp"));
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "sockit", version: "0.0.0", gypfile: true }));
  return dir;
}

/**
 * gypEnv points node-gyp at the running Node's own headers (an N-API build needs no other) and
 * at npm's node-gyp, as `npm run` would, so that nothing is downloaded.
 */
function gypEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  const prefix = path.resolve(path.dirname(process.execPath), "..");
  if (process.env.npm_config_nodedir === undefined && existsSync(path.join(prefix, "include", "node", "node_api.h"))) {
    env.npm_config_nodedir = prefix;
  }
  const npmGyp = path.join(prefix, "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js");
  const gyp = process.env.npm_config_node_gyp ?? (existsSync(npmGyp) ? npmGyp : undefined);
  if (gyp !== undefined) env.PREBUILD_NODE_GYP = gyp;
  return env;
}

function build(t: Target, out: string): string {
  const prebuildify = createRequire(path.join(root, "package.json")).resolve("prebuildify/bin.js");
  const dir = stage();
  try {
    const args = [prebuildify, "--napi", "--strip", "--tag-libc", "--target", `node@${process.versions.node}`, "--arch", t.arch, "--out", dir];
    const env = { ...process.env, ...gypEnv(), ...t.env };
    const r = spawnSync(process.execPath, args, { cwd: dir, env, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`prebuildify for ${t.arch} failed:\n${r.stdout}\n${r.stderr}`);
    const from = path.join(dir, "prebuilds", `${process.platform}-${t.arch}`);
    const to = path.join(out, "prebuilds", `${process.platform}-${t.arch}`);
    rmSync(to, { recursive: true, force: true });
    mkdirSync(to, { recursive: true });
    cpSync(from, to, { recursive: true });
    const files = readdirSync(to).filter((f) => f.endsWith(".node"));
    if (files.length !== 1) throw new Error(`want one binary in ${to}, got ${files.join(", ")}`);
    const file = path.join(to, files[0]!);
    if (process.platform === "linux" && elfMachine(file) !== t.machine) {
      throw new Error(`${file} is not a ${t.arch} binary (ELF machine ${elfMachine(file)})`);
    }
    return file;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const hostOnly = process.argv.includes("--host-only") || process.env.SOCKIT_PREBUILD_HOST_ONLY === "1";
  const outAt = process.argv.indexOf("--out");
  const out = outAt > 0 ? path.resolve(process.argv[outAt + 1]!) : root;
  let targets: Target[];
  if (process.platform === "linux" && arch() === "x64") {
    targets = linuxTargets.filter((t) => !hostOnly || t.arch === "x64");
  } else {
    targets = [{ arch: arch(), machine: 0, env: {}, cc: "cc" }];
  }
  for (const t of targets) {
    if (!onPath(t.cc)) throw new Error(`prebuild for ${process.platform}-${t.arch} needs ${t.cc} (Debian: apt-get install gcc-${cross}); --host-only skips it`);
    console.log(`prebuilt ${path.relative(root, build(t, out))}`);
  }
  if (!existsSync(path.join(out, "prebuilds"))) throw new Error("no prebuilds were made");
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
