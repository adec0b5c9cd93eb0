#!/usr/bin/env node
// The published entry: the TypeScript sources as they are, no build step for anyone. They run from a
// cached esbuild bundle (bin/cli-bundle.mjs: the first command after a change builds it), and through
// tsx when the bundle cannot be built here (a read-only install, say): the same code either way.
let entry = null;
try {
  entry = await (await import('./cli-bundle.mjs')).cliBundle();
} catch {
  // tsx below
}
if (entry !== null) {
  // Stack traces of a bug name the TypeScript lines.
  process.setSourceMapsEnabled(true);
  await import(entry);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
