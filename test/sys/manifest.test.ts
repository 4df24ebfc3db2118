/**
 * One manifest: the native surface is written down in three places (the `Binding` interface of
 * src/sys/binding.ts, the props table of native/binding.c, the declarations of
 * native/binding.h), and the loaded module is a fourth. They must list the same names, in the
 * same order, and every entry point must be named `sk_<family>_<verb>_js` after the file
 * native/<family>.c that defines it.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { binding } from "../../src/sys/binding.js";
import { guardFdLeaks } from "../helpers.js";

guardFdLeaks();

// The compiled test runs from dist/test/sys/; the sources are read from the repository.
const root = fileURLToPath(new URL("../../../", import.meta.url));

function source(rel: string): string {
  return readFileSync(path.join(root, rel), "utf8");
}

interface Manifest {
  /** The readonly properties, in order (constants, errnos, POLL_*). */
  values: string[];
  /** The methods, in order. */
  methods: string[];
}

/** The members of `interface Binding` in src/sys/binding.ts, read with the TypeScript parser. */
function manifest(): Manifest {
  const file = ts.createSourceFile("binding.ts", source("src/sys/binding.ts"), ts.ScriptTarget.ES2022, true);
  const decl = file.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === "Binding",
  );
  assert.ok(decl, "src/sys/binding.ts declares no interface Binding");
  const m: Manifest = { values: [], methods: [] };
  for (const member of decl.members) {
    const name = member.name !== undefined && ts.isIdentifier(member.name) ? member.name.text : null;
    assert.ok(name !== null, `Binding has a member without a plain name: ${member.getText(file)}`);
    if (ts.isMethodSignature(member)) m.methods.push(name);
    else if (ts.isPropertySignature(member)) m.values.push(name);
    else assert.fail(`Binding member ${name} is neither a method nor a property`);
  }
  return m;
}

interface Table {
  values: string[];
  /** [JS name, C function] pairs, in order. */
  methods: [string, string][];
}

/** The props table of NAPI_MODULE_INIT in native/binding.c: SK_VALUE and SK_METHOD entries. */
function table(): Table {
  const c = source("native/binding.c");
  const start = c.indexOf("napi_property_descriptor props[] = {");
  assert.ok(start >= 0, "native/binding.c has no props table");
  const body = c.slice(start, c.indexOf("};", start));
  const t: Table = { values: [], methods: [] };
  for (const m of body.matchAll(/SK_(VALUE|METHOD)\("(\w+)",\s*(\w+)\)/g)) {
    if (m[1] === "VALUE") t.values.push(m[2]!);
    else t.methods.push([m[2]!, m[3]!]);
  }
  return t;
}

/** The N-API entry points (`napi_value sk_..._js(napi_env, napi_callback_info)`) a C text declares or defines. */
function entryPoints(c: string): string[] {
  return [...c.matchAll(/napi_value\s+(sk_\w+_js)\s*\(\s*napi_env\s+\w+,\s*napi_callback_info\s+\w+\s*\)/g)].map(
    (m) => m[1]!,
  );
}

/** Names in `a` but not in `b`. */
function missing(a: readonly string[], b: readonly string[]): string[] {
  const set = new Set(b);
  return a.filter((x) => !set.has(x));
}

/** Fails naming what each side has that the other lacks, then (same sets) the first order difference. */
function assertSameList(a: readonly string[], aName: string, b: readonly string[], bName: string): void {
  const onlyA = missing(a, b);
  const onlyB = missing(b, a);
  assert.deepEqual(
    { [`only in ${aName}`]: onlyA, [`only in ${bName}`]: onlyB },
    { [`only in ${aName}`]: [], [`only in ${bName}`]: [] },
    `${aName} and ${bName} differ: only in ${aName}: [${onlyA.join(", ")}]; only in ${bName}: [${onlyB.join(", ")}]`,
  );
  const i = a.findIndex((x, j) => x !== b[j]);
  assert.equal(i, -1, `${aName} and ${bName} list the same names in different orders: ${a[i]} against ${b[i]}`);
}

it("every method of the Binding interface is in binding.c's SK_METHOD table, and back, in order", () => {
  assertSameList(manifest().methods, "the Binding interface", table().methods.map(([js]) => js), "binding.c's SK_METHOD table");
});

it("every property of the Binding interface is an SK_VALUE of binding.c, and back", () => {
  assertSameList(manifest().values, "the Binding interface's properties", table().values, "binding.c's SK_VALUE entries");
});

it("every function binding.c registers is declared in binding.h, and binding.h declares no other entry point", () => {
  const registered = table().methods.map(([, fn]) => fn);
  const declared = entryPoints(source("native/binding.h"));
  assert.deepEqual(missing(registered, declared), [], "registered in binding.c but not declared in binding.h");
  assert.deepEqual(missing(declared, registered), [], "declared in binding.h but registered nowhere");
  assertSameList(registered, "binding.c's table", declared, "binding.h's declarations");
});

it("each JS name maps to its own sk_<family>_<verb>_js, defined in native/<family>.c", () => {
  const seen = new Map<string, string>();
  const bad: string[] = [];
  for (const [js, fn] of table().methods) {
    const other = seen.get(fn);
    if (other !== undefined) bad.push(`${js} and ${other} share ${fn}`);
    seen.set(fn, js);
    const m = /^sk_([a-z0-9]+)_([a-z0-9_]+)_js$/.exec(fn);
    if (m === null) {
      bad.push(`${js}: ${fn} is not named sk_<family>_<verb>_js`);
      continue;
    }
    const file = `native/${m[1]}.c`;
    if (!existsSync(path.join(root, file))) bad.push(`${js}: ${fn} names family ${m[1]}, but there is no ${file}`);
    else if (!entryPoints(source(file)).includes(fn)) bad.push(`${js}: ${fn} is not defined in ${file}`);
  }
  assert.deepEqual(bad, []);
});

it("binding.gyp builds exactly the .c files under native/", () => {
  const built = [...source("binding.gyp").matchAll(/"(native\/\w+\.c)"/g)].map((m) => m[1]!);
  const files = readdirSync(path.join(root, "native"))
    .filter((f) => f.endsWith(".c"))
    .map((f) => `native/${f}`);
  assert.deepEqual(missing(files, built), [], "under native/ but not built by binding.gyp");
  assert.deepEqual(missing(built, files), [], "built by binding.gyp but not under native/");
});

it("the loaded binding's own keys are exactly the interface's members", () => {
  const m = manifest();
  const keys = Reflect.ownKeys(binding).map(String);
  assertSameList([...m.values, ...m.methods].sort(), "the Binding interface", [...keys].sort(), "the loaded binding");
  const b = binding as unknown as Record<string, unknown>;
  const notFunctions = m.methods.filter((k) => typeof b[k] !== "function");
  const functions = m.values.filter((k) => typeof b[k] === "function");
  assert.deepEqual(notFunctions, [], "interface methods that are not functions at run time");
  assert.deepEqual(functions, [], "interface properties that are functions at run time");
});
