import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The core stays readable by someone new to it: no file over about 250 lines, no function over
// about 120, unless a comment right there says why (`longer: <reason>`); no React file over
// about 80.

const ROOT = join(import.meta.dirname, '../..');
const CORE = join(ROOT, 'src/core');
const REACT = join(ROOT, 'src/react');
/** React files are thin adapters over the core. */
const MAX_REACT_FILE = 85;
const MAX_FILE = 260;
const MAX_FUNCTION = 125;
const EXCUSE = /\/\/ longer: \S/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.tsx?$/.test(path) ? [path] : [];
  });
}

function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

function longFunctions(path: string, text: string): string[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line;
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = lineOf(node.getStart());
      const length = lineOf(node.getEnd()) - first + 1;
      // The `//` comment lines right above the function.
      const above: string[] = [];
      const lines = text.split('\n');
      for (let i = first - 1; i >= 0 && /^\s*\/\//.test(lines[i]!); i--) above.push(lines[i]!);
      const excused = above.some((line) => EXCUSE.test(line));
      if (length > MAX_FUNCTION && !excused) {
        found.push(`${relative(ROOT, path)}:${first + 1} (${length} lines)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('the core reads in small pieces', () => {
  const all = files(CORE);

  it(`no file over ${MAX_FILE} lines without a comment saying why`, () => {
    expect(all.length).toBeGreaterThan(10);
    const long = all.filter((path) => {
      const text = readFileSync(path, 'utf8');
      return lineCount(text) > MAX_FILE && !EXCUSE.test(text);
    });
    expect(long.map((path) => relative(ROOT, path))).toEqual([]);
  });

  it(`no function over ${MAX_FUNCTION} lines without a comment saying why`, () => {
    expect(all.flatMap((path) => longFunctions(path, readFileSync(path, 'utf8')))).toEqual([]);
  });

  it(`no React file over ${MAX_REACT_FILE} lines`, () => {
    const react = files(REACT);
    expect(react.length).toBeGreaterThan(5);
    const long = react.filter((path) => lineCount(readFileSync(path, 'utf8')) > MAX_REACT_FILE);
    expect(long.map((path) => relative(ROOT, path))).toEqual([]);
  });
});
