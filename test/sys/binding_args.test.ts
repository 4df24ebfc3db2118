/**
 * The binding itself, called directly: misuse (a number that is not an exact integer in range, a
 * string where a number goes, a view of the wrong type) is a TypeError and never reaches a
 * syscall; the file family (pipe, mkfifo, open, dup, setNonblock, fstat, stat) and the
 * write/send split work against real pipes and FIFOs.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { binding } from "../../src/sys/binding.js";
import { C } from "../../src/sys/constants.js";
import { guardFdLeaks } from "../helpers.js";

guardFdLeaks();

const E = binding.errnos;
const dir = mkdtempSync(path.join(tmpdir(), "sockit-binding-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Not numbers, or numbers that are no exact 32-bit integer: each must be refused. */
const badInts: unknown[] = [NaN, 1.5, -0.5, "3", undefined, null, true, Infinity, -Infinity, 2 ** 31, -(2 ** 31) - 1, 3n];
/** Offsets and lengths: the same, plus negatives and integers past 2^53. */
const badSizes: unknown[] = [NaN, 1.5, "3", undefined, Infinity, -Infinity, -1, 2 ** 53 + 2, 3n];
/** Anything but a Uint8Array where a Uint8Array goes. */
const badBytes: unknown[] = [
  new Uint16Array(4),
  new Int8Array(4),
  new DataView(new ArrayBuffer(4)),
  new ArrayBuffer(4),
  [1, 2],
  "ab",
  undefined,
  null,
];

/** Calls a binding method with arguments the types forbid. */
function call(name: keyof typeof binding, ...args: unknown[]): unknown {
  return (binding[name] as (...a: unknown[]) => unknown)(...args);
}

/** Asserts that the call throws the binding's TypeError (ERR_INVALID_ARG_TYPE, "sockit: ..."). */
function refuses(name: keyof typeof binding, args: unknown[], what: string): void {
  assert.throws(
    () => call(name, ...args),
    (err: unknown) =>
      err instanceof TypeError &&
      (err as NodeJS.ErrnoException).code === "ERR_INVALID_ARG_TYPE" &&
      err.message.startsWith(`sockit: ${what} must be `),
    `${name}(${args.map((a) => describeArg(a)).join(", ")}) must throw a TypeError about ${what}`,
  );
}

function describeArg(a: unknown): string {
  if (typeof a === "bigint") return `${a}n`;
  if (typeof a === "string") return JSON.stringify(a);
  if (ArrayBuffer.isView(a) || a instanceof ArrayBuffer) return a.constructor.name;
  return String(a);
}

/** A fresh non-blocking pipe, as [read end, write end]. */
function pipe(): [number, number] {
  const out = new Int32Array(2);
  assert.equal(binding.pipe(out), 0);
  return [out[0]!, out[1]!];
}

function closeAll(...fds: number[]): void {
  for (const fd of fds) assert.equal(binding.close(fd), 0);
}

/** The file status flags of fd, from /proc (Linux); null where there is no /proc. */
function fdFlags(fd: number): number | null {
  const file = `/proc/self/fdinfo/${fd}`;
  if (!existsSync(file)) return null;
  const m = /^flags:\s+([0-7]+)$/m.exec(readFileSync(file, "utf8"));
  return m === null ? null : Number.parseInt(m[1]!, 8);
}

/** O_CLOEXEC as /proc/self/fdinfo reports it (Linux's value; the fdinfo check is Linux only). */
const fdinfoCloexec = 0o2000000;

function stat(fd: number): Float64Array {
  const out = new Float64Array(4);
  assert.equal(binding.fstat(fd, out), 0);
  return out;
}

/** Node's open (the one openFile uses): the fd, or -errno. */
function openFd(p: string, flags: number): number {
  try {
    return openSync(p, flags);
  } catch (err) {
    return (err as NodeJS.ErrnoException).errno ?? -E.EIO!;
  }
}

