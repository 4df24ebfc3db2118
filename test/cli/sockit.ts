/**
 * Running the `sockit` command as a child process in tests: its output, its status, and a
 * kill after a time limit so that no test can hang on it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const mainJs = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

/** How a run of the command ended. */
export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A running command: the process, its end, and its output so far. */
export interface Running {
  p: ChildProcessWithoutNullStreams;
  done: Promise<Run>;
  stdout(): string;
  stderr(): string;
}

/**
 * sockit starts the command with `args`. `input` is written to stdin, which is then closed;
 * null leaves stdin open for the test. The command is killed (SIGKILL) after `limitMs`.
 */
export function sockit(args: string[], input: string | null = "", limitMs = 15_000): Running {
  const p = spawn(process.execPath, [mainJs, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  p.stdout.on("data", (d: Buffer) => (stdout += d.toString("latin1")));
  p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  // A command that exits before reading all its input makes the write fail with EPIPE.
  p.stdin.on("error", () => {});
  if (input !== null) p.stdin.end(input);
  const timer = setTimeout(() => p.kill("SIGKILL"), limitMs);
  const done = once(p, "close").then(([status]): Run => {
    clearTimeout(timer);
    return { status: status as number | null, stdout, stderr };
  });
  return { p, done, stdout: () => stdout, stderr: () => stderr };
}

/** waitFor polls until `f` returns a value other than null, for a child's output or a peer's. */
export async function waitFor<T>(f: () => T | null, what: string, ms = 5000): Promise<T> {
  for (let waited = 0; waited < ms; waited += 25) {
    const v = f();
    if (v !== null) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}
