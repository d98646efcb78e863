#!/usr/bin/env node
// `npx sqs-partial-batch check <template>...`: see ./main.ts.
import { main } from './main.js';

main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`sqs-partial-batch: unexpected failure: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 2;
  },
);