describe("argument checks", () => {
  it("refuses a bad fd, off or len for read, write and send, before any syscall", () => {
    const [r, w] = pipe();
    try {
      // A byte waits in the pipe: a read that got through would take it.
      assert.equal(binding.write(w, new Uint8Array([7]), 0, 1), 1);
      const buf = new Uint8Array(8);
      for (const name of ["read", "write", "send"] as const) {
        const fd = name === "read" ? r : w;
        for (const bad of badInts) refuses(name, [bad, buf, 0, 1], "fd");
        // r + 0.5 and w + 0.5 would truncate to a real fd of this pipe.
        refuses(name, [fd + 0.5, buf, 0, 1], "fd");
        for (const bad of badSizes) {
          refuses(name, [fd, buf, bad, 1], "off");
          refuses(name, [fd, buf, 0, bad], "len");
        }
        for (const bad of badBytes) refuses(name, [fd, bad, 0, 1], "buf");
        refuses(name, [fd, buf, 4, 5], "off + len");
      }
      // Nothing was read or written: exactly the one byte is still there.
      const got = new Uint8Array(8);
      assert.equal(binding.read(r, got, 0, got.length), 1);
      assert.equal(got[0], 7);
      assert.equal(binding.read(r, got, 0, got.length), -E.EAGAIN!);
    } finally {
      closeAll(r, w);
    }
  });

  it("refuses bad arguments to pipe, dup, setNonblock, fstat and stat", () => {
    for (const bad of [new Uint32Array(2), new Int32Array(1), new Float64Array(2), [0, 0], undefined, 3]) {
      refuses("pipe", [bad], "out");
    }
    const [r, w] = pipe();
    try {
      for (const bad of badInts) {
        refuses("dup", [bad], "fd");
        refuses("setNonblock", [bad, true], "fd");
        refuses("fstat", [bad, new Float64Array(4)], "fd");
      }
      for (const bad of [0, 1, "true", undefined, null]) refuses("setNonblock", [r, bad], "on");
      for (const bad of [new Float64Array(3), new Float32Array(4), new Int32Array(8), new BigInt64Array(4), undefined]) {
        refuses("fstat", [r, bad], "out");
        refuses("stat", [dir, bad], "out");
      }
      // A refused fstat wrote nothing.
      const out = new Float64Array(4).fill(-1);
      refuses("fstat", [r, out.subarray(1)], "out");
      assert.deepEqual([...out], [-1, -1, -1, -1]);
    } finally {
      closeAll(r, w);
    }
  });

  it("refuses a path that is not a string and bad modes for mkfifo and stat", () => {
    const fifo = path.join(dir, "refused");
    for (const bad of [undefined, null, 3, new Uint8Array([97]), Symbol("p")]) {
      refuses("mkfifo", [bad, 0o600], "path");
      refuses("stat", [bad, new Float64Array(4)], "path");
    }
    for (const bad of badInts) {
      refuses("mkfifo", [fifo, bad], "mode");
    }
    // The refused mkfifo calls made nothing.
    assert.equal(existsSync(fifo), false);
  });

  it("still takes exact integers, negative zero and integer-valued doubles", () => {
    const [r, w] = pipe();
    try {
      const buf = new Uint8Array([1, 2, 3]);
      assert.equal(binding.write(w, buf, -0, 3.0), 3);
      assert.equal(binding.read(r, new Uint8Array(8), 0, 8), 3);
      // A bad fd that is a valid integer is the kernel's business: -EBADF, no throw.
      assert.equal(binding.write(-1, buf, 0, 1), -E.EBADF!);
      assert.equal(binding.dup(2 ** 31 - 1), -E.EBADF!);
    } finally {
      closeAll(r, w);
    }
  });
});

