/**
 * Anonymous pipes (Go's os.Pipe and os/pipe_test.go, os/timeout_test.go): bulk data both ways,
 * end of file, EPIPE without a SIGPIPE death, the deadline table, close waking pending calls,
 * zero-length reads, right-sized chunks from async iteration, argument checks that reject
 * rather than throw, ref/unref, and a python3 child writing into an inherited pipe end. Texts
 * are Go 1.19's, byte for byte.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  pipe,
  errorIs,
  Errno,
  ErrDeadlineExceeded,
  ErrFileClosed,
  ErrFileClosing,
  File,
  PathError,
} from "../../src/index.js";
import { E } from "../../src/sys/errors.js";
import { C } from "../../src/sys/constants.js";
import { readFileSync } from "node:fs";
import { guardFdLeaks, readAll, readFull, settle, within } from "../helpers.js";

guardFdLeaks();

const te = new TextEncoder();
const enc = (s: string) => te.encode(s);
const LIMIT = 5000;

/** pipePair makes a pipe whose ends close when the test is done (a second close is harmless here). */
async function pipePair(): Promise<[File, File, () => Promise<void>]> {
  const [r, w] = await pipe();
  const done = async () => {
    for (const f of [r, w]) if (f.fd() !== -1) await f.close();
  };
  return [r, w, done];
}

/**
 * fillUntilPending writes 4 KiB chunks until one stays pending (the pipe is full: 64 KiB by
 * default, at most /proc/sys/fs/pipe-max-size), and returns that write and the bytes the
 * completed writes put in. Bounded: 1024 chunks are 4 MiB, more than any pipe holds here.
 */
async function fillUntilPending(w: File): Promise<{ pending: Promise<number>; written: number }> {
  const chunk = new Uint8Array(4096).fill(0x5a);
  let written = 0;
  for (let i = 0; i < 1024; i++) {
    const p = w.write(chunk);
    const s = await settle(p, 50);
    if (s === "pending") return { pending: p, written };
    if ("error" in s) throw s.error;
    written += s.value;
  }
  throw new Error(`fillUntilPending: ${written} bytes went in and no write stayed pending`);
}

/** The message of a rejection, asserting it is a PathError for `op` on `path`. */
async function pathErr(p: Promise<unknown>, op: string, path: string): Promise<PathError> {
  const err = await within(
    p.then(
      () => assert.fail(`${op} ${path} succeeded; an error was expected`),
      (e: unknown) => e,
    ),
    LIMIT,
    `${op} ${path} to fail`,
  );
  assert.ok(err instanceof PathError, `expected a PathError, got ${String(err)}`);
  assert.equal(err.op, op);
  assert.equal(err.path, path);
  return err;
}

/** The open flags of this process's `fd` as the kernel reports them (fdinfo shows O_CLOEXEC too). */
function fdFlags(fd: number): number {
  const m = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"));
  assert.ok(m, `no flags in /proc/self/fdinfo/${fd}`);
  return parseInt(m[1]!, 8);
}

