/**
 * os/exec's texts and syscall.Signal's names, sockit against Go 1.19 itself: one Go program runs each case and prints
 * `name<TAB>text`, the same cases run through sockit, and every line must match byte for byte.
 * Skips with a message where the go tool is missing.
 */
import { before, after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { command, type Cmd } from "../../src/ipc/exec.js";
import { signalName } from "../../src/ipc/signame.js";
import { ProcPeer } from "../net/interop_peers.js";
import { buildGo, haveGo, type GoProgram } from "../net/gointerop_peer.js";
import { within } from "../helpers.js";

const GO_SOURCE = String.raw`package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

func show(name string, err error) {
	if err == nil {
		fmt.Printf("%s\t<nil>\n", name)
		return
	}
	fmt.Printf("%s\t%s\n", name, strings.ReplaceAll(err.Error(), "\n", "\\n"))
}

func main() {
	dir := os.Args[1]
	show("not-found", exec.Command("sockit-no-such-command").Run())
	show("slash-missing", exec.Command("./sockit-no-such-command").Run())
	show("not-executable", exec.Command("/etc/passwd").Run())
	show("no-command", exec.Command("").Run())
	c := exec.Command("true")
	c.Start()
	show("started-twice", c.Start())
	c.Wait()
	show("waited-twice", c.Wait())
	show("process-done", c.Process.Signal(os.Interrupt))
	show("process-wait-twice", func() error { _, err := c.Process.Wait(); return err }())
	show("not-started", exec.Command("true").Wait())
	c = exec.Command("true")
	c.Stdout = os.Stdout
	_, err := c.Output()
	show("stdout-set", err)
	c = exec.Command("true")
	c.Stderr = os.Stderr
	_, err = c.CombinedOutput()
	show("stderr-set", err)
	c = exec.Command("true")
	c.Stdin = os.Stdin
	_, err = c.StdinPipe()
	show("stdin-set", err)
	c = exec.Command("true")
	c.Start()
	_, err = c.StdoutPipe()
	show("stdoutpipe-started", err)
	_, err = c.StdinPipe()
	show("stdinpipe-started", err)
	_, err = c.StderrPipe()
	show("stderrpipe-started", err)
	c.Wait()
	show("exit-3", exec.Command("sh", "-c", "exit 3").Run())
	show("exit-0", exec.Command("true").Run())
	show("killed", exec.Command("sh", "-c", "kill -KILL $$").Run())
	show("terminated", exec.Command("sh", "-c", "kill -TERM $$").Run())
	show("interrupt", exec.Command("sh", "-c", "kill -INT $$").Run())
	c = exec.Command("sh", "-c", "ulimit -c unlimited; kill -QUIT $$")
	c.Dir = dir
	show("core-dumped", c.Run())
	ctx, cancel := context.WithCancel(context.Background())
	c = exec.CommandContext(ctx, "sleep", "10")
	c.Start()
	cancel()
	show("context-killed", c.Wait())
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	show("context-before-start", exec.CommandContext(ctx, "true").Start())
	c = exec.Command("true")
	c.Dir = "/sockit-no-such-dir"
	show("chdir", c.Run())
	os.Setenv("PATH", ".:/usr/bin:/bin")
	os.Chdir(dir)
	show("errdot", exec.Command("sockit-dot-tool").Run())
	fmt.Printf("string\t%s\n", exec.Command("sh", "-c", "x").String())
	fmt.Printf("string-notfound\t%s\n", exec.Command("sockit-no-such-command", "a", "b").String())
	for n := 1; n < 32; n++ {
		fmt.Printf("signal-%d\t%s\n", n, syscall.Signal(n).String())
	}
	fmt.Println("ok")
}
`;

/** The same cases through sockit, as `name\ttext` lines. */
async function sockitLines(dir: string): Promise<string[]> {
  const lines: string[] = [];
  const show = (name: string, err: unknown) => {
    lines.push(`${name}\t${err == null ? "<nil>" : (err as Error).message.replaceAll("\n", "\\n")}`);
  };
  const run = async (name: string, c: Cmd | (() => Promise<unknown>)) => {
    try {
      await (typeof c === "function" ? c() : c.run());
      show(name, null);
    } catch (err) {
      show(name, err);
    }
  };
  await run("not-found", command("sockit-no-such-command"));
  await run("slash-missing", command("./sockit-no-such-command"));
  await run("not-executable", command("/etc/passwd"));
  await run("no-command", command(""));
  let c = command("true");
  await c.start();
  await run("started-twice", () => c.start());
  await c.wait();
  await run("waited-twice", () => c.wait());
  await run("process-done", async () => c.process!.signal("SIGINT"));
  await run("process-wait-twice", () => c.process!.wait());
  await run("not-started", () => command("true").wait());
  await run("stdout-set", () => command("true").with({ stdout: process.stdout }).output());
  await run("stderr-set", () => command("true").with({ stderr: process.stderr }).combinedOutput());
  await run("stdin-set", async () => command("true").with({ stdin: process.stdin }).stdinPipe());
  c = command("true");
  await c.start();
  await run("stdoutpipe-started", async () => c.stdoutPipe());
  await run("stdinpipe-started", async () => c.stdinPipe());
  await run("stderrpipe-started", async () => c.stderrPipe());
  await c.wait();
  await run("exit-3", command("sh", "-c", "exit 3"));
  await run("exit-0", command("true"));
  await run("killed", command("sh", "-c", "kill -KILL $$"));
  await run("terminated", command("sh", "-c", "kill -TERM $$"));
  await run("interrupt", command("sh", "-c", "kill -INT $$"));
  await run("core-dumped", command("sh", "-c", "ulimit -c unlimited; kill -QUIT $$").with({ dir }));
  const ac = new AbortController();
  c = command("sleep", "10").with({ signal: ac.signal });
  await c.start();
  ac.abort();
  await run("context-killed", () => c.wait());
  await run("context-before-start", () => command("true").with({ signal: AbortSignal.abort() }).start());
  await run("chdir", command("true").with({ dir: "/sockit-no-such-dir" }));
  const savedPath = process.env.PATH;
  const savedCwd = process.cwd();
  process.env.PATH = ".:/usr/bin:/bin";
  process.chdir(dir);
  try {
    await run("errdot", command("sockit-dot-tool"));
  } finally {
    process.env.PATH = savedPath;
    process.chdir(savedCwd);
  }
  lines.push(`string\t${command("sh", "-c", "x").toString()}`);
  lines.push(`string-notfound\t${command("sockit-no-such-command", "a", "b").toString()}`);
  for (let n = 1; n < 32; n++) lines.push(`signal-${n}\t${signalName(n)}`);
  return lines;
}

describe("os/exec texts against Go 1.19", { skip: haveGo() ? false : "skipped: `go` is not on PATH" }, () => {
  let prog: GoProgram | null = null;
  let dir = "";

  before(async () => {
    prog = await buildGo(GO_SOURCE, 120_000);
    dir = mkdtempSync(path.join(tmpdir(), "sockit-exec-go-"));
    writeFileSync(path.join(dir, "sockit-dot-tool"), "#!/bin/sh\nexit 0\n");
    chmodSync(path.join(dir, "sockit-dot-tool"), 0o755);
  });

  after(() => {
    prog?.remove();
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  it("every case prints what Go prints", async () => {
    const go = new ProcPeer(prog!.bin, [dir]);
    const goLines = (await within(go.finish("Go exec cases"), 30_000, "the Go program")).slice(0, -1);
    const ours = await sockitLines(dir);
    assert.deepEqual(ours, goLines);
  });
});
