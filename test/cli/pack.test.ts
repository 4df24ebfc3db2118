/**
 * The package as a user gets it (issue 11 §3): prebuilt binaries made by the prepack step
 * (scripts/prebuild.ts), `npm pack`, and an install of the tarball into an empty folder with no
 * C compiler, make or python on PATH, which must load the prebuilt core and run the tour. The
 * install is `--offline`: its one dependency comes from npm's cache, which the checkout's own
 * install filled, so nothing is fetched.
 */
import { after, before, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { elfMachine } from "../../scripts/prebuild.js";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const prefix = path.resolve(path.dirname(process.execPath), "..");
const npmCli = path.join(prefix, "lib", "node_modules", "npm", "bin", "npm-cli.js");
const hostOnly = spawnSync("sh", ["-c", "command -v aarch64-linux-gnu-gcc"], { stdio: "ignore" }).status !== 0;
const linuxX64 = process.platform === "linux" && process.arch === "x64";

let work = "";
let madePrebuilds = false;

/** An environment without npm's per-run settings, with `bin` as the whole PATH. */
function cleanEnv(bin: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== "PATH" && k !== "INIT_CWD") env[k] = v;
  return { ...env, PATH: bin };
}

before(() => {
  work = mkdtempSync(path.join(tmpdir(), "sockit-pack-"));
});

after(() => {
  rmSync(work, { recursive: true, force: true });
  if (madePrebuilds) rmSync(path.join(repo, "prebuilds"), { recursive: true, force: true });
});

it("packs only what a user needs, installs with no compiler, and runs the tour from the prebuilt core", { skip: !linuxX64 && "prebuilt binaries are made on linux-x64", timeout: 240_000 }, async (t) => {
  if (!existsSync(npmCli)) return t.skip(`npm's own CLI is not at ${npmCli}`);
  // The prepack step, without its tsc (npm test has just compiled dist/).
  madePrebuilds = !existsSync(path.join(repo, "prebuilds"));
  const pre = await run(process.execPath, [path.join(repo, "dist", "scripts", "prebuild.js"), ...(hostOnly ? ["--host-only"] : [])], { cwd: repo });
  assert.match(pre.stdout, /prebuilt prebuilds\/linux-x64\/sockit\.glibc\.node/);
  assert.equal(elfMachine(path.join(repo, "prebuilds/linux-x64/sockit.glibc.node")), 62, "EM_X86_64");
  if (hostOnly) {
    t.diagnostic("aarch64-linux-gnu-gcc is not installed: the linux-arm64 binary was not built or checked");
  } else {
    assert.equal(elfMachine(path.join(repo, "prebuilds/linux-arm64/sockit.glibc.node")), 183, "EM_AARCH64 (cross-compiled, checked by its header)");
  }

  const packed = await run(process.execPath, [npmCli, "pack", "--ignore-scripts", "--json", "--pack-destination", work], { cwd: repo, maxBuffer: 1 << 24 });
  const [info] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
  const files = info.files.map((f) => f.path);
  assert.ok(files.includes("prebuilds/linux-x64/sockit.glibc.node"));
  assert.ok(files.includes("dist/src/index.js") && files.includes("dist/src/index.d.ts") && files.includes("binding.gyp"));
  for (const f of files) {
    assert.doesNotMatch(f, /^(test|bench|scripts|src|build|dist\/test|dist\/bench|dist\/scripts|node_modules)\//, `${f} is not for users`);
    assert.doesNotMatch(f, /\.(o|a|mk|tsbuildinfo)$/, `${f} is a build intermediate`);
  }

  // A PATH with node, npm, sh (npm runs install scripts with it) and cat (the tour's child
  // process) and nothing else: no cc, gcc, make or python3.
  const bin = path.join(work, "bin");
  mkdirSync(bin);
  symlinkSync(process.execPath, path.join(bin, "node"));
  symlinkSync(npmCli, path.join(bin, "npm"));
  symlinkSync("/bin/sh", path.join(bin, "sh"));
  symlinkSync("/bin/cat", path.join(bin, "cat"));
  const env = cleanEnv(bin);
  assert.notEqual(spawnSync("/bin/sh", ["-c", "command -v cc || command -v gcc || command -v make || command -v python3"], { env }).status, 0, "no compiler on the PATH");
  const app = path.join(work, "app");
  mkdirSync(app);
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true, type: "module" }));
  const tarball = path.join(work, info.filename);
  const install = await run(process.execPath, [npmCli, "install", "--offline", "--no-audit", "--no-fund", tarball], { cwd: app, env, maxBuffer: 1 << 24 }).catch((e: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(`npm install of the tarball failed: ${e.message}\n${e.stdout}\n${e.stderr}`);
  });
  assert.ok(install.stdout.includes("added"), install.stdout);
  const pkg = path.join(app, "node_modules", "sockit");
  assert.equal(existsSync(path.join(pkg, "build")), false, "nothing was compiled");
  assert.deepEqual(readdirSync(path.join(pkg, "prebuilds")).sort(), hostOnly ? ["linux-x64"] : ["linux-arm64", "linux-x64"]);

  const tour = await run(process.execPath, [path.join(pkg, "dist", "src", "cli", "main.js"), "tour"], { cwd: app, env, timeout: 60_000 });
  assert.match(tour.stdout, / ok, 0 failed/);
  const doctor = await run(process.execPath, [path.join(pkg, "dist", "src", "cli", "main.js"), "doctor"], { cwd: app, env, timeout: 60_000 });
  assert.match(doctor.stdout, new RegExp(`^native core +yes +prebuilt: ${pkg.replaceAll("/", "\\/")}\\/prebuilds\\/linux-x64\\/sockit\\.glibc\\.node$`, "m"));
  const probe = await run(process.execPath, ["--input-type=module", "-e", `import { listen } from "sockit"; const ln = await listen("unix", "@pack-probe-" + process.pid); console.log(ln.addr().toString()); await ln.close();`], { cwd: app, env });
  assert.match(probe.stdout, /^@pack-probe-\d+$/m, "the installed package loads its prebuilt core");
});
