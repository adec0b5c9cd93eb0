// Builds the bundles that tests start processes from (the command line's, the built-in servers', the
// client worker's) once, before `npm test` starts its files (scripts/test.mjs runs this first). On a
// fresh clone none exists, and each of the files that start together would build its own copy of
// each before one wins the rename (bin/bundle-cache.mjs): esbuild's CPU spent several times over while
// the type-check and the first files already share the two cores. A later run finds them built.
import { cliBundle } from '../bin/cli-bundle.mjs';
import { workerBundle } from '../harness/engine/worker-bundle.ts';
import { buildServerBundle } from '../harness/servers/bundle.ts';

await Promise.all([cliBundle(), buildServerBundle(), workerBundle()]);
