// Shared test setup. React tests opt into jsdom per file with `// @vitest-environment jsdom`.
export {};