describe("pipe basics", () => {
  it("names the ends |0 and |1, gives fd numbers, and -1 once closed", async () => {
    const [r, w] = await pipe();
    assert.ok(r instanceof File && w instanceof File);
    assert.equal(r.name(), "|0");
    assert.equal(w.name(), "|1");
    assert.ok(Number.isInteger(r.fd()) && r.fd() > 2, `read end fd ${r.fd()}`);
    assert.ok(Number.isInteger(w.fd()) && w.fd() > 2 && w.fd() !== r.fd(), `write end fd ${w.fd()}`);
    await r.close();
    await w.close();
    assert.equal(r.fd(), -1);
    assert.equal(w.fd(), -1);
  });

  it("both ends are non-blocking and close-on-exec (pipe2), as the kernel reports them", async () => {
    const [r, w, done] = await pipePair();
    try {
      for (const f of [r, w]) {
        const flags = fdFlags(f.fd());
        assert.ok((flags & C.O_NONBLOCK!) !== 0, `${f.name()}: flags ${flags.toString(8)} lack O_NONBLOCK`);
        assert.ok((flags & C.O_CLOEXEC!) !== 0, `${f.name()}: flags ${flags.toString(8)} lack O_CLOEXEC`);
      }
      assert.equal(fdFlags(r.fd()) & C.O_ACCMODE!, C.O_RDONLY);
      assert.equal(fdFlags(w.fd()) & C.O_ACCMODE!, C.O_WRONLY);
    } finally {
      await done();
    }
  });

  it("moves bytes and reads end of file (null, again and again) after the writer closes", async () => {
    const [r, w, done] = await pipePair();
    try {
      assert.equal(await w.write(enc("hello, pipe")), 11);
      await w.close();
      assert.equal(Buffer.from(await readAll(r)).toString(), "hello, pipe");
      assert.equal(await r.read(new Uint8Array(8)), null);
      assert.equal(await r.read(new Uint8Array(8)), null);
    } finally {
      await done();
    }
  });

  it("a pending read wakes with end of file when the writer closes", async () => {
    const [r, w, done] = await pipePair();
    try {
      const p = r.read(new Uint8Array(8));
      assert.equal(await settle(p), "pending");
      await w.close();
      assert.equal(await within(p, LIMIT, "read to see EOF"), null);
    } finally {
      await done();
    }
  });

  it("moves 64 MiB each way through two pipes at once with no loss (sha-256 of both streams)", async () => {
    const [r1, w1, done1] = await pipePair();
    const [r2, w2, done2] = await pipePair();
    const total = 64 * 1024 * 1024;
    /** Writes `total` random bytes in chunks of varied sizes; resolves with their digest. */
    const produce = async (w: File, seed: number): Promise<string> => {
      const h = createHash("sha256");
      let sent = 0;
      let x = seed;
      while (sent < total) {
        x = (x * 1103515245 + 12345) >>> 0;
        const size = Math.min(total - sent, 1 + (x % (256 * 1024)));
        const chunk = randomBytes(size);
        h.update(chunk);
        assert.equal(await w.write(chunk), size);
        sent += size;
      }
      await w.close();
      return h.digest("hex");
    };
    /** Reads to end of file in reads of varied sizes; resolves with the digest and count. */
    const consume = async (r: File): Promise<[string, number]> => {
      const h = createHash("sha256");
      const buf = new Uint8Array(128 * 1024);
      let got = 0;
      for (let i = 0; ; i++) {
        const want = i % 3 === 0 ? 1000 : i % 3 === 1 ? 65536 : buf.length;
        const n = await r.read(buf.subarray(0, want));
        if (n === null) return [h.digest("hex"), got];
        assert.ok(n > 0 && n <= want, `read gave ${n} of ${want}`);
        h.update(buf.subarray(0, n));
        got += n;
      }
    };
    try {
      const [s1, s2, [g1, n1], [g2, n2]] = await within(
        Promise.all([produce(w1, 1), produce(w2, 2), consume(r1), consume(r2)]),
        30_000,
        "64 MiB each way",
      );
      assert.equal(n1, total);
      assert.equal(n2, total);
      assert.equal(g1, s1, "pipe 1: the bytes read are the bytes written");
      assert.equal(g2, s2, "pipe 2: the bytes read are the bytes written");
    } finally {
      await done1();
      await done2();
    }
  });

  it("concurrent writes never interleave and go in call order", async () => {
    const [r, w, done] = await pipePair();
    try {
      const size = 300 * 1024; // well over the 64 KiB a pipe holds: each write takes many tries
      const a = new Uint8Array(size).fill(0x61);
      const b = new Uint8Array(size).fill(0x62);
      const writes = Promise.all([w.write(a), w.write(b)]);
      const got = await within(readFull(r, 2 * size), LIMIT, "both writes to arrive");
      assert.deepEqual(await writes, [size, size]);
      assert.ok(got.subarray(0, size).every((c) => c === 0x61), "the first write's bytes come first, whole");
      assert.ok(got.subarray(size).every((c) => c === 0x62), "then the second's");
    } finally {
      await done();
    }
  });

  it("a zero-length read resolves 0 at once with nothing buffered; a zero-length write resolves 0", async () => {
    const [r, w, done] = await pipePair();
    try {
      const s = await settle(r.read(new Uint8Array(0)), 1000);
      assert.deepEqual(s, { value: 0 }, "a zero-length read does not wait for data");
      assert.equal(await w.write(new Uint8Array(0)), 0);
      await w.write(enc("z"));
      assert.equal(await r.read(new Uint8Array(0)), 0, "and does not consume buffered bytes");
      assert.deepEqual(await readFull(r, 1), Buffer.from("z"));
    } finally {
      await done();
    }
  });
});