describe("pipe, dup and setNonblock", () => {
  it("pipe makes a non-blocking, close-on-exec pair that carries bytes from out[1] to out[0]", () => {
    const [r, w] = pipe();
    try {
      assert.notEqual(r, w);
      const msg = new TextEncoder().encode("hello, pipe");
      assert.equal(binding.write(w, msg, 0, msg.length), msg.length);
      const got = new Uint8Array(64);
      assert.equal(binding.read(r, got, 2, 62), msg.length);
      assert.deepEqual(got.subarray(2, 2 + msg.length), msg);
      assert.equal(binding.read(r, got, 0, got.length), -E.EAGAIN!, "an empty non-blocking pipe");
      for (const fd of [r, w]) {
        const flags = fdFlags(fd);
        if (flags === null) continue;
        assert.ok(flags & C.O_NONBLOCK!, `fd ${fd} is O_NONBLOCK`);
        assert.ok(flags & fdinfoCloexec, `fd ${fd} is O_CLOEXEC`);
      }
      // The write end cannot be read, the read end cannot be written.
      assert.equal(binding.read(w, got, 0, 1), -E.EBADF!);
      assert.equal(binding.write(r, msg, 0, 1), -E.EBADF!);
    } finally {
      closeAll(r, w);
    }
  });

  it("read returns 0 at end of stream once the write end is closed", () => {
    const [r, w] = pipe();
    try {
      closeAll(w);
      assert.equal(binding.read(r, new Uint8Array(4), 0, 4), 0);
    } finally {
      closeAll(r);
    }
  });

  it("dup gives a distinct close-on-exec fd that reads the same pipe", () => {
    const [r, w] = pipe();
    const d = binding.dup(r);
    try {
      assert.ok(d >= 0, `dup: ${d}`);
      assert.notEqual(d, r);
      assert.notEqual(d, w);
      const flags = fdFlags(d);
      if (flags !== null) assert.ok(flags & fdinfoCloexec, "the dup is O_CLOEXEC");
      assert.equal(binding.write(w, new Uint8Array([1, 2]), 0, 2), 2);
      const got = new Uint8Array(1);
      assert.equal(binding.read(d, got, 0, 1), 1);
      assert.equal(got[0], 1);
      assert.equal(binding.read(r, got, 0, 1), 1);
      assert.equal(got[0], 2);
      // Closing the dup leaves the original open.
      closeAll(d);
      assert.equal(binding.read(r, got, 0, 1), -E.EAGAIN!);
      assert.equal(binding.dup(-1), -E.EBADF!);
    } finally {
      closeAll(r, w);
    }
  });

  it("setNonblock switches O_NONBLOCK, seen through every dup", () => {
    const [r, w] = pipe();
    const d = binding.dup(r);
    try {
      assert.equal(binding.setNonblock(r, false), 0);
      const off = fdFlags(d);
      if (off !== null) assert.equal(off & C.O_NONBLOCK!, 0, "cleared on the shared description");
      // Blocking now, but a read with data waiting still returns at once.
      assert.equal(binding.write(w, new Uint8Array([9]), 0, 1), 1);
      assert.equal(binding.read(r, new Uint8Array(1), 0, 1), 1);
      assert.equal(binding.setNonblock(d, true), 0);
      assert.equal(binding.setNonblock(d, true), 0, "idempotent");
      assert.equal(binding.read(r, new Uint8Array(1), 0, 1), -E.EAGAIN!);
      assert.equal(binding.setNonblock(-1, true), -E.EBADF!);
    } finally {
      closeAll(d, r, w);
    }
  });

  it("write works on sockets too, and send on a gone peer is -EPIPE without SIGPIPE", () => {
    const out = new Int32Array(2);
    assert.equal(binding.socketpair(C.AF_UNIX!, C.SOCK_STREAM!, 0, out), 0);
    const [a, b] = [out[0]!, out[1]!];
    try {
      const buf = new Uint8Array([1, 2, 3]);
      assert.equal(binding.write(a, buf, 0, 3), 3);
      assert.equal(binding.send(a, buf, 1, 2), 2);
      const got = new Uint8Array(8);
      assert.equal(binding.read(b, got, 0, 8), 5);
      assert.deepEqual([...got.subarray(0, 5)], [1, 2, 3, 2, 3]);
      closeAll(b);
      assert.equal(binding.send(a, buf, 0, 3), -E.EPIPE!);
    } finally {
      closeAll(a);
    }
  });

  it("send on a pipe is -ENOTSOCK where it is send(2) (MSG_NOSIGNAL)", { skip: !C.MSG_NOSIGNAL }, () => {
    const [r, w] = pipe();
    try {
      assert.equal(binding.send(w, new Uint8Array([1]), 0, 1), -E.ENOTSOCK!);
      assert.equal(binding.read(r, new Uint8Array(1), 0, 1), -E.EAGAIN!, "nothing was written");
    } finally {
      closeAll(r, w);
    }
  });
});

