/**
 * `sockit doctor`: what this machine offers sockit, one line each with the reason — found by
 * trying each thing for real (a listener, a raw socket, a queue, a lock), never by guessing
 * from the platform's name. Every probe uses loopback, abstract names or a private temp dir,
 * and cleans up after itself.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ListenConfig, listen, listenPacket, lockFile, mq, sem, syscall, type Listener } from "../index.js";
import { bindingError, coreFile } from "../sys/binding.js";
import { formatTable, oneLine } from "./table.js";

/** One line of the report. */
export interface Finding {
  what: string;
  ok: boolean;
  why: string;
}

/** probe runs one check: its value is the reason for "yes", its error the reason for "no". */
async function probe(what: string, check: () => Promise<string>): Promise<Finding> {
  try {
    return { what, ok: true, why: await check() };
  } catch (err) {
    return { what, ok: false, why: oneLine(err) };
  }
}

async function closeAll(...owners: (Listener | { close(): Promise<void> } | null)[]): Promise<void> {
  for (const o of owners) await o?.close().catch(() => {});
}

/** procSetting reads one number (or line) from /proc, or null. */
function proc(file: string): string | null {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return null;
  }
}

/** fdLimit reads the soft and hard limits of open files from /proc/self/limits. */
function fdLimit(): string {
  const limits = proc("/proc/self/limits");
  const m = limits === null ? null : /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  if (m === null) throw new Error("/proc/self/limits has no Max open files line");
  return `soft ${m[1]}, hard ${m[2]} (RLIMIT_NOFILE)`;
}

/**
 * findings runs every probe, in the order printed. `dir` is a private temp dir for the probes
 * that need a path.
 */
export async function findings(dir: string): Promise<Finding[]> {
  const tag = `sockit-doctor-${process.pid}`;
  return [
    await probe("native core", async () => {
      if (bindingError !== null) throw bindingError;
      const prebuilt = coreFile!.split(path.sep).includes("prebuilds");
      return `${prebuilt ? "prebuilt" : "built here"}: ${coreFile}`;
    }),
    await probe("IPv4", async () => {
      const ln = await listen("tcp4", "127.0.0.1:0");
      await ln.close();
      return `a tcp4 listener on ${ln.addr().toString()}`;
    }),
    await probe("IPv6", async () => {
      const ln = await listen("tcp6", "[::1]:0");
      await ln.close();
      return `a tcp6 listener on ${ln.addr().toString()}`;
    }),
    await probe("CAP_NET_RAW", async () => {
      const pc = await listenPacket("ip4:icmp", "127.0.0.1");
      await pc.close();
      return "raw IP sockets open (ip, ip4, ip6 networks)";
    }),
    await probe("abstract unix names", async () => {
      const ln = await listen("unix", `@${tag}`);
      await ln.close();
      return `a listener on @${tag}`;
    }),
    await probe("unixpacket", async () => {
      const ln = await listen("unixpacket", path.join(dir, "packet.sock"));
      await ln.close();
      return "SOCK_SEQPACKET unix sockets";
    }),
    await probe("SO_REUSEPORT", async () => {
      const lc = new ListenConfig({ reusePort: true });
      const a = await lc.listen("tcp", "127.0.0.1:0");
      const b = await lc.listen("tcp", a.addr().toString()).catch(async (err: unknown) => (await a.close(), Promise.reject(err)));
      await closeAll(a, b);
      return "two listeners shared one port";
    }),
    await probe("POSIX message queues", async () => {
      const name = `/${tag}`;
      const q = await mq.open(name, { create: true, exclusive: true, maxMsg: 1, msgSize: 8 });
      await q.close();
      await mq.unlink(name);
      const limits = ["msg_max", "msgsize_max", "queues_max"].map((k) => `${k} ${proc(`/proc/sys/fs/mqueue/${k}`) ?? "?"}`);
      return `a queue opened; limits ${limits.join(", ")}`;
    }),
    await probe("POSIX semaphores", async () => {
      const name = `/${tag}`;
      const s = await sem.open(name, { create: true, exclusive: true, value: 1 });
      await s.close();
      await sem.unlink(name);
      return "a named semaphore opened";
    }),
    await probe("OFD locks", async () => {
      const file = path.join(dir, "lock");
      writeFileSync(file, "");
      const lock = await lockFile(file, { kind: "ofd" });
      await lock.close();
      return "an open file description lock taken (F_OFD_SETLK)";
    }),
    await probe("vsock", async () => {
      const s = await syscall.socket(syscall.AF_VSOCK, syscall.SOCK_STREAM, 0);
      try {
        s.bind(new syscall.SockaddrVM({ cid: syscall.VMADDR_CID_ANY, port: syscall.VMADDR_PORT_ANY }));
      } finally {
        await s.close();
      }
      return "AF_VSOCK sockets bind (a peer needs a VM, or the vsock_loopback module)";
    }),
    await probe("open files", async () => fdLimit()),
    await probe("runtime", async () => `Node ${process.versions.node}, libuv ${process.versions.uv}, N-API ${process.versions.napi}, ${process.platform}-${process.arch}`),
  ];
}

/** doctor prints the report and resolves with 0 (what is missing is a finding, not a failure). */
export async function doctor(print: (line: string) => void): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), "sockit-doctor-"));
  try {
    const rows = (await findings(dir)).map((f) => [f.what, f.ok ? "yes" : "no", f.why]);
    for (const line of formatTable([{ header: "what" }, { header: "ok" }, { header: "why" }], rows)) print(line);
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