describe("zero-length reads that must not wait (Go's poll.FD.Read returns 0 before any wait or deadline check)", () => {
  // Regression: FD.#run (src/poll/fd.ts) once ran its drained and deadline checks before the
  // zero-length shortcut in ReadOp.attempt (src/poll/op.ts), so a zero-length read on a drained
  // fd parked until the fd was readable (maybe never), and one with a passed read deadline
  // failed "read |0: i/o timeout". Go 1.19 returns 0, nil at once in both cases.
  it("a zero-length read after a short read (the fd drained) resolves 0 at once, not when data comes", async () => {
    const [r, w, done] = await pipePair();
    try {
      await w.write(enc("abc"));
      assert.equal(await r.read(new Uint8Array(16)), 3, "a short read: the pipe is drained now");
      const zero = r.read(new Uint8Array(0));
      zero.catch(() => {}); // it is woken by close below if it parked
      assert.deepEqual(await settle(zero, 500), { value: 0 }, "a zero-length read must not wait for data");
    } finally {
      await done();
    }
  });

  it("a zero-length read with a passed read deadline resolves 0 (Go: 0, nil), while a 1-byte read times out", async () => {
    const [r, w, done] = await pipePair();
    try {
      r.setReadDeadline(Date.now() - 1000);
      assert.equal((await pathErr(r.read(new Uint8Array(1)), "read", "|0")).message, "read |0: i/o timeout");
      const zero = r.read(new Uint8Array(0));
      zero.catch(() => {});
      assert.deepEqual(await settle(zero, 500), { value: 0 });
    } finally {
      await done();
    }
  });

  it("a zero-length read after close still fails: read |0: file already closed (as Go)", async () => {
    const [r, w] = await pipe();
    await r.close();
    await w.close();
    assert.equal((await pathErr(r.read(new Uint8Array(0)), "read", "|0")).message, "read |0: file already closed");
  });

  it("a zero-length write resolves 0 even on a full pipe; with a passed deadline it times out (as Go)", async () => {
    const [r, w, done] = await pipePair();
    try {
      const { pending } = await fillUntilPending(w);
      w.setWriteDeadline(Date.now() + 30);
      await pathErr(pending, "write", "|1");
      w.setWriteDeadline(null);
      assert.deepEqual(await settle(w.write(new Uint8Array(0)), 500), { value: 0 });
      w.setWriteDeadline(Date.now() - 1000);
      assert.equal((await pathErr(w.write(new Uint8Array(0)), "write", "|1")).message, "write |1: i/o timeout");
    } finally {
      await done();
    }
  });
});

