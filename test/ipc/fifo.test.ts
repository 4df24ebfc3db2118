/**
 * Named pipes (FIFOs, fifo(7)): mkfifo, openFile in both orders, a writer waiting for a reader
 * that never comes (timeout, deadline, abort) without blocking the event loop or parking a
 * threadpool thread, a unix socket's path failing at once with ENXIO, and a reader opened
 * before any writer, whose first read waits for data rather than seeing a spurious end of file.
 * Texts are Go 1.19's ("open P: i/o timeout"); mkfifo's is wrapped in a PathError.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync, promises as fsp } from "node:fs";
import {
  mkfifo,
  openFile,
  listen,
  errorIs,
  Errno,
  ErrDeadlineExceeded,
  PathError,
  File,
} from "../../src/index.js";
import { E } from "../../src/sys/errors.js";
import { C } from "../../src/sys/constants.js";
import { guardFdLeaks, testUnixAddr, readAll, readFull, settle, within } from "../helpers.js";

guardFdLeaks();

const te = new TextEncoder();
const enc = (s: string) => te.encode(s);
const LIMIT = 5000;

/** newFifo makes a FIFO at a fresh path in the suite's temp dir. */
async function newFifo(): Promise<string> {
  const p = testUnixAddr().replace(/\.sock$/, ".fifo");
  await mkfifo(p, 0o600);
  return p;
}

/** The error `p` rejects with, bounded, asserting it is a PathError for `op` on `path`. */
async function pathErr(p: Promise<unknown>, op: string, path: string, ms = LIMIT): Promise<PathError> {
  const err = await within(
    p.then(
      (v) => {
        if (v instanceof File) void v.close();
        assert.fail(`${op} ${path} succeeded; an error was expected`);
      },
      (e: unknown) => e,
    ),
    ms,
    `${op} ${path} to fail`,
  );
  assert.ok(err instanceof PathError, `expected a PathError, got ${String(err)}`);
  assert.equal(err.op, op);
  assert.equal(err.path, path);
  return err;
}

