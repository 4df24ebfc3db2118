/**
 * Worker teardown (issue 7): every fd that sockit objects own inside a worker_thread is closed
 * when the worker goes away, whether it is terminated with a call pending, terminated idle, or
 * exits by itself, so that peers see end of stream and the process keeps no fd. No JavaScript
 * runs at a worker's teardown: the native core's per-environment record of the fds it owns
 * (native/env.c) does the closing. The peers are Node's own `net`, an independent
 * implementation, owned by the main thread.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { closeSync, fstatSync, openSync, readlinkSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { guardFdLeaks, openFds } from "../helpers.js";

guardFdLeaks();

const index = new URL("../../src/index.js", import.meta.url).href;

/** Workers started at once: enough to overlap teardowns, few enough for two CPUs. */
const batch = 20;

/** The longest wait for peers to see EOF, or for the fd count to come back, after a batch. */
const settleMs = 5000;

/**
 * A worker running `body` as an ES module (a data: URL, so no temp file), with `sockit` and
 * `parentPort` in scope. The body posts one message once its fds are set up.
 */
function spawnWorker(body: string, workerData: unknown): Worker {
  const code = [
    `import { parentPort, workerData } from "node:worker_threads";`,
    `import * as sockit from ${JSON.stringify(index)};`,
    body,
  ].join("\n");
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), { workerData });
}

/** The first message a worker posts; rejects if it fails or exits first. */
function firstMessage<T>(w: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    w.once("message", resolve);
    w.once("error", reject);
    w.once("exit", (code) => reject(new Error(`worker exited (${code}) before it was ready`)));
  });
}

/** Resolves once `done()` holds, or after `ms` with whatever it then says. */
async function waitUntil(done: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!done() && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
}

/** A Node `net` server on loopback that counts the connections it accepted and their EOFs. */
interface Peer {
  readonly address: string;
  accepted: number;
  /** Connections that saw end of stream ('end': a FIN, not a reset). */
  ended: number;
  /** Server-side sockets not yet closed. */
  readonly open: Set<net.Socket>;
  close(): Promise<void>;
}