describe("pipe errors", () => {
  it("a write after the reader closed fails with EPIPE (write |1: broken pipe), and the process lives", async () => {
    const [r, w, done] = await pipePair();
    try {
      await r.close();
      const err = await pathErr(w.write(enc("nobody listens")), "write", "|1");
      assert.equal(err.message, "write |1: broken pipe");
      assert.ok(errorIs(err, new Errno(E.EPIPE!)), "errorIs EPIPE");
      assert.equal(err.code, "EPIPE");
      assert.equal(err.bytesWritten, 0);
      // Still here, and still able to write elsewhere: SIGPIPE did not kill us.
      const [r2, w2, done2] = await pipePair();
      await w2.write(enc("ok"));
      assert.deepEqual(await readFull(r2, 2), Buffer.from("ok"));
      await done2();
    } finally {
      await done();
    }
  });

  it("a write pending on a full pipe fails with EPIPE when the reader closes", async () => {
    const [r, w, done] = await pipePair();
    try {
      const { pending } = await fillUntilPending(w);
      await r.close();
      const err = await pathErr(pending, "write", "|1");
      assert.equal(err.message, "write |1: broken pipe");
      assert.ok(typeof err.bytesWritten === "number" && err.bytesWritten >= 0 && err.bytesWritten < 4096);
    } finally {
      await done();
    }
  });

  it("close wakes a pending read: read |0: file already closed", async () => {
    const [r, w, done] = await pipePair();
    try {
      const p = r.read(new Uint8Array(16));
      assert.equal(await settle(p), "pending");
      await r.close();
      const err = await pathErr(p, "read", "|0");
      assert.equal(err.message, "read |0: file already closed");
      assert.ok(errorIs(err, ErrFileClosed));
    } finally {
      await done();
    }
  });

  it("close wakes a pending write on a full pipe: write |1: file already closed; the reader then sees what went in and EOF", async () => {
    const [r, w, done] = await pipePair();
    try {
      const { pending, written } = await fillUntilPending(w);
      assert.ok(written >= 4096, `only ${written} bytes filled the pipe`);
      await w.close();
      const err = await pathErr(pending, "write", "|1");
      assert.equal(err.message, "write |1: file already closed");
      assert.ok(errorIs(err, ErrFileClosed));
      const rest = await within(readAll(r), LIMIT, "drain");
      assert.equal(rest.length, written + err.bytesWritten, "every byte reported written was delivered");
      assert.ok(rest.every((c) => c === 0x5a));
    } finally {
      await done();
    }
  });

  it("calls after close fail in Go's words", async () => {
    const [r, w] = await pipe();
    await r.close();
    await w.close();
    assert.equal((await pathErr(r.read(new Uint8Array(1)), "read", "|0")).message, "read |0: file already closed");
    assert.equal((await pathErr(w.write(enc("x")), "write", "|1")).message, "write |1: file already closed");
    const second = await pathErr(r.close(), "close", "|0");
    assert.equal(second.message, "close |0: file already closed");
    assert.ok(errorIs(second, ErrFileClosed));
    assert.throws(
      () => r.setReadDeadline(Date.now() + 1000),
      (e: Error) => e === ErrFileClosing && e.message === "use of closed file",
    );
    assert.throws(() => w.setWriteDeadline(null), (e: Error) => e.message === "use of closed file");
    assert.throws(() => w.setDeadline(null), (e: Error) => e.message === "use of closed file");
  });

  it("bad arguments reject with a TypeError (no sync throw), and the File stays usable", async () => {
    const [r, w, done] = await pipePair();
    try {
      const bads: Array<[string, () => Promise<unknown>]> = [
        ['read("x")', () => r.read("x" as unknown as Uint8Array)],
        ["read(new Uint16Array(4))", () => r.read(new Uint16Array(4) as unknown as Uint8Array)],
        ["read(undefined)", () => r.read(undefined as unknown as Uint8Array)],
        ["write(undefined)", () => w.write(undefined as unknown as Uint8Array)],
        ['write("x")', () => w.write("x" as unknown as Uint8Array)],
      ];
      for (const [what, call] of bads) {
        let p: Promise<unknown> | undefined;
        assert.doesNotThrow(() => (p = call()), `${what} threw synchronously`);
        assert.ok(p instanceof Promise, `${what} returned no promise`);
        await assert.rejects(p, (e: Error) => e instanceof TypeError && (e as { code?: string }).code === "ERR_INVALID_ARG_TYPE", what);
      }
      // The locks were released: a good read and a good write on the same Files still work.
      const p = r.read(new Uint8Array(4));
      await w.write(enc("good"));
      assert.equal(await within(p, LIMIT, "a good read after bad ones"), 4);
    } finally {
      await done();
    }
  });

  it("a deadline that is no point in time throws a TypeError", async () => {
    const [r, w, done] = await pipePair();
    try {
      assert.throws(() => r.setReadDeadline("soon" as unknown as number), TypeError);
      assert.throws(() => r.setReadDeadline(Number.NaN), TypeError);
      assert.throws(() => w.setWriteDeadline(new Date(Number.NaN)), TypeError);
    } finally {
      await done();
    }
  });
});