describe("fstat, stat, mkfifo and open", () => {
  it("fstat reports a pipe as S_IFIFO", () => {
    const [r, w] = pipe();
    try {
      for (const fd of [r, w]) assert.equal(stat(fd)[0]! & C.S_IFMT!, C.S_IFIFO);
      assert.equal(binding.fstat(-1, new Float64Array(4)), -E.EBADF!);
    } finally {
      closeAll(r, w);
    }
  });

  it("mkfifo makes a FIFO that stat reports as S_IFIFO with its mode", () => {
    const fifo = path.join(dir, "fifo-stat");
    assert.equal(binding.mkfifo(fifo, 0o600), 0);
    const out = new Float64Array(6).fill(-1);
    assert.equal(binding.stat(fifo, out), 0);
    assert.equal(out[0]! & C.S_IFMT!, C.S_IFIFO);
    const st = statSync(fifo, { bigint: true });
    assert.equal(BigInt(out[0]!), st.mode);
    assert.equal(out[0]! & 0o777 & ~0o600, 0, "no permission bits beyond the mode asked for");
    assert.equal(BigInt(out[1]!), st.dev);
    assert.equal(BigInt(out[2]!), st.ino);
    assert.equal(out[3], 0);
    assert.deepEqual([...out.subarray(4)], [-1, -1], "only four slots are written");
    assert.equal(binding.mkfifo(fifo, 0o600), -E.EEXIST!);
    assert.equal(binding.mkfifo(path.join(dir, "no", "such"), 0o600), -E.ENOENT!);
  });

  it("stat and fstat agree with Node on a regular file and a directory", () => {
    const file = path.join(dir, "regular");
    writeFileSync(file, "twelve bytes");
    const fd = openFd(file, C.O_RDONLY!);
    assert.ok(fd >= 0, `open: ${fd}`);
    try {
      const byFd = stat(fd);
      const byPath = new Float64Array(4);
      assert.equal(binding.stat(file, byPath), 0);
      assert.deepEqual([...byFd], [...byPath]);
      const st = statSync(file);
      assert.equal(byFd[0], st.mode);
      assert.equal(byFd[0]! & C.S_IFMT!, C.S_IFREG);
      assert.equal(byFd[2], st.ino);
      assert.equal(byFd[3], 12);
    } finally {
      closeAll(fd);
    }
    const out = new Float64Array(4);
    assert.equal(binding.stat(dir, out), 0);
    assert.equal(out[0]! & C.S_IFMT!, C.S_IFDIR);
    assert.equal(binding.stat(path.join(dir, "missing"), out), -E.ENOENT!);
  });

  it("a path past PATH_MAX is -ENAMETOOLONG and a path holding NUL is -EINVAL", () => {
    const long = "/" + "x".repeat(8192);
    const nul = path.join(dir, "a\0b");
    const out = new Float64Array(4);
    assert.equal(binding.stat(long, out), -E.ENAMETOOLONG!);
    assert.equal(binding.mkfifo(long, 0o600), -E.ENAMETOOLONG!);
    assert.equal(binding.mkfifo(nul, 0o600), -E.EINVAL!);
    assert.equal(binding.stat(nul, out), -E.EINVAL!);
    assert.equal(existsSync(path.join(dir, "a")), false, "nothing was made at the name before the NUL");
  });

  it("a non-ASCII path is passed as UTF-8", () => {
    const fifo = path.join(dir, "fïfo-€");
    assert.equal(binding.mkfifo(fifo, 0o600), 0);
    assert.ok(statSync(fifo).isFIFO());
  });

  it("a FIFO opened O_WRONLY|O_NONBLOCK with no reader is ENXIO (what openFile retries); with a reader it carries bytes", () => {
    const fifo = path.join(dir, "fifo-open");
    assert.equal(binding.mkfifo(fifo, 0o600), 0);
    assert.equal(openFd(fifo, C.O_WRONLY! | C.O_NONBLOCK!), -E.ENXIO!);
    const r = openFd(fifo, C.O_RDONLY! | C.O_NONBLOCK!);
    assert.ok(r >= 0, `open for reading: ${r}`);
    try {
      const w = openFd(fifo, C.O_WRONLY! | C.O_NONBLOCK!);
      assert.ok(w >= 0, `open for writing: ${w}`);
      try {
        assert.equal(stat(w)[0]! & C.S_IFMT!, C.S_IFIFO);
        assert.equal(binding.write(w, new Uint8Array([4, 2]), 0, 2), 2);
        const got = new Uint8Array(4);
        assert.equal(binding.read(r, got, 0, 4), 2);
        assert.deepEqual([...got.subarray(0, 2)], [4, 2]);
      } finally {
        closeAll(w);
      }
      assert.equal(binding.read(r, new Uint8Array(4), 0, 4), 0, "end of stream once the writer closed");
    } finally {
      closeAll(r);
    }
  });
});

