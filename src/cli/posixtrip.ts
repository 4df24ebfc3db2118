/**
 * What the tour's stops over named POSIX objects share (the message queue, semaphore and
 * shared-memory stops): a name that is removed at the end of the stop whatever happens, a
 * child `node` running a script over sockit's own index, and the lines it says on stdout.
 */
import { command, sem, type Cmd, type Errno, type File, type PathError, type Semaphore } from "../index.js";
import { Child } from "./exectrip.js";
import { SkipStop, ioTimeout, type TripScope } from "./trip.js";

/**
 * Named removes one named object (a queue, a semaphore, a segment) once: when the stop says
 * so with {@link Named.remove}, or else when the stop's scope closes, on failure or timeout.
 */
export class Named implements AsyncDisposable {
  #removed = false;

  constructor(
    readonly name: string,
    readonly unlink: (name: string) => Promise<void>,
  ) {}

  /** remove unlinks the name, the first time it is called. */
  async remove(): Promise<void> {
    if (this.#removed) return;
    this.#removed = true;
    await this.unlink(this.name);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.remove();
  }
}

/**
 * created opens a new object named `name` with `open` (which must create it exclusively, so
 * that no one else's object is ever unlinked) and registers it in `scope` to be closed, and
 * then its name unlinked, when the scope closes. It returns the object and its {@link Named}.
 * An open that fails with ENOSYS skips the stop: there are no such objects here.
 */
export async function created<T extends AsyncDisposable>(
  scope: TripScope,
  name: string,
  what: string,
  open: (name: string) => Promise<T>,
  unlink: (name: string) => Promise<void>,
): Promise<[T, Named]> {
  const obj = await open(name).catch((err: unknown) => skipNoSys(err, what));
  // No await between the open and these: the scope holds the name from its creation on.
  const named = scope.use(new Named(name, unlink));
  return [scope.use(obj), named];
}

/**
 * createdSem makes the semaphore `name` at 0 for a stop, exclusively, through {@link created}:
 * closed (which ends its waits) and unlinked when the scope closes.
 */
export function createdSem(scope: TripScope, name: string): Promise<[Semaphore, Named]> {
  const open = (n: string) => sem.open(n, { create: true, exclusive: true, value: 0 });
  return created(scope, name, "POSIX semaphores", open, sem.unlink);
}

/** skipNoSys turns an ENOSYS from an open into a skipped stop: `what` is not on this system. */
export function skipNoSys(err: unknown, what: string): never {
  const code = ((err as PathError).err as Errno | undefined)?.code;
  if (code === "ENOSYS") throw new SkipStop(`no ${what} on this system (ENOSYS; ${process.platform})`);
  throw err;
}

/** The URL of sockit's built index.js, which a child script imports. */
const index = new URL("../index.js", import.meta.url).href;

/**
 * The lines every child script starts with: `say` writes one line to stdout in one write,
 * `fail` says "error: MESSAGE" and sets exit status 1, and `sockit` is the imported index.
 */
const prelude = `
const say = (line) => process.stdout.write(line + "\\n");
const fail = (err) => { say("error: " + err.message); process.exitCode = 1; };
const sockit = await import(process.argv[1]);
const args = process.argv.slice(2);
const timeout = ${ioTimeout};
`;

/**
 * NodeChild is a child `node --input-type=module -e SCRIPT INDEX ARGS...`, killed and waited
 * for when the stop's scope closes, with its stdout read line by line. `script` runs after
 * {@link prelude} (so it has `say`, `fail`, `sockit`, `args` and `timeout`).
 */
export class NodeChild {
  readonly child: Child;
  readonly lines: Lines;

  constructor(scope: TripScope, script: string, ...args: string[]) {
    this.child = scope.use(new Child(command(process.execPath, "--input-type=module", "-e", prelude + script, index, ...args)));
    this.lines = new Lines(scope.use(this.child.cmd.stdoutPipe()));
  }

  get cmd(): Cmd {
    return this.child.cmd;
  }

  /** The child's pid, once started. */
  get pid(): number {
    return this.child.cmd.process!.pid;
  }

  /** start starts the child and sets the stdout deadline the stop's reads go by. */
  async start(): Promise<void> {
    await this.child.cmd.start();
    this.lines.f.setDeadline(Date.now() + ioTimeout);
  }

  /** says reads the child's next line and throws unless it is `want`. */
  async says(want: string): Promise<void> {
    const got = await this.lines.next();
    if (got !== want) throw await this.#unexpected(got, want);
  }

  /**
   * unlessFails waits for `p` (the tour's side of a handoff) while the child is to say `want`
   * (having done its side): it rejects at once if the child says anything else or exits
   * first, with the child's words, rather than waiting out `p`'s timeout. It resolves with
   * `p`'s value once the child has said `want` too.
   */
  async unlessFails<T>(p: Promise<T>, want: string): Promise<T> {
    const said = this.says(want);
    const either = await Promise.race([p.then((v) => ({ v })), said.then(() => null)]);
    if (either === null) return p;
    await said;
    return either.v;
  }

  /** done expects end of file from the child's stdout and then its exit with status 0. */
  async done(): Promise<void> {
    const more = await this.lines.next();
    if (more !== null) throw await this.#unexpected(more, "nothing more");
    // Read to the end before waiting: wait closes stdout once the child has exited (as in Go).
    await this.child.wait();
  }

  async #unexpected(got: string | null, want: string): Promise<Error> {
    if (got !== null) return new Error(`the child (pid ${this.pid}) said ${JSON.stringify(got)}, not "${want}"`);
    const status = await this.child.wait().then(
      () => "exit status 0",
      (err: Error) => err.message,
    );
    return new Error(`the child (pid ${this.pid}) ended (${status}) without saying "${want}"`);
  }
}

/** Lines reads a File line by line ("\n"), however the lines fall into reads. */
export class Lines {
  #text = "";
  #eof = false;
  readonly #decoder = new TextDecoder();
  readonly #buf = new Uint8Array(512);

  constructor(readonly f: File) {}

  /** next resolves with the next line, without its "\n" (a last line may lack one), or null at end of file. */
  async next(): Promise<string | null> {
    for (;;) {
      const nl = this.#text.indexOf("\n");
      if (nl >= 0) {
        const line = this.#text.slice(0, nl);
        this.#text = this.#text.slice(nl + 1);
        return line;
      }
      if (this.#eof) {
        const rest = this.#text;
        this.#text = "";
        return rest === "" ? null : rest;
      }
      const n = await this.f.read(this.#buf);
      if (n === null) this.#eof = true;
      else this.#text += this.#decoder.decode(this.#buf.subarray(0, n), { stream: true });
    }
  }
}