describe("pipe deadlines", () => {
  const past: Array<[string, () => Date | number]> = [
    ["a Date a second ago", () => new Date(Date.now() - 1000)],
    ["epoch ms a second ago", () => Date.now() - 1000],
    ["5000 (a time in 1970, not a duration)", () => 5000],
    ["0 (the epoch itself)", () => 0],
  ];
  for (const [what, when] of past) {
    it(`a passed deadline (${what}) fails a read at once, even with data buffered; null then reads it`, async () => {
      const [r, w, done] = await pipePair();
      try {
        await w.write(enc("buffered"));
        r.setReadDeadline(when());
        const err = await pathErr(r.read(new Uint8Array(16)), "read", "|0");
        assert.equal(err.message, "read |0: i/o timeout");
        assert.ok(errorIs(err, ErrDeadlineExceeded));
        assert.equal(err.timeout(), true);
        r.setReadDeadline(null);
        assert.deepEqual(await readFull(r, 8), Buffer.from("buffered"), "the data is still there");
      } finally {
        await done();
      }
    });
  }

  it("a future deadline fires for a pending read, not before it is due", async () => {
    const [r, w, done] = await pipePair();
    try {
      const start = Date.now();
      r.setReadDeadline(start + 100);
      const err = await pathErr(r.read(new Uint8Array(4)), "read", "|0");
      const took = Date.now() - start;
      assert.equal(err.message, "read |0: i/o timeout");
      assert.ok(errorIs(err, ErrDeadlineExceeded));
      assert.ok(took >= 80, `the deadline fired after ${took} ms, before it was due`);
    } finally {
      await done();
    }
  });

  it("a deadline set while a read waits applies to that read", async () => {
    const [r, w, done] = await pipePair();
    try {
      const p = r.read(new Uint8Array(4));
      assert.equal(await settle(p), "pending");
      r.setReadDeadline(Date.now() + 50);
      assert.equal((await pathErr(p, "read", "|0")).message, "read |0: i/o timeout");
    } finally {
      await done();
    }
  });

  it("moving a deadline revives reads: after a timeout, a future deadline lets the next read wait and succeed", async () => {
    const [r, w, done] = await pipePair();
    try {
      r.setReadDeadline(Date.now() + 30);
      await pathErr(r.read(new Uint8Array(4)), "read", "|0");
      // Still failing while the deadline stays passed.
      await pathErr(r.read(new Uint8Array(4)), "read", "|0");
      r.setReadDeadline(Date.now() + 60_000);
      const p = r.read(new Uint8Array(4));
      assert.equal(await settle(p), "pending", "a revived read waits");
      await w.write(enc("back"));
      assert.equal(await within(p, LIMIT, "revived read"), 4);
    } finally {
      await done();
    }
  });

  it("extending a deadline before it fires keeps a pending read waiting", async () => {
    const [r, w, done] = await pipePair();
    try {
      r.setReadDeadline(Date.now() + 100);
      const p = r.read(new Uint8Array(4));
      r.setReadDeadline(Date.now() + 60_000);
      assert.equal(await settle(p, 250), "pending", "the old deadline no longer applies");
      await w.write(enc("late"));
      assert.equal(await within(p, LIMIT, "extended read"), 4);
    } finally {
      await done();
    }
  });

  it("null clears a deadline: a pending read keeps waiting past it", async () => {
    const [r, w, done] = await pipePair();
    try {
      r.setDeadline(Date.now() + 80);
      const p = r.read(new Uint8Array(4));
      r.setDeadline(null);
      assert.equal(await settle(p, 250), "pending");
      await w.write(enc("data"));
      assert.equal(await within(p, LIMIT, "read after clearing"), 4);
    } finally {
      await done();
    }
  });

  it("the read deadline leaves writes alone, and the write deadline leaves reads alone", async () => {
    const [r, w, done] = await pipePair();
    try {
      w.setReadDeadline(Date.now() - 1000);
      assert.equal(await w.write(enc("w")), 1);
      r.setWriteDeadline(Date.now() - 1000);
      assert.equal(await r.read(new Uint8Array(1)), 1);
    } finally {
      await done();
    }
  });

  it("a write deadline fires for a write pending on a full pipe: write |1: i/o timeout", async () => {
    const [r, w, done] = await pipePair();
    try {
      const { pending } = await fillUntilPending(w);
      w.setWriteDeadline(Date.now() + 50);
      const err = await pathErr(pending, "write", "|1");
      assert.equal(err.message, "write |1: i/o timeout");
      assert.ok(errorIs(err, ErrDeadlineExceeded));
      assert.ok(err.bytesWritten >= 0 && err.bytesWritten < 4096);
      // A write started after the deadline fails at once too.
      assert.equal((await pathErr(w.write(enc("x")), "write", "|1")).message, "write |1: i/o timeout");
      // Cleared, and with room made, writes go again.
      w.setWriteDeadline(null);
      const p = w.write(enc("after"));
      const drained = new Uint8Array(64 * 1024);
      while ((await settle(p, 20)) === "pending") await r.read(drained);
      assert.equal(await p, 5);
    } finally {
      await done();
    }
  });

  it("setDeadline sets both directions", async () => {
    const [r, w, done] = await pipePair();
    try {
      await fillUntilPending(w).then(({ pending }) => {
        w.setDeadline(Date.now() - 1);
        return pathErr(pending, "write", "|1");
      });
      r.setDeadline(1);
      assert.equal((await pathErr(r.read(new Uint8Array(1)), "read", "|0")).message, "read |0: i/o timeout");
    } finally {
      await done();
    }
  });
});