/** The umask, read from /proc (process.umask() with no argument is deprecated). */
function umask(): number {
  const m = /^Umask:\s*([0-7]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? parseInt(m[1]!, 8) : 0o022;
}

describe("mkfifo", () => {
  it("makes a FIFO with the mode less the umask", async () => {
    const p = await newFifo();
    const st = statSync(p);
    assert.ok(st.isFIFO(), "a FIFO");
    assert.equal(st.mode & 0o777, 0o600 & ~umask());
  });

  it("an existing path fails: mkfifo P: file exists", async () => {
    const p = await newFifo();
    await assert.rejects(mkfifo(p, 0o600), (e: unknown) => {
      assert.ok(e instanceof PathError);
      assert.equal(e.message, `mkfifo ${p}: file exists`);
      assert.equal(e.op, "mkfifo");
      assert.equal(e.path, p);
      assert.ok(errorIs(e, new Errno(E.EEXIST!)));
      return true;
    });
  });

  it("a bad path or mode is a TypeError", async () => {
    await assert.rejects(mkfifo(42 as unknown as string, 0o600), TypeError);
    await assert.rejects(mkfifo(testUnixAddr(), -1), TypeError);
    await assert.rejects(mkfifo(testUnixAddr(), 1.5), TypeError);
  });
});

describe("FIFO open orders", () => {
  it("reader first, then writer: both open, bytes flow, the writer's close is the reader's EOF", async () => {
    const p = await newFifo();
    const r = await within(openFile(p, "r"), LIMIT, "a FIFO opened for reading returns at once");
    try {
      assert.equal(r.name(), p);
      const w = await within(openFile(p, "w"), LIMIT, "writer with a reader there");
      try {
        assert.equal(await w.write(enc("through the fifo")), 16);
      } finally {
        await w.close();
      }
      assert.equal(Buffer.from(await within(readAll(r), LIMIT, "read to EOF")).toString(), "through the fifo");
    } finally {
      await r.close();
    }
  });

  it("writer first: its open waits for a reader, then both open and bytes flow", async () => {
    const p = await newFifo();
    const opening = openFile(p, "w", { timeout: 10_000 });
    assert.equal(await settle(opening, 150), "pending", "the writer waits for a reader");
    const r = await openFile(p, "r");
    try {
      const w = await within(opening, LIMIT, "the waiting writer to open once a reader came");
      try {
        await w.write(enc("late reader"));
      } finally {
        await w.close();
      }
      assert.equal(Buffer.from(await within(readAll(r), LIMIT, "read to EOF")).toString(), "late reader");
    } finally {
      await r.close();
    }
  });

  it('"rw" opens at once with no other end (Linux) and reads back its own writes', async () => {
    const p = await newFifo();
    const f = await within(openFile(p, "rw"), LIMIT, "rw open");
    try {
      await f.write(enc("loop"));
      assert.deepEqual(await readFull(f, 4), Buffer.from("loop"));
    } finally {
      await f.close();
    }
  });

  it("both ends are non-blocking and close-on-exec, as the kernel reports them", async () => {
    const p = await newFifo();
    const r = await openFile(p, "r");
    const w = await openFile(p, "w");
    try {
      for (const f of [r, w]) {
        const m = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${f.fd()}`, "utf8"));
        const flags = parseInt(m![1]!, 8);
        assert.ok((flags & C.O_CLOEXEC!) !== 0, `flags ${flags.toString(8)} lack O_CLOEXEC`);
        assert.ok((flags & C.O_NONBLOCK!) !== 0, `flags ${flags.toString(8)} lack O_NONBLOCK`);
      }
    } finally {
      await w.close();
      await r.close();
    }
  });

  it("a write after the reader left fails: write P: broken pipe", async () => {
    const p = await newFifo();
    const r = await openFile(p, "r");
    const w = await openFile(p, "w");
    try {
      await r.close();
      const err = await pathErr(w.write(enc("gone")), "write", p);
      assert.equal(err.message, `write ${p}: broken pipe`);
      assert.ok(errorIs(err, new Errno(E.EPIPE!)));
    } finally {
      await w.close();
    }
  });

  it("FIFO reads take deadlines (it is polled): read P: i/o timeout", async () => {
    const p = await newFifo();
    const r = await openFile(p, "r");
    const w = await openFile(p, "w");
    try {
      r.setReadDeadline(Date.now() + 50);
      const err = await pathErr(r.read(new Uint8Array(4)), "read", p);
      assert.equal(err.message, `read ${p}: i/o timeout`);
      assert.ok(errorIs(err, ErrDeadlineExceeded));
    } finally {
      await w.close();
      await r.close();
    }
  });
});

describe("FIFO reader before any writer", () => {
  it("the first read waits for a writer's data, not a spurious EOF; EOF comes after the writer leaves", async () => {
    const p = await newFifo();
    const r = await openFile(p, "r");
    try {
      const first = r.read(new Uint8Array(16));
      assert.equal(await settle(first, 150), "pending", "no EOF while no writer has come");
      const w = await openFile(p, "w");
      await w.write(enc("first"));
      assert.equal(await within(first, LIMIT, "the first read"), 5);
      const next = r.read(new Uint8Array(16));
      assert.equal(await settle(next, 100), "pending", "a writer is still there: no EOF");
      await w.close();
      assert.equal(await within(next, LIMIT, "EOF after the writer left"), null);
      assert.equal(await r.read(new Uint8Array(16)), null);
    } finally {
      await r.close();
    }
  });

  it("a writer that comes and goes without writing gives the waiting reader EOF", async () => {
    const p = await newFifo();
    const r = await openFile(p, "r");
    try {
      const first = r.read(new Uint8Array(16));
      assert.equal(await settle(first, 100), "pending");
      const w = await openFile(p, "w");
      await w.close();
      assert.equal(await within(first, LIMIT, "EOF after an empty writer"), null);
    } finally {
      await r.close();
    }
  });
});

describe("a FIFO writer whose reader never comes", () => {
  it("times out: open P: i/o timeout, not before the timeout", async () => {
    const p = await newFifo();
    const start = Date.now();
    const err = await pathErr(openFile(p, "w", { timeout: 150 }), "open", p);
    const took = Date.now() - start;
    assert.equal(err.message, `open ${p}: i/o timeout`);
    assert.ok(errorIs(err, ErrDeadlineExceeded));
    assert.equal(err.timeout(), true);
    assert.ok(took >= 120, `gave up after ${took} ms of a 150 ms timeout`);
  });

  it("honours a deadline (a Date or epoch ms), and a passed one fails at once", async () => {
    const p = await newFifo();
    const byDate = await pathErr(openFile(p, "w", { deadline: new Date(Date.now() + 80) }), "open", p);
    assert.equal(byDate.message, `open ${p}: i/o timeout`);
    const byMs = await pathErr(openFile(p, "w", { deadline: Date.now() + 80 }), "open", p);
    assert.equal(byMs.message, `open ${p}: i/o timeout`);
    const passed = await pathErr(openFile(p, "w", { deadline: Date.now() - 1000 }), "open", p, 1000);
    assert.equal(passed.message, `open ${p}: i/o timeout`);
    // The earlier of timeout and deadline wins.
    const start = Date.now();
    await pathErr(openFile(p, "w", { timeout: 60_000, deadline: Date.now() + 80 }), "open", p);
    assert.ok(Date.now() - start < 30_000);
  });

  it("aborts: open P: operation was canceled, and an already aborted signal fails at once", async () => {
    const p = await newFifo();
    const ac = new AbortController();
    const opening = openFile(p, "w", { signal: ac.signal });
    assert.equal(await settle(opening, 100), "pending");
    ac.abort();
    const err = await pathErr(opening, "open", p, 2000);
    assert.equal(err.message, `open ${p}: operation was canceled`);
    const early = await pathErr(openFile(p, "w", { signal: ac.signal }), "open", p, 1000);
    assert.equal(early.message, `open ${p}: operation was canceled`);
    // The aborted waits left no reader or writer behind: a new writer still finds no reader.
    await pathErr(openFile(p, "w", { timeout: 50 }), "open", p);
  });

  it("leaves the event loop free: a 5 ms interval keeps ticking with small gaps while it waits", async () => {
    const p = await newFifo();
    let ticks = 0;
    let last = Date.now();
    let maxGap = 0;
    const timer = setInterval(() => {
      const now = Date.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 5);
    try {
      await pathErr(openFile(p, "w", { timeout: 600 }), "open", p);
    } finally {
      clearInterval(timer);
    }
    maxGap = Math.max(maxGap, Date.now() - last);
    // Wide bounds: a blocked loop would show one tick and a 600 ms gap.
    assert.ok(ticks >= 10, `only ${ticks} ticks of a 5 ms interval in 600 ms`);
    assert.ok(maxGap < 300, `the interval stalled for ${maxGap} ms`);
  });

  it("leaves the threadpool free: with 8 writers waiting, fs.promises.readFile completes; aborting ends them all", async () => {
    const paths = await Promise.all(Array.from({ length: 8 }, () => newFifo()));
    const ac = new AbortController();
    const waiting = paths.map((p) => openFile(p, "w", { signal: ac.signal }));
    try {
      assert.equal(await settle(Promise.race(waiting), 100), "pending", "all 8 wait");
      const plain = testUnixAddr().replace(/\.sock$/, ".txt");
      writeFileSync(plain, "threadpool is free");
      const text = await within(fsp.readFile(plain, "utf8"), 3000, "readFile while 8 FIFO writers wait");
      assert.equal(text, "threadpool is free");
      for (const w of waiting) assert.equal(await settle(w, 1), "pending", "the writers still wait");
    } finally {
      ac.abort();
    }
    const errs = await Promise.all(waiting.map((w, i) => pathErr(w, "open", paths[i]!, 2000)));
    for (const [i, e] of errs.entries()) assert.equal(e.message, `open ${paths[i]}: operation was canceled`);
  });
});

describe("openFile on things that are not FIFOs", () => {
  it("a unix socket's path fails at once with ENXIO, for reading and for writing (no wait)", async () => {
    const path = testUnixAddr();
    const ln = await listen("unix", path);
    try {
      for (const flag of ["r", "w", "rw"] as const) {
        const start = Date.now();
        const err = await pathErr(openFile(path, flag, { timeout: 30_000 }), "open", path, 2000);
        assert.equal(err.message, `open ${path}: no such device or address`);
        assert.ok(errorIs(err, new Errno(E.ENXIO!)));
        assert.ok(Date.now() - start < 2000, `${flag}: ENXIO was retried`);
      }
    } finally {
      await ln.close();
    }
  });

  it("a missing path: open P: no such file or directory", async () => {
    const err = await pathErr(openFile("/nonexistent", "w", { timeout: 1000 }), "open", "/nonexistent", 2000);
    assert.equal(err.message, "open /nonexistent: no such file or directory");
    assert.ok(errorIs(err, new Errno(E.ENOENT!)));
  });
});
