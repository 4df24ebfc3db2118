/**
 * POSIX message queues (issue 9): mq.open, send, receive, attributes, iteration and unlink,
 * on the poll layer. Waits on an empty or full queue end on a message, a deadline, an abort
 * or a close, with the message neither taken nor added, and use no thread. Checked against
 * python3 through ctypes on librt's mq_open, mq_send and mq_receive, both ways.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { promises as fsp } from "node:fs";
import { spawnSync } from "node:child_process";
import { Worker } from "node:worker_threads";
import { mq, MessageQueue, PathError, errorIs, ErrDeadlineExceeded, ErrFileClosed } from "../../src/index.js";
import { guardFdLeaks, guardThreadLeaks, threadCount, openFds, PythonPeer, settle, within, otherUserSays, rejectsWithText } from "../helpers.js";

guardFdLeaks();
guardThreadLeaks();

const LIMIT = 10_000;
const te = new TextEncoder();
const td = new TextDecoder();
let seq = 0;

/** A fresh queue name, removed at the end of the process if a test leaves it. */
function qname(): string {
  const name = `/sockit-test-${process.pid}-${seq++}`;
  process.once("exit", () => {
    spawnSync("python3", ["-c", `import ctypes; ctypes.CDLL("librt.so.1").mq_unlink(${JSON.stringify(name)}.encode())`]);
  });
  return name;
}

/** A new queue of `maxMsg` messages of up to `msgSize` bytes; the caller closes and unlinks it. */
async function newQueue(maxMsg = 4, msgSize = 64): Promise<MessageQueue> {
  return mq.open(qname(), { create: true, exclusive: true, maxMsg, msgSize });
}

/** Closes and unlinks. */
async function drop(q: MessageQueue): Promise<void> {
  await q[Symbol.asyncDispose]();
  await mq.unlink(q.name()).catch(() => {});
}



/** python3 on librt through ctypes: "send NAME PRIO:TEXT..." or "recv NAME COUNT". */
const pyMQ = String.raw`
import ctypes, os, sys
rt = ctypes.CDLL("librt.so.1", use_errno=True)
class Attr(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_long), ("maxmsg", ctypes.c_long), ("msgsize", ctypes.c_long), ("curmsgs", ctypes.c_long), ("pad", ctypes.c_long * 4)]
rt.mq_open.restype = ctypes.c_int
rt.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
rt.mq_send.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint]
rt.mq_receive.restype = ctypes.c_ssize_t
rt.mq_receive.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_uint)]
verb, name = sys.argv[1], sys.argv[2].encode()
q = rt.mq_open(name, os.O_RDWR, 0, None)
if q < 0:
    print("error", ctypes.get_errno(), flush=True); sys.exit(1)
attr = Attr()
rt.mq_getattr(q, ctypes.byref(attr))
print("open", attr.maxmsg, attr.msgsize, flush=True)
if verb == "send":
    for m in sys.argv[3:]:
        prio, text = m.split(":", 1)
        if rt.mq_send(q, text.encode(), len(text), int(prio)) != 0:
            print("error", ctypes.get_errno(), flush=True); sys.exit(1)
    print("sent", flush=True)
else:
    buf = ctypes.create_string_buffer(attr.msgsize)
    prio = ctypes.c_uint()
    for _ in range(int(sys.argv[3])):
        n = rt.mq_receive(q, buf, attr.msgsize, ctypes.byref(prio))
        if n < 0:
            print("error", ctypes.get_errno(), flush=True); sys.exit(1)
        print("got", prio.value, buf.raw[:n].decode(), flush=True)
`;

