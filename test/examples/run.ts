// Runs every example's scenario outside vitest, the way test/pack/consumers.mjs
// needs it: compiled by tsc as ESM or CommonJS, against the packed package.
//
//   node <out>/test/examples/run.js <examples folder> <compiled examples folder> <label>
//
// Prints one line when everything passes, and each failure in full. Redis
// keys the scenarios write carry the run's tag and are deleted at the end.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { deleteRunKeys, newRunTag, REDIS_URL, RUN_TAG_VARIABLE } from '../helpers/redis.js';
import { type ExampleModule, exampleFiles, type Scenario, scenarios } from './scenarios.js';
import { type ExampleServices, startExampleServices } from './services.js';

const SCENARIO_TIMEOUT_MS = 60_000;

async function runScenario(file: string, scenario: Scenario, dir: string, services: ExampleServices): Promise<void> {
  const path = join(dir, file.replace(/\.ts$/, '.js'));
  if (scenario.kind === 'script') {
    const { stdout } = await promisify(execFile)(process.execPath, [path], {
      encoding: 'utf8',
      timeout: SCENARIO_TIMEOUT_MS,
    });
    scenario.check(stdout);
    return;
  }
  services.setEnv(scenario.env?.(services) ?? {});
  const example = (await import(pathToFileURL(path).href)) as ExampleModule;
  await scenario.run(example, services);
}

async function main(sources: string, dir: string, label: string): Promise<number> {
  process.env[RUN_TAG_VARIABLE] ??= newRunTag();
  const tag = process.env[RUN_TAG_VARIABLE];
  const services = await startExampleServices();
  const failures: string[] = [];
  const skipped: string[] = [];
  let passed = 0;
  try {
    const files = exampleFiles(sources);
    for (const file of files.filter((f) => !(f in scenarios)))
      failures.push(`${file}: no scenario in test/examples/scenarios.ts`);
    for (const [file, scenario] of Object.entries(scenarios)) {
      if (scenario.kind === 'module' && scenario.needsRedis && !services.redisAvailable && process.env.CI !== 'true') {
        skipped.push(`${file} (Redis is not reachable at ${REDIS_URL})`);
        continue;
      }
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          runScenario(file, scenario, dir, services),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`timed out after ${SCENARIO_TIMEOUT_MS} ms`)),
              SCENARIO_TIMEOUT_MS,
            );
          }),
        ]);
        passed++;
      } catch (error) {
        failures.push(`${file}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      } finally {
        clearTimeout(timer);
      }
    }
  } finally {
    await services.stop();
    if (services.redisAvailable) {
      const { remaining } = await deleteRunKeys(REDIS_URL, tag);
      if (remaining.length > 0) failures.push(`Redis still holds ${remaining.length} keys of this run (${tag})`);
    }
  }
  for (const failure of failures) console.error(`examples (${label}) failed: ${failure}\n`);
  for (const skip of skipped) console.log(`examples (${label}) skipped: ${skip}`);
  console.log(`examples (${label}): ${passed} passed, ${failures.length} failed, ${skipped.length} skipped`);
  return failures.length === 0 ? 0 : 1;
}

const [sources, dir, label = 'examples'] = process.argv.slice(2);
if (sources === undefined || dir === undefined) {
  console.error('usage: node run.js <examples folder> <compiled examples folder> [label]');
  process.exit(2);
}
// Examples keep their clients open for the next invocation, as on Lambda: end the process when done.
main(sources, dir, label).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
