/**
 * Regular files through openFile and newFile (Go's os.OpenFile and os.NewFile): create, write
 * and read back on the threadpool while timers keep firing, O_APPEND, O_EXCL, O_TRUNC, perm
 * less the umask, no deadlines (ErrNoDeadline), big reads checked against fs.readFileSync,
 * Go's texts for the failures, and newFile's argument checks.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  openFile,
  newFile,
  errorIs,
  Errno,
  ErrFileClosed,
  ErrFileClosing,
  ErrNoDeadline,
  File,
  PathError,
  O_RDONLY,
  O_WRONLY,
  O_RDWR,
  O_APPEND,
  O_CREATE,
  O_EXCL,
  O_SYNC,
  O_TRUNC,
} from "../../src/index.js";
import { E } from "../../src/sys/errors.js";
import { guardFdLeaks, readAll, within } from "../helpers.js";

guardFdLeaks();

const te = new TextEncoder();
const enc = (s: string) => te.encode(s);
const LIMIT = 10_000;

const dir = mkdtempSync(path.join(tmpdir(), "sockit-file-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
let seq = 0;
/** A fresh path in this suite's temp dir (the file is not made). */
const freshPath = () => path.join(dir, `f${seq++}`);

/** The umask, read from /proc (process.umask() with no argument is deprecated). */
function umask(): number {
  const m = /^Umask:\s*([0-7]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? parseInt(m[1]!, 8) : 0o022;
}

/** The error `p` rejects with, bounded, asserting it is a PathError for `op` on `file`. */
async function pathErr(p: Promise<unknown>, op: string, file: string): Promise<PathError> {
  const err = await within(
    p.then(
      async (v) => {
        if (v instanceof File) await v.close();
        assert.fail(`${op} ${file} succeeded; an error was expected`);
      },
      (e: unknown) => e,
    ),
    LIMIT,
    `${op} ${file} to fail`,
  );
  assert.ok(err instanceof PathError, `expected a PathError, got ${String(err)}`);
  assert.equal(err.op, op);
  assert.equal(err.path, file);
  return err;
}

/** writeAll writes `data` through `f` in `chunk`-byte writes. */
async function writeAll(f: File, data: Uint8Array, chunk: number): Promise<void> {
  for (let off = 0; off < data.length; off += chunk) {
    const part = data.subarray(off, Math.min(off + chunk, data.length));
    assert.equal(await f.write(part), part.length);
  }
}

describe("regular files", () => {
  it("creates, writes and reads back 8 MiB (O_WRONLY|O_CREATE|O_TRUNC, then \"r\") while an interval keeps firing", async () => {
    const p = freshPath();
    const data = randomBytes(8 * 1024 * 1024);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      const w = await openFile(p, O_WRONLY | O_CREATE | O_TRUNC);
      try {
        assert.equal(w.name(), p);
        await within(writeAll(w, data, 64 * 1024), LIMIT, "8 MiB of writes");
      } finally {
        await w.close();
      }
      const r = await openFile(p, "r");
      try {
        const back = await within(readAll(r), LIMIT, "8 MiB of reads");
        assert.ok(back.equals(data), "the bytes read back are the bytes written");
        assert.equal(await r.read(new Uint8Array(16)), null, "end of file again");
      } finally {
        await r.close();
      }
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks >= 1, "the interval never fired: reads and writes blocked the event loop");
    assert.ok(readFileSync(p).equals(data), "what the kernel holds is what was written");
  });

  it("reading a 4 MiB file in 64 KiB reads gives fs.readFileSync's bytes; so does for await", async () => {
    const p = freshPath();
    writeFileSync(p, randomBytes(4 * 1024 * 1024 + 123));
    const want = readFileSync(p);
    const r = await openFile(p, O_RDONLY);
    try {
      const buf = new Uint8Array(64 * 1024);
      const parts: Buffer[] = [];
      for (let i = 0; i < 1000; i++) {
        const n = await r.read(buf);
        if (n === null) break;
        assert.ok(n > 0 && n <= buf.length);
        parts.push(Buffer.from(buf.subarray(0, n)));
      }
      assert.ok(Buffer.concat(parts).equals(want), "64 KiB reads");
    } finally {
      await r.close();
    }
    const r2 = await openFile(p, "r");
    try {
      const chunks: Uint8Array[] = [];
      for await (const c of r2) chunks.push(c);
      assert.ok(Buffer.concat(chunks).equals(want), "for await");
    } finally {
      await r2.close();
    }
  });

  it("O_APPEND appends each write to the end, across two Files", async () => {
    const p = freshPath();
    writeFileSync(p, "abc");
    const a = await openFile(p, O_WRONLY | O_APPEND);
    const b = await openFile(p, O_WRONLY | O_APPEND);
    try {
      await a.write(enc("def"));
      await b.write(enc("ghi"));
      await a.write(enc("jkl"));
    } finally {
      await a.close();
      await b.close();
    }
    assert.equal(readFileSync(p, "utf8"), "abcdefghijkl");
  });

  it("without O_APPEND or O_TRUNC a write overwrites from the start; O_TRUNC empties the file", async () => {
    const p = freshPath();
    writeFileSync(p, "0123456789");
    const w = await openFile(p, "w");
    await w.write(enc("ab"));
    await w.close();
    assert.equal(readFileSync(p, "utf8"), "ab23456789");
    const t = await openFile(p, O_WRONLY | O_TRUNC);
    await t.close();
    assert.equal(statSync(p).size, 0);
  });

  it("O_CREATE|O_EXCL on an existing file fails: open P: file exists; on a new path it creates", async () => {
    const p = freshPath();
    writeFileSync(p, "here");
    const err = await pathErr(openFile(p, O_WRONLY | O_CREATE | O_EXCL), "open", p);
    assert.equal(err.message, `open ${p}: file exists`);
    assert.ok(errorIs(err, new Errno(E.EEXIST!)));
    assert.equal(err.code, "EEXIST");
    assert.equal(readFileSync(p, "utf8"), "here", "untouched");
    const q = freshPath();
    const f = await openFile(q, O_RDWR | O_CREATE | O_EXCL | O_SYNC, { perm: 0o600 });
    await f.write(enc("new"));
    await f.close();
    assert.equal(readFileSync(q, "utf8"), "new");
  });

  it("perm is honoured, less the umask; the default is 0o666 less the umask", async () => {
    const mask = umask();
    for (const perm of [0o600, 0o640, 0o700]) {
      const p = freshPath();
      const f = await openFile(p, O_WRONLY | O_CREATE | O_EXCL, { perm });
      await f.close();
      assert.equal((statSync(p).mode & 0o777).toString(8), (perm & ~mask).toString(8), `perm ${perm.toString(8)}`);
    }
    const d = freshPath();
    await (await openFile(d, O_WRONLY | O_CREATE)).close();
    assert.equal((statSync(d).mode & 0o777).toString(8), (0o666 & ~mask).toString(8), "default perm");
  });

  it("takes no deadlines: file type does not support deadline (ErrNoDeadline)", async () => {
    const p = freshPath();
    writeFileSync(p, "x");
    const f = await openFile(p, "r");
    try {
      for (const set of [
        () => f.setDeadline(Date.now() + 1000),
        () => f.setReadDeadline(Date.now() + 1000),
        () => f.setWriteDeadline(null),
      ]) {
        assert.throws(set, (e: Error) => e === ErrNoDeadline && e.message === "file type does not support deadline");
      }
      assert.equal(await f.read(new Uint8Array(4)), 1, "and reads still work");
    } finally {
      await f.close();
    }
    assert.throws(() => f.setDeadline(null), (e: Error) => e === ErrFileClosing && e.message === "use of closed file");
  });

  it("reading a file opened write-only fails: read P: bad file descriptor", async () => {
    const p = freshPath();
    const f = await openFile(p, O_WRONLY | O_CREATE);
    try {
      const err = await pathErr(f.read(new Uint8Array(4)), "read", p);
      assert.equal(err.message, `read ${p}: bad file descriptor`);
      assert.ok(errorIs(err, new Errno(E.EBADF!)));
      assert.equal(await f.write(enc("still writable")), 14, "the failed read did not hold the File");
    } finally {
      await f.close();
    }
  });

  it("end of file is not sticky: after an append the next read gets the new bytes (as Go)", async () => {
    const p = freshPath();
    writeFileSync(p, "ab");
    const f = await openFile(p, "r");
    try {
      const buf = new Uint8Array(16);
      assert.equal(await f.read(buf), 2);
      assert.equal(await f.read(buf), null);
      writeFileSync(p, "abcd");
      assert.equal(await f.read(buf), 2);
      assert.equal(Buffer.from(buf.subarray(0, 2)).toString(), "cd");
    } finally {
      await f.close();
    }
  });

  it("writing a file opened \"r\" fails: write P: bad file descriptor; reading a directory: read P: is a directory", async () => {
    const p = freshPath();
    writeFileSync(p, "ro");
    const f = await openFile(p, "r");
    try {
      const err = await pathErr(f.write(enc("x")), "write", p);
      assert.equal(err.message, `write ${p}: bad file descriptor`);
      assert.equal(err.bytesWritten, 0);
    } finally {
      await f.close();
    }
    const d = await openFile(dir, "r");
    try {
      const err = await pathErr(d.read(new Uint8Array(8)), "read", dir);
      assert.equal(err.message, `read ${dir}: is a directory`);
      assert.ok(errorIs(err, new Errno(E.EISDIR!)));
    } finally {
      await d.close();
    }
  });

  it("a zero-length read and write resolve 0", async () => {
    const p = freshPath();
    writeFileSync(p, "abc");
    const f = await openFile(p, "rw");
    try {
      assert.equal(await f.read(new Uint8Array(0)), 0);
      assert.equal(await f.write(new Uint8Array(0)), 0);
    } finally {
      await f.close();
    }
  });

  it("calls after close fail in Go's words; fd() is -1", async () => {
    const p = freshPath();
    writeFileSync(p, "abc");
    const f = await openFile(p, "rw");
    assert.ok(f.fd() > 2);
    await f.close();
    assert.equal(f.fd(), -1);
    assert.equal((await pathErr(f.read(new Uint8Array(1)), "read", p)).message, `read ${p}: file already closed`);
    assert.equal((await pathErr(f.write(enc("x")), "write", p)).message, `write ${p}: file already closed`);
    const again = await pathErr(f.close(), "close", p);
    assert.equal(again.message, `close ${p}: file already closed`);
    assert.ok(errorIs(again, ErrFileClosed));
  });

  it("a close while a threadpool read is in flight settles that read (data or file already closed) and leaks nothing", async () => {
    const p = freshPath();
    writeFileSync(p, randomBytes(1024 * 1024));
    const f = await openFile(p, "r");
    const reading = f.read(new Uint8Array(1024 * 1024));
    await f.close();
    const outcome = await within(
      reading.then(
        (n) => ({ n }),
        (e: unknown) => ({ e }),
      ),
      LIMIT,
      "the in-flight read to settle",
    );
    if ("e" in outcome) {
      assert.ok(outcome.e instanceof PathError && errorIs(outcome.e, ErrFileClosed), `unexpected error ${String(outcome.e)}`);
    } else {
      assert.ok(typeof outcome.n === "number" && outcome.n > 0, `unexpected result ${String(outcome.n)}`);
    }
  });

  it("a missing path: open /nonexistent: no such file or directory (PathError, ENOENT)", async () => {
    const err = await pathErr(openFile("/nonexistent", "r"), "open", "/nonexistent");
    assert.equal(err.message, "open /nonexistent: no such file or directory");
    assert.ok(errorIs(err, new Errno(E.ENOENT!)));
    assert.equal(err.code, "ENOENT");
    assert.ok(err.err instanceof Errno);
  });

  it("bad flags, perm, timeout and path are TypeErrors", async () => {
    const p = freshPath();
    await assert.rejects(openFile(p, "x" as unknown as "r"), TypeError);
    await assert.rejects(openFile(p, 1.5), TypeError);
    await assert.rejects(openFile(p, O_WRONLY | O_CREATE, { perm: -1 }), TypeError);
    await assert.rejects(openFile(p, "r", { timeout: Number.NaN }), TypeError);
    await assert.rejects(openFile(p, "r", { deadline: "soon" as unknown as number }), TypeError);
    await assert.rejects(openFile(undefined as unknown as string, "r"), TypeError);
  });

  it("await using closes the File", async () => {
    const p = freshPath();
    writeFileSync(p, "x");
    let kept: File;
    {
      await using f = await openFile(p, "r");
      kept = f;
      assert.equal(await f.read(new Uint8Array(1)), 1);
    }
    assert.equal(kept.fd(), -1);
  });
});

