// The layering rules of ARCHITECTURE.md, enforced: no import cycle among the
// files of `src` (except the type vocabulary, errors.ts <-> types.ts), and no
// file of `src` importing the package by its own name (entries share modules
// through the build's chunks, not through the published entry points).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const ALLOWED_CYCLES = [['errors.ts', 'types.ts']];

/** Every import and re-export of a file, static or dynamic, type-only included; comments (TSDoc examples) left out. */
function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specifiers: string[] = [];
  const pattern =
    /(?:^|[;\s])(?:import|export)\s+(?:type\s+)?(?:[\w*\s{},]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const match of code.matchAll(pattern)) specifiers.push((match[1] ?? match[2]) as string);
  return specifiers;
}

function sourceFiles(): string[] {
  return readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.split('\\').join('/'));
}

/** The graph of relative imports between src files, by path relative to src. */
function importGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles()) {
    const deps = new Set<string>();
    for (const specifier of importsOf(readFileSync(join(SRC, file), 'utf8'))) {
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(join(SRC, file)), specifier.replace(/\.js$/, '.ts'));
      deps.add(relative(SRC, target).split('\\').join('/'));
    }
    graph.set(file, deps);
  }
  return graph;
}

/** Strongly connected components of more than one file (Tarjan), each sorted. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe('architecture', () => {
  it('has no import cycle among src files but errors.ts <-> types.ts', () => {
    const found = cycles(importGraph()).filter(
      (cycle) => !ALLOWED_CYCLES.some((allowed) => JSON.stringify(allowed) === JSON.stringify(cycle)),
    );
    expect(found, `import cycles: ${found.map((c) => c.join(' <-> ')).join('; ')}`).toEqual([]);
  });

  it('never imports the package by its own name inside src', () => {
    const selfImports = sourceFiles().flatMap((file) =>
      importsOf(readFileSync(join(SRC, file), 'utf8'))
        .filter((specifier) => specifier === 'sqs-partial-batch' || specifier.startsWith('sqs-partial-batch/'))
        .map((specifier) => `${file} imports '${specifier}'`),
    );
    expect(selfImports).toEqual([]);
  });

  it('finds a cycle and a self-import when there is one (the checks themselves work)', () => {
    const graph = new Map([
      ['a.ts', new Set(['b.ts'])],
      ['b.ts', new Set(['c.ts'])],
      ['c.ts', new Set(['a.ts'])],
      ['d.ts', new Set(['a.ts'])],
    ]);
    expect(cycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    expect(
      importsOf(
        "import type { X } from './x.js';\n/** import { y } from 'nope'; */\nexport { z } from '../z.js';\nconst m = await import('sqs-partial-batch/sqs');",
      ),
    ).toEqual(['./x.js', '../z.js', 'sqs-partial-batch/sqs']);
  });
});
