import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, it } from 'vitest';

// What a user sees for a misspelled event name on a typed stream. Compilers that print one
// overload's error print the last one's: it must be the typed stream's, naming the event.
it("a misspelled event of a typed stream names it and the valid events in the last overload's error", () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const file = `${root}test/types/__misspelled.ts`;
  const source = `import { defineStream, useSSEEvent } from '../../src/index.js';
const feed = defineStream<{ alert: { level: string }; update: { id: string } }>('/x');
export const use = () => useSSEEvent(feed, 'alrt');
`;
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    jsx: ts.JsxEmit.ReactJSX,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  host.readFile = (name) => (name === file ? source : read(name));
  host.fileExists = (
    (exists) => (name: string) =>
      name === file || exists(name)
  )(host.fileExists.bind(host));
  const program = ts.createProgram([file], options, host);
  const [diagnostic] = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file);
  expect(diagnostic).toBeDefined();
  const chain = diagnostic!.messageText as ts.DiagnosticMessageChain;
  const overloads = chain.next ?? [];
  const last = ts.flattenDiagnosticMessageText(overloads.at(-1), '\n');
  expect(last).toMatch(
    /Argument of type '"alrt"' is not assignable to parameter of type '"alert" \| "update"'/,
  );
}, 60_000);