describe("mq.open and mq.unlink", () => {
  it("creates a queue with the attributes asked for, opens it again, and unlink removes it", async () => {
    const name = qname();
    const q = await mq.open(name, { create: true, exclusive: true, maxMsg: 5, msgSize: 100 });
    assert.equal(q.name(), name);
    assert.deepEqual(q.attributes(), { maxMsg: 5, msgSize: 100, curMsgs: 0 });
    const again = await mq.open(name);
    assert.deepEqual(again.attributes(), { maxMsg: 5, msgSize: 100, curMsgs: 0 });
    await again.close();
    await rejectsWithText(mq.open(name, { create: true, exclusive: true }), `mq_open ${name}: file exists`);
    await mq.unlink(name);
    await rejectsWithText(mq.open(name), `mq_open ${name}: no such file or directory`);
    await rejectsWithText(mq.unlink(name), `mq_unlink ${name}: no such file or directory`);
    // Unlinked, the open queue still works until closed.
    await q.send(te.encode("still here"));
    assert.equal(q.attributes().curMsgs, 1);
    await q.close();
    await rejectsWithText(q.close(), `close ${name}: file already closed`);
  });

  it("bad names, sizes and options are TypeErrors", async () => {
    for (const bad of ["jobs", "/a/b", "/", "", "/.", "/..", "/" + "x".repeat(256), "/nul\0", 42]) {
      await assert.rejects(mq.open(bad as string), { name: "TypeError", code: "ERR_INVALID_ARG_TYPE" }, String(bad));
    }
    await assert.rejects(mq.unlink("no-slash"), { name: "TypeError" });
    await assert.rejects(mq.open(qname(), { create: true, maxMsg: 0 }), { name: "TypeError" });
    await assert.rejects(mq.open(qname(), { create: true, msgSize: 1.5 }), { name: "TypeError" });
    await assert.rejects(mq.open(qname(), { maxMsg: 4 }), /used with create/);
    await assert.rejects(mq.open(qname(), { exclusive: true }), /used with create/);
    await assert.rejects(mq.open(qname(), { create: true, mode: -1 }), { name: "TypeError" });
    await assert.rejects(mq.open(qname(), { access: "x" as "r" }), { name: "TypeError" });
  });

  it("sizes past the kernel's ceilings fail with the ceiling named", async () => {
    const name = qname();
    const err = await within(mq.open(name, { create: true, maxMsg: 100_000, msgSize: 64 }).then(
      () => assert.fail("opened"),
      (e: unknown) => e as PathError,
    ), LIMIT, "the open to fail");
    assert.match(err.message, new RegExp(`^mq_open ${name}: invalid argument \\(maxMsg 100000 is over /proc/sys/fs/mqueue/msg_max \\(\\d+; 65536 when privileged\\)\\)$`));
  });

  it("another user cannot open a 0600 queue: permission denied", async (t) => {
    const q = await newQueue();
    const said = otherUserSays(t, `s.mq.open(${JSON.stringify(q.name())})`);
    if (said !== null) assert.equal(said, `mq_open ${q.name()}: permission denied`);
    await drop(q);
  });
});