async function nodePeer(): Promise<Peer> {
  const open = new Set<net.Socket>();
  const server = net.createServer((s) => {
    peer.accepted++;
    open.add(s);
    s.on("end", () => peer.ended++);
    s.on("error", () => {});
    s.on("close", () => open.delete(s));
    s.resume();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  const peer: Peer = {
    address: `127.0.0.1:${port}`,
    accepted: 0,
    ended: 0,
    open,
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return peer;
}

/**
 * Runs `total` workers of `body` in batches; each dials `peer` and posts "ready", then is
 * terminated (or, when `terminate` is false, left to exit by itself). Returns how many of
 * the peer's connections saw EOF, and the fds the process holds beyond `start` afterwards.
 */
async function runDialers(
  peer: Peer,
  body: string,
  total: number,
  terminate: boolean,
): Promise<{ ended: number; accepted: number; extraFds: number }> {
  const start = openFds();
  const accepted0 = peer.accepted;
  const ended0 = peer.ended;
  for (let done = 0; done < total; done += batch) {
    const n = Math.min(batch, total - done);
    const workers = Array.from({ length: n }, () => spawnWorker(body, { address: peer.address }));
    const exits = workers.map((w) => new Promise((r) => w.once("exit", r)));
    await Promise.all(workers.map((w) => firstMessage(w)));
    if (terminate) await Promise.all(workers.map((w) => w.terminate()));
    await Promise.all(exits);
    const want = done + n;
    await waitUntil(() => peer.ended - ended0 >= want, settleMs);
  }
  await waitUntil(() => peer.open.size === 0 && openFds() <= start, settleMs);
  return { ended: peer.ended - ended0, accepted: peer.accepted - accepted0, extraFds: openFds() - start };
}

/** The worker side of a dialer: a tcp conn to the main thread's peer, and maybe a read. */
function dialer(pendingRead: boolean, stayAlive: boolean): string {
  return `
    const c = await sockit.dial("tcp", workerData.address);
    ${pendingRead ? "c.read(new Uint8Array(64)).catch(() => {});" : ""}
    // One turn of the loop, so that a pending read has parked on its poll handle.
    await new Promise((r) => setImmediate(r));
    ${stayAlive ? 'parentPort.on("message", () => {});' : ""}
    parentPort.postMessage("ready");
  `;
}

it("a worker terminated with a read pending closes its conn: each of 100 peers sees EOF", async () => {
  const peer = await nodePeer();
  try {
    const r = await runDialers(peer, dialer(true, true), 100, true);
    assert.equal(r.accepted, 100);
    assert.deepEqual({ ended: r.ended, extraFds: r.extraFds }, { ended: 100, extraFds: 0 },
      `${r.ended} of 100 peers saw EOF; ${r.extraFds} fds left open in the process`);
  } finally {
    await peer.close();
  }
});

it("a worker terminated idle closes its conn: each of 100 peers sees EOF", async () => {
  const peer = await nodePeer();
  try {
    const r = await runDialers(peer, dialer(false, true), 100, true);
    assert.equal(r.accepted, 100);
    assert.deepEqual({ ended: r.ended, extraFds: r.extraFds }, { ended: 100, extraFds: 0 },
      `${r.ended} of 100 peers saw EOF; ${r.extraFds} fds left open in the process`);
  } finally {
    await peer.close();
  }
});

it("a worker that exits by itself with an idle conn open closes it: each of 10 peers sees EOF", async () => {
  const peer = await nodePeer();
  try {
    const r = await runDialers(peer, dialer(false, false), 10, false);
    assert.deepEqual({ ended: r.ended, extraFds: r.extraFds }, { ended: 10, extraFds: 0 },
      `${r.ended} of 10 peers saw EOF; ${r.extraFds} fds left open in the process`);
  } finally {
    await peer.close();
  }
});

/**
 * The worker side of the every-kind case: one fd from each call that makes one (socket for a
 * listener and a dial, accept, socketpair, pipe, dup through `file()`, openFile through Node's
 * fs.open, and newFile of an fd received with SCM_RIGHTS), with an accept and a pipe read
 * pending. It posts its listener's address and, per fd, the number and what /proc/self/fd
 * says it is, so the main thread can tell the fd was closed even if the number has been
 * handed out again since.
 */
const everyKind = `
  const { readlinkSync } = await import("node:fs");
  const ln = await sockit.listen("tcp", "127.0.0.1:0");
  const acc = ln.accept();
  const c = await sockit.dial("tcp", ln.addr().toString());
  const s = await acc;
  ln.accept().catch(() => {});
  const [r, w] = await sockit.pipe();
  r.read(new Uint8Array(64)).catch(() => {});
  const [a, b] = await sockit.socketpair("unix");
  const dup = c.file();
  const opened = await sockit.openFile("/dev/null", "r");
  // The received fd is the kernel's copy of w's, owned by nobody until newFile adopts it.
  await a.writeMsg(new Uint8Array([1]), sockit.unixRights(w.fd()), null);
  const oob = new Uint8Array(sockit.oobSpace(1));
  const m = await b.readMsg(new Uint8Array(1), oob);
  const [got] = sockit.parseUnixRights(sockit.parseControlMessages(oob, m.oobn)[0]);
  const adopted = sockit.newFile(got, "received");
  const owners = [ln, c, s, r, w, a, b, dup, opened, adopted];
  const fds = owners.map((o) => [o.fd(), readlinkSync("/proc/self/fd/" + o.fd())]);
  await new Promise((r) => setImmediate(r));
  parentPort.on("message", () => {});
  parentPort.postMessage({ address: ln.addr().toString(), fds });
`;

/** Whether fd `n` still names `target` (the same socket or pipe inode, or path). */
function stillOpen(n: number, target: string): boolean {
  try {
    return readlinkSync(`/proc/self/fd/${n}`) === target;
  } catch {
    return false;
  }
}

/** Whether a Node `net` connect to `address` is refused (no listener left there). */
function refused(address: string): Promise<boolean> {
  const [host, port] = address.split(":");
  return new Promise((resolve) => {
    const s = net.connect(Number(port), host);
    s.on("connect", () => {
      s.destroy();
      resolve(false);
    });
    s.on("error", (err: NodeJS.ErrnoException) => resolve(err.code === "ECONNREFUSED"));
  });
}

it("a terminated worker closes every kind of fd it owned: listener, dial, accept, socketpair, pipe, dup, openFile, newFile", async () => {
  const start = openFds();
  const left: string[] = [];
  const answering: string[] = [];
  {
    const workers = Array.from({ length: batch / 2 }, () => spawnWorker(everyKind, null));
    const exits = workers.map((w) => new Promise((r) => w.once("exit", r)));
    const infos = await Promise.all(
      workers.map((w) => firstMessage<{ address: string; fds: [number, string][] }>(w)),
    );
    for (const info of infos) assert.equal(info.fds.length, 10);
    await Promise.all(workers.map((w) => w.terminate()));
    await Promise.all(exits);
    for (const info of infos) {
      for (const [n, target] of info.fds) if (stillOpen(n, target)) left.push(`${n} (${target})`);
      if (!(await refused(info.address))) answering.push(info.address);
    }
  }
  await waitUntil(() => openFds() <= start, settleMs);
  assert.deepEqual({ left, answering }, { left: [], answering: [] },
    `${left.length} of 100 fds still open, ${answering.length} of 10 listeners still answering`);
  assert.ok(openFds() <= start, `${openFds() - start} fds left open in the process`);
});

/**
 * Node's fs keeps the fds fs.open returns on a list and, in a worker, closes the ones still
 * listed at the worker's end. openFile's fd was closed by sockit, out of Node's sight, so Node
 * used to close the number again at teardown: by then it named the main thread's own file.
 */
it("regression: a worker's closed openFile does not close another thread's fd at the worker's end", async () => {
  const w = spawnWorker(`
    const f = await sockit.openFile("/dev/null", "r");
    const n = f.fd();
    await f.close();
    parentPort.on("message", () => {});
    parentPort.postMessage(n);
  `, null);
  const exited = new Promise((r) => w.once("exit", r));
  const n = await firstMessage<number>(w);
  // Take the lowest free numbers until the worker's old one is ours (it is free now).
  const mine: number[] = [];
  try {
    for (let i = 0; i < 64 && !mine.includes(n); i++) mine.push(openSync("/dev/null", "r"));
    assert.ok(mine.includes(n), `fd ${n} was not handed out again`);
    await w.terminate();
    await exited;
    assert.doesNotThrow(() => fstatSync(n), `the worker's end closed fd ${n}, which the main thread had opened`);
  } finally {
    for (const fd of mine) {
      try {
        closeSync(fd);
      } catch {
        // Closed by the bug under test; the assertion above says so.
      }
    }
  }
});
