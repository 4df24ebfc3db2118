/**
 * The tour's round trips over the IPC stops: an anonymous pipe pair (Go's os.Pipe) and a
 * named pipe (mkfifo). A message goes out through one pipe, an echo task copies it back
 * through a second one, and end of file follows each writer's close.
 */
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { mkfifo, openFile, pipe, type File } from "../index.js";
import { expectSame, ioTimeout, type TripResult, type TripScope } from "./trip.js";

/** The name of a File, shown where the network stops show an address. */
function named(f: File): { toString(): string } {
  const name = f.name();
  return { toString: () => name };
}

/**
 * echoTrip writes a message into `out`, lets an echo copy `echoIn` to `echoOut`, reads the
 * echo from `back`, then closes the writers in turn and expects end of file on both readers.
 */
async function echoTrip(out: File, echoIn: File, echoOut: File, back: File, what: string): Promise<number> {
  for (const f of [out, echoIn, echoOut, back]) f.setDeadline(Date.now() + ioTimeout);
  const echo = (async () => {
    for await (const chunk of echoIn) await echoOut.write(chunk);
    await echoOut.close();
  })();
  echo.catch(() => {});
  const rttMs = await echoed(out, back, `hello over ${what}`);
  await out.close();
  await echo;
  await expectEOF(back);
  return rttMs;
}

/**
 * echoed writes `text` into `out` and reads its echo, whole, from `back`; it returns the
 * milliseconds from the write to the echo's last byte, and throws if the echo differs or ends
 * short. Shared by the pipe, FIFO and child-process stops.
 */
export async function echoed(out: File, back: File, text: string): Promise<number> {
  const msg = new TextEncoder().encode(text);
  const t0 = performance.now();
  await out.write(msg);
  const buf = new Uint8Array(msg.length);
  let got = 0;
  while (got < msg.length) {
    const n = await back.read(buf.subarray(got));
    if (n === null) throw new Error(`end of file after ${got} of ${msg.length} echoed bytes`);
    got += n;
  }
  const rttMs = performance.now() - t0;
  expectSame(msg, buf);
  return rttMs;
}

/** expectEOF throws unless `f`'s next read is end of file (its writers have all closed). */
export async function expectEOF(f: File): Promise<void> {
  if ((await f.read(new Uint8Array(1))) !== null) throw new Error("expected end of file after the echo");
}

/** pipeTrip round-trips a message through two pipes: "|1" → "|0", echoed back. */
export async function pipeTrip(_network: string, _address: string, scope: TripScope): Promise<TripResult> {
  const [r1, w1] = (await pipe()).map((f) => scope.use(f)) as [File, File];
  const [r2, w2] = (await pipe()).map((f) => scope.use(f)) as [File, File];
  const rttMs = await echoTrip(w1, r1, w2, r2, "a pipe");
  return { local: named(w1), remote: named(r1), rttMs };
}

/**
 * fifoTrip round-trips a message through two FIFOs made in `dir` (the stop's address): each
 * writer's open waits for its reader, as in Go, without blocking the event loop.
 */
export async function fifoTrip(_network: string, dir: string, scope: TripScope): Promise<TripResult> {
  const [there, back] = [join(dir, "there.fifo"), join(dir, "back.fifo")];
  await mkfifo(there, 0o600);
  await mkfifo(back, 0o600);
  const open = async (path: string, flag: "r" | "w") => scope.use(await openFile(path, flag, { timeout: ioTimeout }));
  const [thereR, backR] = [await open(there, "r"), await open(back, "r")];
  const [thereW, backW] = [await open(there, "w"), await open(back, "w")];
  const rttMs = await echoTrip(thereW, thereR, backW, backR, "a FIFO");
  return { local: named(thereW), remote: named(thereR), rttMs };
}