describe("send and receive", () => {
  it("delivers by priority, highest first, and in order within a priority", async () => {
    const q = await newQueue(8);
    for (const [p, m] of [[1, "low a"], [5, "high a"], [1, "low b"], [5, "high b"], [0, "zero"]] as const) await q.send(te.encode(m), { priority: p });
    assert.equal(q.attributes().curMsgs, 5);
    const buf = new Uint8Array(64);
    const got: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { n, priority } = await q.receive(buf);
      got.push(`${priority}:${td.decode(buf.subarray(0, n))}`);
    }
    assert.deepEqual(got, ["5:high a", "5:high b", "1:low a", "1:low b", "0:zero"]);
    await drop(q);
  });

  it("a message longer than msgSize is refused, not cut; so is a receive buffer smaller than msgSize", async () => {
    const q = await newQueue(4, 16);
    await rejectsWithText(q.send(new Uint8Array(17)), `mq_send ${q.name()}: message too long`);
    assert.equal(q.attributes().curMsgs, 0, "nothing added");
    await q.send(new Uint8Array(16).fill(7));
    await rejectsWithText(q.receive(new Uint8Array(15)), `mq_receive ${q.name()}: message too long`);
    assert.equal(q.attributes().curMsgs, 1, "nothing taken");
    const buf = new Uint8Array(16);
    assert.deepEqual(await q.receive(buf), { n: 16, priority: 0 });
    assert.deepEqual(buf, new Uint8Array(16).fill(7));
    await q.send(new Uint8Array(0));
    assert.deepEqual(await q.receive(buf), { n: 0, priority: 0 }, "an empty message is a message");
    await assert.rejects(q.send(te.encode("x"), { priority: 40000 }), { name: "TypeError" });
    await assert.rejects(q.send("text" as unknown as Uint8Array), { name: "TypeError" });
    await drop(q);
  });

  it("a receive on an empty queue waits for the next send, without a thread", async () => {
    const q = await newQueue();
    const base = threadCount();
    const buf = new Uint8Array(64);
    const pending = q.receive(buf);
    assert.equal(await settle(pending, 50), "pending");
    assert.equal(threadCount(), base, "no thread for a poll-layer wait");
    await q.send(te.encode("wake"), { priority: 2 });
    assert.deepEqual(await within(pending, LIMIT, "the receive"), { n: 4, priority: 2 });
    await drop(q);
  });

  it("a send on a full queue waits for room", async () => {
    const q = await newQueue(2);
    await q.send(te.encode("1"));
    await q.send(te.encode("2"));
    const pending = q.send(te.encode("3"));
    assert.equal(await settle(pending, 50), "pending");
    await q.receive(new Uint8Array(64));
    await within(pending, LIMIT, "the send");
    assert.equal(q.attributes().curMsgs, 2);
    await drop(q);
  });

  it("deadlines end waits with 'i/o timeout', adding and taking nothing", async () => {
    const q = await newQueue(1);
    q.setReadDeadline(Date.now() + 50);
    const t0 = Date.now();
    const err = await rejectsWithText(q.receive(new Uint8Array(64)), `mq_receive ${q.name()}: i/o timeout`);
    assert.ok(Date.now() - t0 >= 40);
    assert.ok(err.timeout());
    assert.ok(errorIs(err, ErrDeadlineExceeded));
    q.setReadDeadline(null);
    await q.send(te.encode("fill"));
    q.setWriteDeadline(Date.now() + 50);
    await rejectsWithText(q.send(te.encode("more")), `mq_send ${q.name()}: i/o timeout`);
    assert.equal(q.attributes().curMsgs, 1, "the timed-out send added nothing");
    q.setDeadline(null);
    const buf = new Uint8Array(64);
    const { n } = await q.receive(buf);
    assert.equal(td.decode(buf.subarray(0, n)), "fill");
    await drop(q);
  });

  it("an abort ends one wait alone, and the message is not taken", async () => {
    const q = await newQueue(1);
    const ac = new AbortController();
    const aborted = q.receive(new Uint8Array(64), { signal: ac.signal });
    const other = q.receive(new Uint8Array(64));
    assert.equal(await settle(aborted, 30), "pending");
    ac.abort();
    await rejectsWithText(aborted, `mq_receive ${q.name()}: operation was canceled`);
    await q.send(te.encode("for the other"));
    assert.equal((await within(other, LIMIT, "the other receive")).n, 13);
    await q.send(te.encode("full"));
    await rejectsWithText(q.send(te.encode("no"), { signal: AbortSignal.abort() }), `mq_send ${q.name()}: operation was canceled`);
    const ac2 = new AbortController();
    const blocked = q.send(te.encode("no room"), { signal: ac2.signal });
    assert.equal(await settle(blocked, 30), "pending");
    ac2.abort();
    await rejectsWithText(blocked, `mq_send ${q.name()}: operation was canceled`);
    assert.equal(q.attributes().curMsgs, 1, "the aborted sends added nothing");
    await drop(q);
  });

  it("close wakes waiting calls with 'file already closed', and later calls fail the same", async () => {
    const q = await newQueue(1);
    const pending = q.receive(new Uint8Array(64));
    assert.equal(await settle(pending, 30), "pending");
    await q.close();
    const err = await rejectsWithText(pending, `mq_receive ${q.name()}: file already closed`);
    assert.ok(errorIs(err, ErrFileClosed));
    await rejectsWithText(q.send(te.encode("x")), `mq_send ${q.name()}: file already closed`);
    assert.throws(() => q.attributes(), { message: `mq_getattr ${q.name()}: file already closed` });
    await mq.unlink(q.name());
  });

  it("iterates messages as they come, each a copy with its priority, until close", async () => {
    const q = await newQueue();
    const got: string[] = [];
    const loop = (async () => {
      for await (const { data, priority } of q) got.push(`${priority}:${td.decode(data)}`);
    })();
    const arrived = async (n: number) => {
      const until = Date.now() + LIMIT;
      while (got.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    };
    await q.send(te.encode("one"), { priority: 1 });
    await arrived(1);
    await q.send(te.encode("two"), { priority: 2 });
    await arrived(2);
    await q.close();
    await within(loop, LIMIT, "the loop to end at close");
    assert.deepEqual(got, ["1:one", "2:two"]);
    await mq.unlink(q.name());
  });

  it("8 waiting receives keep the event loop turning and the threadpool free", async () => {
    const qs = await Promise.all(Array.from({ length: 8 }, () => newQueue()));
    const base = threadCount();
    const waits = qs.map((q) => q.receive(new Uint8Array(64)));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    await new Promise((r) => setTimeout(r, 150));
    await within(fsp.readFile("/proc/self/status", "utf8"), 2000, "fs.readFile during 8 waits");
    clearInterval(timer);
    assert.ok(ticks >= 8, `a 5 ms timer fired ${ticks} times in 150 ms`);
    assert.equal(threadCount(), base);
    for (const q of qs) await q.send(te.encode("go"));
    await within(Promise.all(waits), LIMIT, "the 8 receives");
    for (const q of qs) await drop(q);
  });
});