describe("layout constants", () => {
  it("exports the file constants and the SK_ layout facts", () => {
    for (const name of ["O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE", "O_CREAT", "O_EXCL", "O_TRUNC", "O_APPEND",
      "O_SYNC", "O_NONBLOCK", "O_CLOEXEC", "O_NOCTTY", "S_IFMT", "S_IFIFO", "S_IFCHR", "S_IFSOCK", "S_IFREG",
      "S_IFDIR", "S_IFBLK", "S_IFLNK", "PIPE_BUF", "SK_SOCKADDR_UN_SIZE", "SK_SOCKADDR_STORAGE_SIZE",
      "SK_RECVMSG_FROM_SIZE", "SK_SIZEOF_INT", "SK_LITTLE_ENDIAN"]) {
      assert.equal(typeof C[name], "number", name);
    }
    const slots = ["FAMILY", "ADDRLEN", "PORT", "SCOPE", "FLAGS", "OOBN", "N", "COUNT"].map((s) => C[`SK_RECVMSG_INFO_${s}`]);
    assert.deepEqual(slots, [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(C.SK_MMSG_MAX, 64);
    assert.equal(C.SK_RECVMSG_FROM_SIZE, C.SK_SOCKADDR_UN_SIZE);
    assert.equal(C.SK_SIZEOF_INT, 4);
    assert.equal(C.SK_LITTLE_ENDIAN, new Uint8Array(new Uint16Array([1]).buffer)[0]);
    assert.ok(C.SK_SOCKADDR_STORAGE_SIZE! >= C.SK_SOCKADDR_UN_SIZE!);
    if (process.platform === "linux") {
      assert.equal(C.SK_SOCKADDR_UN_SIZE, 110);
      assert.equal(C.PIPE_BUF, 4096);
      assert.deepEqual(
        [C.SK_IP_MREQN_SIZE, C.SK_IP_MREQN_MULTIADDR, C.SK_IP_MREQN_ADDRESS, C.SK_IP_MREQN_IFINDEX],
        [12, 0, 4, 8],
      );
    }
  });

  it("recvmsg takes a `from` of exactly SK_RECVMSG_FROM_SIZE bytes and refuses one byte less", () => {
    const out = new Int32Array(2);
    assert.equal(binding.socketpair(C.AF_UNIX!, C.SOCK_DGRAM!, 0, out), 0);
    const [a, b] = [out[0]!, out[1]!];
    try {
      const info = new Int32Array(C.SK_RECVMSG_INFO_COUNT!);
      const buf = new Uint8Array(8);
      refuses("recvmsg", [b, buf, 0, 8, null, 0, new Uint8Array(C.SK_RECVMSG_FROM_SIZE! - 1), info], "from");
      const full = new Uint8Array(C.SK_RECVMSG_FROM_SIZE!);
      refuses("recvmsg", [b, buf, 0, 8, null, 0, full, info.subarray(1)], "info");
      const from = new Uint8Array(C.SK_RECVMSG_FROM_SIZE!);
      for (const bad of badInts) refuses("recvmsg", [b, buf, 0, 8, null, bad, from, info], "flags");
      assert.equal(binding.sendmsg(a, new Uint8Array([5, 6, 7]), 0, 3, null, null), 3);
      assert.equal(binding.recvmsg(b, buf, 0, 8, null, 0, from, info), 3);
      assert.deepEqual([...buf.subarray(0, 3)], [5, 6, 7]);
      assert.equal(info[C.SK_RECVMSG_INFO_OOBN!], 0);
      assert.equal(info[C.SK_RECVMSG_INFO_FLAGS!], 0);
    } finally {
      closeAll(a, b);
    }
  });
});
