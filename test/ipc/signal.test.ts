/**
 * Go's os/signal on Node, against real signals: delivery (under load too), Go's drop-when-full
 * rule, add, stop and its restored defaults, notifyContext, ignore/ignored/reset and the
 * dispositions Node keeps (SIGPIPE, SIGXFSZ), coexistence with process.on, kill's errors, and
 * what keeps a process alive. What could kill the test process (SIGINT) runs in a child Node
 * process, which every test kills and waits for in a finally block.
 */
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { once } from "node:events";
import { signals, Subscription, SignalError, notify, reset } from "../../src/ipc/signal.js";
import { inheritedIgnores, signalNumber, signalName } from "../../src/ipc/signame.js";
import { binding } from "../../src/sys/binding.js";
import { ErrProcessDone } from "../../src/ipc/errors.js";
import { CanceledError } from "../../src/poll/errors.js";
import { Errno, errorIs } from "../../src/sys/errors.js";
import { guardFdLeaks, within } from "../helpers.js";

guardFdLeaks();

const signalModule = new URL("../../src/ipc/signal.js", import.meta.url).href;
const errorsModule = new URL("../../src/sys/errors.js", import.meta.url).href;
const dir = mkdtempSync(path.join(tmpdir(), "sockit-signal-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends `sig` to this process `times` times, synchronously. */
function raise(sig: NodeJS.Signals, times = 1): void {
  for (let i = 0; i < times; i++) process.kill(process.pid, sig);
}

/** A child Node process running `body` (an ES module importing signal.js as `signals`). */
class Child {
  readonly proc: ChildProcess;
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #seq = 0;

  constructor(name: string, body: string) {
    const file = path.join(dir, `${name}.mjs`);
    writeFileSync(file, `import { signals } from ${JSON.stringify(signalModule)};\nimport { errorIs } from ${JSON.stringify(errorsModule)};\n${body}\n`);
    this.proc = spawn(process.execPath, [file], { stdio: ["pipe", "pipe", "inherit"] });
    let buf = "";
    this.proc.stdout!.setEncoding("utf8").on("data", (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        this.lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    this.exited = once(this.proc, "exit").then(([code, signal]) => ({ code, signal }));
  }

  /** Waits (bounded) for the next line the child prints, and returns it. */
  async line(ms = 5000): Promise<string> {
    const want = this.#seq++;
    for (const t0 = Date.now(); this.lines.length <= want; await sleep(5)) {
      if (Date.now() - t0 > ms) throw new Error(`child printed no line ${want} in ${ms} ms (got ${JSON.stringify(this.lines)})`);
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) throw new Error(`child exited early: ${JSON.stringify(this.lines)}`);
    }
    return this.lines[want]!;
  }

  /** Whether the child is still running. */
  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Kills the child if it still runs, and waits for it: no zombie outlives a test. */
  async end(): Promise<void> {
    if (this.running) this.proc.kill("SIGKILL");
    await this.exited;
  }
}

describe("notify", () => {
  it("delivers a signal sent to this process", async () => {
    using sub = signals.notify("SIGUSR2");
    assert.ok(sub instanceof Subscription);
    assert.deepEqual(sub.signals, ["SIGUSR2"]);
    raise("SIGUSR2");
    assert.deepEqual(await within(sub.next(), 2000, "SIGUSR2"), { value: "SIGUSR2", done: false });
  });

  it("delivers while 10,000 timers run", async () => {
    using sub = signals.notify("SIGUSR2");
    let fired = 0;
    const timers = Array.from({ length: 10_000 }, (_, i) => setTimeout(() => fired++, 1 + (i % 50)));
    try {
      raise("SIGUSR2");
      assert.equal((await within(sub.next(), 5000, "SIGUSR2 under timers")).value, "SIGUSR2");
    } finally {
      for (const t of timers) clearTimeout(t);
    }
    assert.ok(fired <= 10_000);
  });

  it("drops what arrives while the buffer is full: buffer 1 holds one of five", async () => {
    using sub = signals.notify("SIGUSR2");
    raise("SIGUSR2", 5);
    await sleep(100);
    assert.equal(sub.pending, 1);
    assert.equal((await sub.next()).value, "SIGUSR2");
    await sleep(100);
    assert.equal(sub.pending, 0);
  });

  it("drops what arrives while the buffer is full: buffer 3 holds three of five", async () => {
    using sub = signals.notify("SIGUSR2", { buffer: 3 });
    raise("SIGUSR2", 5);
    await sleep(100);
    assert.equal(sub.pending, 3);
    for (let i = 0; i < 3; i++) assert.equal((await sub.next()).value, "SIGUSR2");
    await sleep(100);
    assert.equal(sub.pending, 0);
  });

  it("buffer 0 delivers only to a receiver already waiting", async () => {
    using sub = signals.notify("SIGUSR2", { buffer: 0 });
    raise("SIGUSR2");
    await sleep(50);
    assert.equal(sub.pending, 0);
    const waiting = sub.next();
    raise("SIGUSR2");
    assert.equal((await within(waiting, 2000, "SIGUSR2")).value, "SIGUSR2");
  });

  it("gives every subscription its own copy, and serves concurrent receives in order", async () => {
    using a = signals.notify("SIGUSR2", { buffer: 2 });
    using b = signals.notify("SIGUSR2", "SIGWINCH");
    const r1 = a.next();
    const r2 = a.next();
    raise("SIGUSR2", 2);
    assert.deepEqual([(await within(r1, 2000, "first")).value, (await within(r2, 2000, "second")).value], ["SIGUSR2", "SIGUSR2"]);
    assert.equal((await within(b.next(), 2000, "b's copy")).value, "SIGUSR2");
  });

  it("add subscribes to more signals, as a second Notify on a channel does", async () => {
    using sub = signals.notify("SIGUSR2");
    assert.equal(sub.add("SIGWINCH", "SIGUSR2"), sub);
    assert.deepEqual(sub.signals, ["SIGUSR2", "SIGWINCH"]);
    raise("SIGWINCH");
    assert.equal((await within(sub.next(), 2000, "SIGWINCH")).value, "SIGWINCH");
  });

  it("takes names, numbers and aliases, and delivers canonical names", () => {
    using sub = signals.notify(signalNumber("SIGUSR2"), "SIGIOT");
    assert.deepEqual(sub.signals.sort(), ["SIGABRT", "SIGUSR2"]);
  });

  it("with no names catches every catchable signal but the faults and SIGPROF", () => {
    using sub = signals.notify();
    const got = new Set(sub.signals);
    for (const s of ["SIGHUP", "SIGINT", "SIGTERM", "SIGUSR1", "SIGUSR2", "SIGCHLD", "SIGPIPE", "SIGWINCH"]) assert.ok(got.has(s as NodeJS.Signals), s);
    for (const s of ["SIGKILL", "SIGSTOP", "SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", "SIGPROF"]) assert.ok(!got.has(s as NodeJS.Signals), s);
  });

  it("refuses SIGKILL, SIGSTOP, real-time signals and non-signals with a TypeError", () => {
    for (const bad of ["SIGKILL", "SIGSTOP", 40, "SIGNOPE", 0, 1.5, null]) {
      assert.throws(() => signals.notify(bad as never), TypeError, String(bad));
    }
    assert.throws(() => signals.notify("SIGUSR2", { buffer: -1 }), TypeError);
    assert.throws(() => signals.notify("SIGUSR2", { buffer: 1.5 }), TypeError);
  });

  it("coexists with process.on: both hear the signal, and the listener outlives stop", async () => {
    let heard = 0;
    const listener = () => heard++;
    process.on("SIGUSR2", listener);
    try {
      const sub = signals.notify("SIGUSR2");
      raise("SIGUSR2");
      assert.equal((await within(sub.next(), 2000, "SIGUSR2")).value, "SIGUSR2");
      assert.equal(heard, 1);
      sub.stop();
      assert.equal(process.listenerCount("SIGUSR2"), 1);
      raise("SIGUSR2");
      for (let i = 0; heard < 2 && i < 200; i++) await sleep(5);
      assert.equal(heard, 2);
    } finally {
      process.off("SIGUSR2", listener);
    }
  });
});

describe("stop", () => {
  it("ends iteration and waiting receives; nothing more is delivered; idempotent", async () => {
    const sub = signals.notify("SIGUSR2");
    const seen: string[] = [];
    const loop = (async () => {
      for await (const s of sub) seen.push(s);
    })();
    raise("SIGUSR2");
    for (let i = 0; seen.length < 1 && i < 200; i++) await sleep(5);
    const waiting = sub.next();
    sub.stop();
    sub.stop();
    sub[Symbol.dispose]();
    await within(loop, 2000, "the loop's end");
    assert.deepEqual(await within(waiting, 2000, "the waiting receive"), { value: undefined, done: true });
    assert.deepEqual(seen, ["SIGUSR2"]);
    assert.equal(sub.stopped, true);
    assert.equal(process.listenerCount("SIGUSR2"), 0);
    assert.deepEqual(await sub.next(), { value: undefined, done: true });
    assert.throws(() => sub.add("SIGUSR2"), /stopped Subscription/);
  });

  it("puts SIGPIPE and SIGXFSZ back to SIG_IGN, where libuv would leave SIG_DFL", () => {
    for (const s of ["SIGPIPE", "SIGXFSZ"] as const) {
      assert.equal(signals.ignored(s), true, s);
      const sub = signals.notify(s);
      assert.equal(signals.ignored(s), false, `${s} caught`);
      sub.stop();
      assert.equal(signals.ignored(s), true, `${s} after stop`);
    }
  });

  it("restores the default: a child that stopped its SIGINT subscription dies by SIGINT", async () => {
    const child = new Child("stop-default", `
      const sub = signals.notify("SIGINT");
      sub.stop();
      console.log("ready");
      setInterval(() => {}, 1000);
    `);
    try {
      assert.equal(await child.line(), "ready");
      child.proc.kill("SIGINT");
      assert.deepEqual(await within(child.exited, 5000, "the child's death"), { code: null, signal: "SIGINT" });
    } finally {
      await child.end();
    }
  });
});

describe("notifyContext", () => {
  it("aborts on the first arrival with a reason naming the signal", async () => {
    const ctx = signals.notifyContext("SIGUSR2", "SIGWINCH");
    try {
      assert.equal(ctx.signal.aborted, false);
      raise("SIGWINCH");
      for (let i = 0; !ctx.signal.aborted && i < 200; i++) await sleep(5);
      const reason = ctx.signal.reason as SignalError;
      assert.ok(reason instanceof SignalError);
      assert.ok(reason instanceof CanceledError);
      assert.equal(reason.message, `signal received: ${signalName("SIGWINCH")}`);
      assert.equal(reason.message, "signal received: window changed");
      assert.equal(reason.signal, "SIGWINCH");
      assert.equal(reason.code, "ABORT_ERR");
      assert.ok(errorIs(reason, new CanceledError(undefined)));
      raise("SIGUSR2"); // Still caught: this would kill the process otherwise.
      await sleep(50);
      assert.equal(ctx.signal.reason, reason);
    } finally {
      ctx.stop();
    }
    assert.equal(process.listenerCount("SIGUSR2"), 0);
  });

  it("stop aborts with context canceled; a parent's abort carries its reason", () => {
    const ctx = signals.notifyContext("SIGUSR2");
    ctx.stop();
    ctx.stop();
    assert.equal((ctx.signal.reason as Error).message, "context canceled");
    assert.ok(errorIs(ctx.signal.reason, new CanceledError(undefined)));

    const parent = new AbortController();
    using child = signals.notifyContext("SIGUSR2", { signal: parent.signal });
    const why = new Error("parent done");
    parent.abort(why);
    assert.equal(child.signal.reason, why);
    using done = signals.notifyContext("SIGUSR2", { signal: AbortSignal.abort(why) });
    assert.equal(done.signal.reason, why);
  });

  it("in a child: SIGINT aborts, a second SIGINT does not kill, and after stop SIGINT kills", async () => {
    const child = new Child("context", `
      const ctx = signals.notifyContext("SIGINT");
      ctx.signal.addEventListener("abort", () => {
        const r = ctx.signal.reason;
        console.log(r.name + ": " + r.message + ": " + r.signal + ": " + errorIs(r, r));
      });
      console.log("ready");
      process.stdin.setEncoding("utf8").on("data", (d) => {
        if (d.includes("stop")) { ctx.stop(); process.stdin.pause(); console.log("stopped"); }
      });
      setInterval(() => {}, 1000);
    `);
    try {
      assert.equal(await child.line(), "ready");
      child.proc.kill("SIGINT");
      assert.equal(await child.line(), "SignalError: signal received: interrupt: SIGINT: true");
      child.proc.kill("SIGINT");
      await sleep(300);
      assert.ok(child.running, "a second SIGINT before stop killed the child");
      child.proc.stdin!.write("stop\n");
      assert.equal(await child.line(), "stopped");
      child.proc.kill("SIGINT");
      assert.deepEqual(await within(child.exited, 5000, "the child's death"), { code: null, signal: "SIGINT" });
    } finally {
      await child.end();
    }
  });
});

describe("ignore, ignored, reset", () => {
  it("ignored reflects ignore and reset; reset gives SIG_DFL back", () => {
    assert.equal(signals.ignored("SIGUSR2"), false);
    signals.ignore("SIGUSR2");
    try {
      assert.equal(signals.ignored("SIGUSR2"), true);
      assert.ok(inheritedIgnores().includes(signalNumber("SIGUSR2")), "recorded for children");
    } finally {
      signals.reset("SIGUSR2");
    }
    assert.equal(signals.ignored("SIGUSR2"), false);
    assert.ok(!inheritedIgnores().includes(signalNumber("SIGUSR2")));
  });

  it("reset keeps SIGPIPE and SIGXFSZ at SIG_IGN, as Node has them", () => {
    for (const s of ["SIGPIPE", "SIGXFSZ"] as const) {
      signals.ignore(s);
      signals.reset(s);
      assert.equal(signals.ignored(s), true, s);
      const sub = signals.notify(s);
      signals.reset(s);
      assert.equal(sub.signals.length, 0);
      assert.equal(signals.ignored(s), true, `${s} reset from a subscription`);
      sub.stop();
      assert.equal(signals.ignored(s), true);
    }
  });

  it("an ignored signal sent to this process is neither delivered nor fatal", async () => {
    using sub = signals.notify("SIGUSR2", "SIGWINCH");
    signals.ignore("SIGUSR2");
    try {
      assert.deepEqual(sub.signals, ["SIGWINCH"]);
      assert.equal(process.listenerCount("SIGUSR2"), 0);
      raise("SIGUSR2", 3);
      await sleep(100);
      assert.equal(sub.pending, 0);
    } finally {
      signals.reset("SIGUSR2");
    }
  });

  it("notify after ignore catches the signal again and clears the record", async () => {
    signals.ignore("SIGUSR2");
    using sub = signals.notify("SIGUSR2");
    assert.equal(signals.ignored("SIGUSR2"), false);
    assert.ok(!inheritedIgnores().includes(signalNumber("SIGUSR2")));
    raise("SIGUSR2");
    assert.equal((await within(sub.next(), 2000, "SIGUSR2")).value, "SIGUSR2");
  });

  it("ignore wins over a process.on listener, and reset gives it the signal back", async () => {
    let heard = 0;
    const listener = () => heard++;
    process.on("SIGUSR2", listener);
    try {
      signals.ignore("SIGUSR2");
      assert.equal(signals.ignored("SIGUSR2"), true);
      raise("SIGUSR2");
      await sleep(50);
      assert.equal(heard, 0);
      signals.reset("SIGUSR2");
      assert.equal(signals.ignored("SIGUSR2"), false);
      assert.equal(process.listenerCount("SIGUSR2"), 1);
      raise("SIGUSR2");
      for (let i = 0; heard < 1 && i < 200; i++) await sleep(5);
      assert.equal(heard, 1);
      // And notify, too, brings libuv's handler back under the listener.
      signals.ignore("SIGUSR2");
      using sub = signals.notify("SIGUSR2");
      raise("SIGUSR2");
      assert.equal((await within(sub.next(), 2000, "SIGUSR2")).value, "SIGUSR2");
      assert.equal(heard, 2);
    } finally {
      process.off("SIGUSR2", listener);
    }
  });

  it("refuses SIGCHLD, SIGKILL and SIGSTOP with a TypeError; reset skips the last two", () => {
    assert.throws(() => signals.ignore("SIGCHLD"), (e: Error) => e instanceof TypeError && /SIGCHLD/.test(e.message) && /reap/.test(e.message));
    assert.throws(() => signals.ignore("SIGUSR2", "SIGCHLD"), TypeError);
    assert.equal(signals.ignored("SIGUSR2"), false, "nothing ignored when an argument is refused");
    assert.throws(() => signals.ignore("SIGKILL"), TypeError);
    assert.throws(() => signals.ignore("SIGSTOP"), TypeError);
    signals.reset("SIGKILL", "SIGSTOP");
    assert.equal(signals.ignored("SIGKILL"), false);
    assert.equal(signals.ignored("SIGCHLD"), false);
  });

  it("refuses the waiter threads' signal: ignored, no lock wait could be cancelled; reset, a cancel would kill", () => {
    const reserved = binding.WAITER_SIGNAL;
    assert.ok(reserved > 31, `a real-time signal: ${reserved}`);
    assert.throws(() => signals.ignore(reserved), (e: Error) => e instanceof TypeError && /interrupts lock and semaphore waits/.test(e.message));
    assert.throws(() => signals.reset(reserved), TypeError);
    assert.throws(() => signals.ignore("SIGUSR2", reserved), TypeError);
    assert.equal(signals.ignored("SIGUSR2"), false, "nothing ignored when an argument is refused");
    signals.reset(); // every signal: the reserved one is left alone
    assert.equal(signals.ignored(reserved), false);
  });

  it("reset with no names drops every subscription and keeps Node's defaults", () => {
    const sub = notify("SIGUSR2", "SIGWINCH");
    signals.ignore("SIGUSR2");
    reset();
    assert.deepEqual(sub.signals, []);
    assert.equal(signals.ignored("SIGUSR2"), false);
    assert.equal(signals.ignored("SIGPIPE"), true);
    assert.equal(signals.ignored("SIGXFSZ"), true);
    assert.equal(process.listenerCount("SIGWINCH"), 0);
    sub.stop();
  });
});

describe("kill", () => {
  it("signals a child, and says os: process already finished once it is reaped", async () => {
    const proc = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    const exited = once(proc, "exit");
    try {
      await once(proc, "spawn");
      signals.kill(proc.pid!, 0);
      signals.kill(proc.pid!, "SIGTERM");
      const [code, sig] = await within(exited, 5000, "the child's exit");
      assert.deepEqual([code, sig], [null, "SIGTERM"]);
      assert.throws(() => signals.kill(proc.pid!, "SIGTERM"), (e: Error) => {
        assert.equal(e, ErrProcessDone);
        assert.equal(e.message, "os: process already finished");
        return errorIs(e, ErrProcessDone);
      });
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
    }
  });

  it("throws the Errno for other failures, and a TypeError for pid 0, -1 or no pid", (t) => {
    for (const bad of [0, -1, 1.5, NaN, "1"]) assert.throws(() => signals.kill(bad as never, "SIGTERM"), TypeError, String(bad));
    assert.throws(() => signals.kill(process.pid, "SIGNOPE" as never), TypeError);
    signals.kill(process.pid, 0);
    if (process.getuid?.() === 0) return t.skip("root may signal init: no EPERM to see");
    assert.throws(() => signals.kill(1, 0), (e: Error) => e instanceof Errno && e.message === "operation not permitted");
  });
});

describe("keeping the process alive", () => {
  it("an idle subscription or context does not keep a child alive", async () => {
    const child = new Child("idle", `
      const sub = signals.notify("SIGUSR2");
      const ctx = signals.notifyContext("SIGTERM");
      ctx.signal.addEventListener("abort", () => {});
      console.log("subscribed " + sub.signals.join(","));
    `);
    try {
      assert.equal(await child.line(), "subscribed SIGUSR2");
      assert.deepEqual(await within(child.exited, 5000, "the idle child's exit"), { code: 0, signal: null });
    } finally {
      await child.end();
    }
  });

  it("a waiting iteration keeps a child alive until the signal comes", async () => {
    const child = new Child("waiting", `
      const sub = signals.notify("SIGUSR2");
      console.log("ready");
      for await (const sig of sub) { console.log("got " + sig); break; }
      sub.stop();
    `);
    try {
      assert.equal(await child.line(), "ready");
      await sleep(300);
      assert.ok(child.running, "the child exited while awaiting a signal");
      child.proc.kill("SIGUSR2");
      assert.equal(await child.line(), "got SIGUSR2");
      assert.deepEqual(await within(child.exited, 5000, "the child's exit"), { code: 0, signal: null });
    } finally {
      await child.end();
    }
  });
});
