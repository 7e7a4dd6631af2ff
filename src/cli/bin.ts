#!/bin/sh
//bin/sh -c :; case " $NODE_OPTIONS" in *" --max-semi-space-size"* | *" --max_semi_space_size"*) exec node "$0" "$@" ;; esac; exec node --max-semi-space-size=4 "$0" "$@"
// The line above is the launcher, run by sh and a comment to JavaScript: it starts node with V8's
// young generation capped at 4 MiB per semi-space, unless NODE_OPTIONS sets a size (the reasons,
// and the same cap for the workers of `server --workers`, are in src/cli/server/young-generation.ts;
// a test keeps the two in step). `node dist/cli/bin.js` skips the launcher and keeps V8's default.
import { main } from './main.js';

// A reader that went away (`llm-proxy … | head`) is not an error of ours: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

process.exitCode = await main(process.argv.slice(2));