describe("pipe iteration and lifetime", () => {
  it("for await yields right-sized chunks (a 1-byte write does not pin 64 KiB) until end of file", async () => {
    const [r, w, done] = await pipePair();
    try {
      const chunks: Uint8Array[] = [];
      let bulk: Promise<void> | null = null;
      const reading = (async () => {
        for await (const c of r) {
          chunks.push(c);
          // Once the 1-byte chunk is in, send bulk (not awaited here: the loop must keep reading).
          bulk ??= w.write(new Uint8Array(100_000).fill(7)).then(() => w.close());
        }
      })();
      await w.write(new Uint8Array([42]));
      await within(reading, LIMIT, "iteration to end");
      await bulk;
      assert.deepEqual([...chunks[0]!], [42]);
      assert.ok(chunks[0]!.buffer.byteLength < 1024, `a 1-byte chunk holds a ${chunks[0]!.buffer.byteLength}-byte buffer`);
      const rest = Buffer.concat(chunks.slice(1));
      assert.equal(rest.length, 100_000);
      assert.ok(rest.every((c) => c === 7));
      for (const c of chunks) assert.ok(c.length > 0 && c.length <= 64 * 1024, `chunk of ${c.length}`);
    } finally {
      await done();
    }
  });

  it("chunks() ends quietly when the File is closed mid-iteration; breaking out leaves it open", async () => {
    const [r, w, done] = await pipePair();
    try {
      await w.write(enc("one"));
      for await (const c of r.chunks()) {
        assert.equal(Buffer.from(c).toString(), "one");
        break;
      }
      assert.notEqual(r.fd(), -1, "break leaves the File open");
      await w.write(enc("two"));
      assert.deepEqual(await readFull(r, 3), Buffer.from("two"));
      const seen: Uint8Array[] = [];
      const loop = (async () => {
        for await (const c of r.chunks()) seen.push(c);
      })();
      assert.equal(await settle(loop), "pending");
      await r.close();
      await within(loop, LIMIT, "iteration to end on close");
      assert.equal(seen.length, 0);
    } finally {
      await done();
    }
  });

  it("await using closes both ends", async () => {
    let rr: File;
    let ww: File;
    {
      const [r, w] = await pipe();
      await using _r = r;
      await using _w = w;
      rr = r;
      ww = w;
      await w.write(enc("x"));
      assert.equal(await r.read(new Uint8Array(1)), 1);
      await w.close(); // disposing an already closed File is a no-op, not a "file already closed"
    }
    assert.equal(rr.fd(), -1);
    assert.equal(ww.fd(), -1);
  });

  it("an unref'd File's pending read does not keep the process alive; ref() does", async () => {
    const index = fileURLToPath(new URL("../../src/index.js", import.meta.url));
    const script = (ref: boolean) =>
      [
        `const { pipe } = await import(${JSON.stringify(index)});`,
        "const [r, w] = await pipe();",
        `r.unref();${ref ? " r.ref();" : ""}`,
        "r.read(new Uint8Array(1)).then((n) => console.log('read', n), (e) => console.log('error', e.message));",
        ref ? "setTimeout(() => w.write(new Uint8Array([1])), 200);" : "",
      ].join("\n");
    const run = (ref: boolean) =>
      new Promise<{ code: number | null; out: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ["--input-type=module", "-e", script(ref)], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
        const t = setTimeout(() => {
          child.kill();
          reject(new Error(`child (ref=${ref}) did not exit: ${out}`));
        }, 10_000);
        child.on("exit", (code) => {
          clearTimeout(t);
          resolve({ code, out });
        });
      });
    const unrefd = await run(false);
    assert.equal(unrefd.code, 0, unrefd.out);
    assert.equal(unrefd.out, "", "the process exited with the read still pending");
    const refd = await run(true);
    assert.equal(refd.code, 0, refd.out);
    assert.equal(refd.out.trim(), "read 1", "ref kept the process alive until the read completed");
  });

  it("a python3 child writes into the pipe's write end inherited as its stdout", async () => {
    const [r, w, done] = await pipePair();
    try {
      const child = spawn("python3", ["-c", "import sys; sys.stdout.write('from python via fd 1'); sys.stdout.flush()"], {
        stdio: ["ignore", w.fd(), "pipe"],
      });
      let stderr = "";
      child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      const code = await within(new Promise<number | null>((res) => child.on("exit", res)), 10_000, "python3 child");
      assert.equal(code, 0, stderr);
      await w.close(); // our copy: the child's is gone, so the reader sees end of file
      assert.equal(Buffer.from(await within(readAll(r), LIMIT, "child's output")).toString(), "from python via fd 1");
    } finally {
      await done();
    }
  });
});
