/**
 * Child processes (Go's os/exec and os/exec_test.go): 64 MiB through pipes both ways, a child
 * that exits before reading its stdin, an abort that kills a child that never exits, stdout
 * and stderr interleaved under combinedOutput, Node streams as stdin and stdout, listeners
 * handed down as extra files to python3 and to a sockit child, process attributes (session,
 * group, credentials, parent-death signal), resource usage, no fd of the parent leaking into
 * a child, and no zombie left behind.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { command, ExitError } from "../../src/ipc/exec.js";
import { dial, listen, errorIs, Errno, pipe, signalNumber } from "../../src/index.js";
import { E } from "../../src/sys/errors.js";
import { injectFault } from "../../src/sys/fault.js";
import { signals } from "../../src/ipc/signal.js";
import { guardFdLeaks, readAll, within } from "../helpers.js";

guardFdLeaks();

const LIMIT = 20_000;
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const text = (b: Uint8Array) => Buffer.from(b).toString();
const distSrc = fileURLToPath(new URL("../../src/", import.meta.url));
const scratch = mkdtempSync(path.join(tmpdir(), "sockit-exec-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** The children of this process that are zombies now (state Z in /proc/<pid>/stat). */
function zombies(): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${d}/stat`, "utf8");
    } catch {
      continue;
    }
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (f[0] === "Z" && Number(f[1]) === process.pid) out.push(Number(d));
  }
  return out;
}

/** The fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, session, ... */
function procStat(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

describe("command", () => {
  after(() => assert.deepEqual(zombies(), [], "no child is left a zombie"));

  it("moves 64 MiB through cat with stdinPipe and stdoutPipe, byte for byte", async () => {
    const data = randomBytes(64 << 20);
    const cmd = command("cat");
    const stdin = cmd.stdinPipe();
    const stdout = cmd.stdoutPipe();
    await cmd.start();
    const writing = (async () => {
      await stdin.write(data);
      await stdin.close();
    })();
    const got = await within(readAll(stdout), LIMIT, "reading cat's output");
    await writing;
    await cmd.wait();
    assert.equal(got.length, data.length);
    assert.equal(sha(got), sha(data));
    assert.equal(cmd.processState!.success(), true);
    assert.equal(stdout.fd(), -1, "wait closed the parent's read end");
  });

  it("copies a Node Readable in and a Node Writable out (64 MiB)", async () => {
    const data = randomBytes(64 << 20);
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on("data", (c: Buffer) => chunks.push(c));
    await within(command("cat").with({ stdin: Readable.from([data.subarray(0, 1 << 20), data.subarray(1 << 20)]), stdout: sink }).run(), LIMIT, "cat");
    assert.equal(sha(Buffer.concat(chunks)), sha(data));
  });

  it("takes bytes and strings as stdin", async () => {
    assert.equal(text(await command("cat").with({ stdin: "hello\n" }).output()), "hello\n");
    assert.equal(text(await command("wc", "-c").with({ stdin: new Uint8Array(1000) }).output()).trim(), "1000");
  });

  it("succeeds when the child exits before reading its stdin (EPIPE is no error)", async () => {
    await within(command("true").with({ stdin: new Uint8Array(8 << 20) }).run(), LIMIT, "true with 8 MiB of stdin");
    const cmd = command("true");
    const w = cmd.stdinPipe();
    await cmd.start();
    await cmd.process!.wait().catch(() => {});
    const err = await w.write(new Uint8Array(1 << 20)).catch((e: unknown) => e);
    assert.ok(errorIs(err, new Errno(E.EPIPE!)), String(err));
    assert.equal((err as Error).message, "write |1: broken pipe");
    await cmd.wait().catch(() => {});
  });

  it("kills a child that never exits when the signal aborts, with Go's error", async () => {
    const ac = new AbortController();
    const cmd = command("sleep", "1000").with({ signal: ac.signal });
    await cmd.start();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 50);
    const err = await within(cmd.wait().catch((e: unknown) => e), LIMIT, "the killed sleep");
    assert.ok(err instanceof ExitError);
    assert.equal(err.message, "signal: killed");
    assert.equal(err.exitCode(), -1);
    assert.equal(cmd.processState!.signal(), "SIGKILL");
    assert.ok(Date.now() - t0 < 5000);
  });

  it("interleaves stdout and stderr in order under combinedOutput", async () => {
    const script = "for i in 1 2 3 4 5 6 7 8; do echo out$i; echo err$i >&2; done";
    const got = text(await command("sh", "-c", script).combinedOutput());
    const want = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => `out${i}\nerr${i}\n`).join("");
    assert.equal(got, want);
  });

  it("keeps the first and last 32 KiB of stderr in output()'s ExitError", async () => {
    const script = "head -c 100000 /dev/zero | tr '\\0' x >&2; exit 2";
    const err = (await command("sh", "-c", script).output().catch((e: unknown) => e)) as ExitError;
    assert.equal(err.message, "exit status 2");
    const s = text(err.stderr!);
    assert.equal(s, "x".repeat(32768) + `\n... omitting ${100000 - 65536} bytes ...\n` + "x".repeat(32768));
  });

  it("hands a TCP listener to a python3 child as fd 3, which accepts on it", async () => {
    const ln = await listen("tcp", "127.0.0.1:0");
    try {
      const py = [
        "import socket",
        "s = socket.socket(fileno=3)",
        "s.settimeout(10)", // python then polls: the fd is shared, and non-blocking
        "c, _ = s.accept()",
        "c.sendall(b'from python ' + c.recv(100))",
        "c.close()",
      ].join("\n");
      const cmd = command("python3", "-c", py).with({ extraFiles: [ln] });
      await cmd.start();
      const c = await dial("tcp", ln.addr().toString());
      await c.write(new TextEncoder().encode("hi"));
      assert.equal(text(await within(readAll(c), LIMIT, "python's answer")), "from python hi");
      await c.close();
      await within(cmd.wait(), LIMIT, "python3");
    } finally {
      await ln.close();
    }
  });

  it("hands a unix listener to a sockit child as fd 4", async () => {
    const sock = path.join(scratch, "child.sock");
    const ln = await listen("unix", sock);
    const script = path.join(scratch, "child.mjs");
    writeFileSync(
      script,
      [
        `import { newFile, fileListener } from ${JSON.stringify(path.join(distSrc, "index.js"))};`,
        `const f = newFile(4, "inherited");`,
        `const l = await fileListener(f); await f.close();`,
        `const c = await l.accept();`,
        `await c.write(new TextEncoder().encode("child " + l.addr().toString()));`,
        `await c.close(); await l.close();`,
      ].join("\n"),
    );
    try {
      const cmd = command(process.execPath, script).with({ extraFiles: [null, ln], stderr: process.stderr });
      await cmd.start();
      const c = await dial("unix", sock);
      assert.equal(text(await within(readAll(c), LIMIT, "the child's answer")), `child ${sock}`);
      await c.close();
      await within(cmd.wait(), LIMIT, "the sockit child");
    } finally {
      await ln.close();
    }
  });

  it("leaks no fd of the parent into the child", async () => {
    const [r, w] = await pipe();
    const ln = await listen("tcp", "127.0.0.1:0");
    const cmd = command("sleep", "30").with({ extraFiles: [null, w] });
    await cmd.start();
    try {
      const pid = cmd.process!.pid;
      // sleep's own start-up may hold a file open for a moment (glibc's locale archive), so
      // look until the table settles; a leaked fd stays, and the assertion below sees it.
      const list = () => readdirSync(`/proc/${pid}/fd`).map(Number).sort((a, b) => a - b);
      let fds = list();
      for (let i = 0; i < 50 && fds.join() !== "0,1,2,4"; i++) {
        await new Promise((res) => setTimeout(res, 20));
        fds = list();
      }
      assert.deepEqual(fds, [0, 1, 2, 4], `the child has ${fds.join(",")} (fd 3 is a null entry: closed)`);
      for (const fd of [0, 1, 2]) assert.equal(readlinkSync(`/proc/${pid}/fd/${fd}`), "/dev/null");
      assert.equal(readlinkSync(`/proc/${pid}/fd/4`), readlinkSync(`/proc/self/fd/${w.fd()}`));
    } finally {
      cmd.process!.kill();
      await cmd.wait().catch(() => {});
      await Promise.all([r.close(), w.close(), ln.close()]);
    }
  });

  it("hands extra files over non-blocking, or in blocking mode with blockingFiles", async () => {
    const [r, w] = await pipe();
    try {
      const check = "import os; print(os.get_blocking(3), os.get_blocking(4))";
      const shared = text(await command("python3", "-c", check).with({ extraFiles: [r, w] }).output());
      assert.equal(shared, "False False\n", "the parent's non-blocking mode, shared");
      const given = text(await command("python3", "-c", check).with({ extraFiles: [r, w], blockingFiles: true }).output());
      assert.equal(given, "True True\n", "blocking, as Go's File.Fd() leaves them");
    } finally {
      await Promise.all([r.close(), w.close()]);
    }
  });

  it("passes on the signals ignore() set to SIG_IGN, as Go's children inherit them, and no others", async () => {
    /** The child's SigIgn mask, from /proc/<pid>/status: bit n-1 is signal n. */
    const sigIgn = async () => {
      const out = text(await command("sh", "-c", "grep SigIgn /proc/$$/status").output());
      return BigInt(`0x${out.split(/\s+/)[1]}`);
    };
    const bit = (name: NodeJS.Signals) => 1n << BigInt(signalNumber(name) - 1);
    signals.ignore("SIGHUP", "SIGUSR2");
    try {
      const mask = await sigIgn();
      assert.equal(mask & bit("SIGHUP"), bit("SIGHUP"), "SIGHUP stays ignored in the child");
      assert.equal(mask & bit("SIGUSR2"), bit("SIGUSR2"), "SIGUSR2 stays ignored in the child");
      // Node ignores SIGPIPE itself; a child gets it back at its default, as from Go.
      assert.equal(mask & bit("SIGPIPE"), 0n, "SIGPIPE is at its default in the child");
    } finally {
      signals.reset("SIGHUP", "SIGUSR2");
    }
    assert.equal((await sigIgn()) & (bit("SIGHUP") | bit("SIGUSR2")), 0n, "reset: the next child has them back");
  });

  it("fails noctty and setctty on a stdin that is no terminal, as Go does (TIOCNOTTY, TIOCSCTTY)", async () => {
    const a = await command("true").with({ sysProcAttr: { noctty: true } }).start().catch((e: unknown) => e);
    assert.equal((a as Error).message, "fork/exec /usr/bin/true: inappropriate ioctl for device");
    const b = await command("true").with({ sysProcAttr: { setsid: true, setctty: true, ctty: 0 } }).start().catch((e: unknown) => e);
    assert.equal((b as Error).message, "fork/exec /usr/bin/true: inappropriate ioctl for device");
  });

  it("starts a new session and process group when asked", async () => {
    const cmd = command("sleep", "30").with({ sysProcAttr: { setsid: true } });
    await cmd.start();
    const pid = cmd.process!.pid;
    const f = procStat(pid);
    assert.equal(Number(f[2]), pid, "process group");
    assert.equal(Number(f[3]), pid, "session");
    cmd.process!.kill();
    await cmd.wait().catch(() => {});
    const g = command("sleep", "30").with({ sysProcAttr: { setpgid: true } });
    await g.start();
    const gf = procStat(g.process!.pid);
    assert.equal(Number(gf[2]), g.process!.pid, "a group of its own");
    assert.notEqual(Number(gf[3]), g.process!.pid, "the parent's session");
    g.process!.kill();
    await g.wait().catch(() => {});
  });

  it("runs as another user with credential (root only)", { skip: process.getuid?.() === 0 ? false : "skipped: needs root" }, async () => {
    const out = text(await command("sh", "-c", "id -u; id -g").with({ sysProcAttr: { credential: { uid: 65534, gid: 65534 } } }).output());
    assert.equal(out, "65534\n65534\n");
    const groups = text(await command("id", "-G").with({ sysProcAttr: { credential: { uid: 65534, gid: 65534, groups: [65534, 4] } } }).output());
    assert.deepEqual(groups.trim().split(" ").sort(), ["4", "65534"]);
  });

  it("sends the parent-death signal when the parent goes (Linux)", { skip: process.platform === "linux" ? false : "skipped: Linux only" }, async () => {
    const script = path.join(scratch, "parent.mjs");
    writeFileSync(
      script,
      [
        `import { command } from ${JSON.stringify(path.join(distSrc, "ipc/exec.js"))};`,
        `const c = command("sleep", "60").with({ sysProcAttr: { pdeathsig: "SIGKILL" } });`,
        `await c.start(); c.process.unref();`,
        `console.log(c.process.pid);`,
      ].join("\n"),
    );
    const out = text(await within(command(process.execPath, script).output(), LIMIT, "the parent"));
    const pid = Number(out.trim());
    assert.ok(pid > 0);
    // Bounded: 100 checks 20 ms apart.
    for (let i = 0; i < 100 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(processAlive(pid), false, "the orphan was killed by its parent-death signal");
  });

  it("reports user and system CPU time, and how the process ended", async () => {
    const cmd = command("sh", "-c", "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done");
    await cmd.run();
    const st = cmd.processState!;
    assert.ok(st.userTime() + st.systemTime() > 0, "some CPU time");
    assert.equal(st.sysUsage().userTime, st.userTime());
    assert.ok(st.sysUsage().maxRSS > 0);
    assert.equal(st.pid(), cmd.process!.pid);
    assert.equal(st.exited(), true);
    assert.equal(st.exitCode(), 0);
    assert.equal(st.toString(), "exit status 0");
    assert.equal(st.signal(), null);
  });

  it("runs in dir, with env deduplicated (the last wins) and PWD set", async () => {
    const cmd = command("sh", "-c", "pwd; echo $A").with({ dir: scratch, env: ["A=1", "PATH=/usr/bin:/bin", "A=2"] });
    assert.deepEqual(cmd.environ(), ["PATH=/usr/bin:/bin", "A=2"]);
    assert.equal(text(await cmd.output()), `${scratch}\n2\n`);
    const inherit = command("true").with({ dir: scratch });
    assert.ok(inherit.environ().includes(`PWD=${scratch}`));
  });

  it("lets the parent exit while an unref'd child runs", async () => {
    const script = path.join(scratch, "unref.mjs");
    writeFileSync(
      script,
      [
        `import { command } from ${JSON.stringify(path.join(distSrc, "ipc/exec.js"))};`,
        `const c = command("sleep", "30"); await c.start(); c.process.unref(); console.log(c.process.pid);`,
      ].join("\n"),
    );
    const t0 = Date.now();
    const pid = Number(text(await within(command(process.execPath, script).output(), LIMIT, "the parent")).trim());
    assert.ok(Date.now() - t0 < 10_000);
    assert.ok(processAlive(pid), "the child still runs");
    process.kill(pid, "SIGKILL");
  });

  it("waits through SIGCHLD where there is no pidfd (macOS, Linux before 5.3)", async () => {
    const restore = injectFault("pidfd", E.ENOSYS!, 3);
    try {
      const cmds = [command("sh", "-c", "exit 4"), command("sleep", "0.05"), command("true")];
      await Promise.all(cmds.map((c) => c.start()));
      const errs = await Promise.all(cmds.map((c) => within(c.wait().then(() => null, (e: unknown) => e), LIMIT, "a SIGCHLD wait")));
      assert.equal((errs[0] as Error).message, "exit status 4");
      assert.deepEqual(errs.slice(1), [null, null]);
      assert.equal(process.listenerCount("SIGCHLD"), 0, "the SIGCHLD listener goes with the last child");
    } finally {
      restore();
    }
  });

  it("reports a failed fork as Go does, and leaves nothing open", async () => {
    const restore = injectFault("spawn", E.EAGAIN!);
    try {
      const cmd = command("cat");
      const w = cmd.stdinPipe();
      const err = await cmd.start().catch((e: unknown) => e);
      assert.equal((err as Error).message, "fork/exec /usr/bin/cat: resource temporarily unavailable");
      assert.equal(w.fd(), -1, "the pipe the child would have had is closed");
    } finally {
      restore();
    }
  });

  it("sets systemd's socket activation variables, LISTEN_PID being the child's own pid", async () => {
    const ln = await listen("tcp", "127.0.0.1:0");
    try {
      const script = 'echo "$LISTEN_FDS $LISTEN_FDNAMES"; [ "$LISTEN_PID" = "$$" ] && echo pid-ok';
      const out = await command("sh", "-c", script).with({ extraFiles: [ln, ln], socketActivation: ["web", "admin"], env: ["LISTEN_PID=1", "PATH=/usr/bin:/bin"] }).output();
      assert.equal(text(out), "2 web:admin\npid-ok\n");
      const plain = await command("sh", "-c", 'echo "$LISTEN_FDS" "${LISTEN_FDNAMES-unset}"').with({ extraFiles: [ln], socketActivation: true }).output();
      assert.equal(text(plain), "1 unset\n");
    } finally {
      await ln.close();
    }
  });

  it("starts a sockit child that takes its listeners over with listenFDs, by name", async () => {
    const ln = await listen("tcp", "127.0.0.1:0");
    const script = path.join(scratch, "activated.mjs");
    writeFileSync(
      script,
      [
        `import { listenFDs } from ${JSON.stringify(path.join(distSrc, "index.js"))};`,
        `const fds = await listenFDs();`,
        `const web = fds.find((f) => f.name === "web");`,
        `const c = await web.listener.accept();`,
        `await c.write(new TextEncoder().encode(fds.map((f) => f.name + ":" + f.kind).join(",") + " " + (process.env.LISTEN_FDS ?? "unset")));`,
        `await c.close(); for (const f of fds) await (f.listener ?? f.conn ?? f.file).close();`,
      ].join("\n"),
    );
    try {
      const cmd = command(process.execPath, script).with({ extraFiles: [ln], socketActivation: ["web"], stderr: process.stderr });
      await cmd.start();
      const c = await dial("tcp", ln.addr().toString());
      assert.equal(text(await within(readAll(c), LIMIT, "the activated child")), "web:listener unset");
      await c.close();
      await within(cmd.wait(), LIMIT, "the activated child");
    } finally {
      await ln.close();
    }
  });

  it("rejects bad arguments with TypeErrors", () => {
    assert.throws(() => command(1 as unknown as string), TypeError);
    assert.throws(() => command("true", 2 as unknown as string), TypeError);
  });

  it("fails start with EBADF for a closed extra file, and leaves nothing open", async () => {
    const [r, w] = await pipe();
    await r.close();
    const err = await command("true").with({ extraFiles: [r] }).start().catch((e: unknown) => e);
    assert.equal((err as Error).message, "fork/exec /usr/bin/true: bad file descriptor");
    await w.close();
  });
});

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