describe("newFile", () => {
  it("adopts an open fd under the given name and closes it on close", async () => {
    const p = freshPath();
    writeFileSync(p, "adopted bytes");
    const fd = openSync(p, "r");
    const f = newFile(fd, "my file");
    assert.equal(f.name(), "my file");
    assert.equal(f.fd(), fd);
    assert.equal(Buffer.from(await readAll(f)).toString(), "adopted bytes");
    await f.close();
    assert.throws(() => fstatSync(fd), (e: NodeJS.ErrnoException) => e.code === "EBADF", "the File closed its fd");
    assert.equal((await pathErr(f.read(new Uint8Array(1)), "read", "my file")).message, "read my file: file already closed");
  });

  it("throws a TypeError for anything but an fd number, or a non-string name", () => {
    for (const bad of [Number.NaN, -1, 1.5, "3", undefined, null, 2 ** 31]) {
      assert.throws(() => newFile(bad as unknown as number, "x"), TypeError, `newFile(${String(bad)})`);
    }
    const fd = openSync("/dev/null", "r");
    try {
      assert.throws(() => newFile(fd, 5 as unknown as string), TypeError);
    } finally {
      closeSync(fd);
    }
  });

  it("an adopted character device (/dev/null): reads see EOF, writes go", async () => {
    const f = newFile(openSync("/dev/null", "r+"), "/dev/null");
    try {
      assert.equal(await f.read(new Uint8Array(4)), null);
      assert.equal(await f.write(enc("gone")), 4);
    } finally {
      await f.close();
    }
  });
});