describe("against python3 (ctypes on librt)", () => {
  it("python3 sends, sockit receives by priority; sockit sends, python3 receives", async () => {
    const q = await newQueue(8);
    const sender = new PythonPeer(pyMQ, ["send", q.name(), "1:first", "7:urgent", "1:second"]);
    assert.equal(await within(sender.ready, LIMIT, "python3"), "open 8 64");
    await sender.done();
    assert.deepEqual(sender.lines.slice(1), ["sent"]);
    const buf = new Uint8Array(64);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { n, priority } = await q.receive(buf);
      got.push(`${priority}:${td.decode(buf.subarray(0, n))}`);
    }
    assert.deepEqual(got, ["7:urgent", "1:first", "1:second"]);

    const receiver = new PythonPeer(pyMQ, ["recv", q.name(), "2"]);
    await within(receiver.ready, LIMIT, "python3");
    await new Promise((r) => setTimeout(r, 50)); // python3 now blocks in mq_receive
    await q.send(te.encode("to python"), { priority: 3 });
    await q.send(te.encode("again"), { priority: 4 });
    await within(receiver.done(), LIMIT, "python3 to receive");
    assert.deepEqual(receiver.lines.slice(1).sort(), ["got 3 to python", "got 4 again"].sort());
    await drop(q);
  });
});

describe("teardown with a receive pending", () => {
  it("process.exit with receives pending exits at once", async () => {
    const q = await newQueue();
    const index = new URL("../../src/index.js", import.meta.url).href;
    const code = [
      `const { mq } = await import(${JSON.stringify(index)});`,
      `const q = await mq.open(${JSON.stringify(q.name())});`,
      `for (let i = 0; i < 4; i++) q.receive(new Uint8Array(64));`,
      `setTimeout(() => process.exit(3), 100);`,
    ].join("\n");
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", code], { timeout: LIMIT });
    assert.equal(child.status, 3, String(child.stderr));
    assert.equal(q.attributes().curMsgs, 0);
    await drop(q);
  });

  it("a worker terminated while receiving closes its queue fd", async () => {
    const q = await newQueue();
    const fds = openFds();
    const index = new URL("../../src/index.js", import.meta.url).href;
    const code = [
      `import { parentPort } from "node:worker_threads";`,
      `import { mq } from ${JSON.stringify(index)};`,
      `const q = await mq.open(${JSON.stringify(q.name())});`,
      `q.receive(new Uint8Array(64)).then(() => parentPort.postMessage("took one"));`,
      `parentPort.postMessage("waiting");`,
    ].join("\n");
    const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`));
    assert.equal(await within(new Promise((r, j) => (w.once("message", r), w.once("error", j))), LIMIT, "the worker"), "waiting");
    await w.terminate();
    const until = Date.now() + LIMIT;
    while (openFds() > fds && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.ok(openFds() <= fds, "the worker's queue fd is closed");
    await q.send(te.encode("left"));
    assert.equal(q.attributes().curMsgs, 1, "the dead worker's receive took nothing");
    await drop(q);
  });
});
