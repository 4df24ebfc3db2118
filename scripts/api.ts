/**
 * Generates docs/api.md from the public API: every export of src/index.ts (and the netip
 * namespace), grouped by the module that declares it, with the first paragraph of its TSDoc.
 * `node dist/scripts/api.js` rewrites the file; test/docs/api.test.ts fails when it is stale.
 */
import ts from "typescript";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

interface Entry {
  name: string;
  kind: string;
  summary: string;
}

function kindOf(decl: ts.Declaration): string {
  if (ts.isClassDeclaration(decl)) return "class";
  if (ts.isFunctionDeclaration(decl)) return "function";
  if (ts.isInterfaceDeclaration(decl)) return "interface";
  if (ts.isTypeAliasDeclaration(decl)) return "type";
  if (ts.isVariableDeclaration(decl)) return "const";
  if (ts.isModuleDeclaration(decl) || ts.isSourceFile(decl)) return "namespace";
  return "export";
}

/** The first paragraph of a symbol's documentation, on one line. */
function summary(sym: ts.Symbol, checker: ts.TypeChecker): string {
  const text = ts.displayPartsToString(sym.getDocumentationComment(checker)).trim();
  const para = text.split(/\n\s*\n/)[0] ?? "";
  return para.replace(/\s+/g, " ").replace(/\|/g, "\\|");
}

function collect(entry: string, checker: ts.TypeChecker, program: ts.Program): Map<string, Entry[]> {
  const file = program.getSourceFile(entry)!;
  const moduleSym = checker.getSymbolAtLocation(file)!;
  const groups = new Map<string, Entry[]>();
  for (const exp of checker.getExportsOfModule(moduleSym)) {
    const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
    const decl = sym.declarations?.[0];
    if (decl === undefined) continue;
    const where = path.relative(root, decl.getSourceFile().fileName);
    const list = groups.get(where) ?? [];
    const kind = kindOf(decl);
    const text =
      kind !== "namespace" ? summary(sym, checker)
      : exp.name === "netip" ? "Go's `net/netip`: see the `sockit/netip` section below."
      : `Go's \`${exp.name}\` package: see the \`${exp.name}\` namespace section below and [${exp.name}.md](${exp.name}.md).`;
    list.push({ name: exp.name, kind, summary: text });
    groups.set(where, list);
  }
  return groups;
}

/** render gives the whole markdown text of docs/api.md. */
export function render(): string {
  const entries = [path.join(root, "src/index.ts"), path.join(root, "src/netip.ts"), path.join(root, "src/syscall/index.ts")];
  const program = ts.createProgram(entries, { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true });
  const checker = program.getTypeChecker();
  const out = [
    "# sockit API",
    "",
    "Generated from the TSDoc of every export by `scripts/api.ts` (`npm run docs`); a test fails",
    "when this file is out of date. Each entry's full documentation, with examples, is on the",
    "declaration in the source named in its section.",
    "",
  ];
  const sections = [["`sockit`", entries[0]!], ["`sockit/netip` (also the `netip` namespace)", entries[1]!], ["the `syscall` namespace", entries[2]!]] as const;
  for (const [title, entry] of sections) {
    out.push(`## ${title}`, "");
    const groups = [...collect(entry, checker, program)].sort(([a], [b]) => a.localeCompare(b));
    for (const [file, list] of groups) {
      out.push(`### ${file}`, "", "| export | kind | summary |", "|---|---|---|");
      for (const e of list.sort((a, b) => a.name.localeCompare(b.name))) out.push(`| \`${e.name}\` | ${e.kind} | ${e.summary} |`);
      out.push("");
    }
  }
  return out.join("\n");
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  writeFileSync(path.join(root, "docs/api.md"), render());
}
