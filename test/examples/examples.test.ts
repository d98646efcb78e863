// Runs every file in examples/ against the source, with the scenario
// test/examples/scenarios.ts gives it. `npm run check:package` runs the same
// scenarios against the packed package, compiled as ESM and as CommonJS.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipRedis } from '../helpers/backends.js';
import { type ExampleModule, exampleFiles, scenarios } from './scenarios.js';
import { type ExampleServices, startExampleServices } from './services.js';

const root = resolve(import.meta.dirname, '../..');
const examplesDir = join(root, 'examples');

const redisSkipped = await skipRedis();

describe('examples', () => {
  it('every example has a scenario in test/examples/scenarios.ts, and every scenario an example', () => {
    const files = exampleFiles(examplesDir);
    const missing = files.filter((file) => !(file in scenarios));
    const stale = Object.keys(scenarios).filter((file) => !files.includes(file));

    expect(missing, `add a scenario for each of these to test/examples/scenarios.ts: ${missing.join(', ')}`).toEqual(
      [],
    );
    expect(stale, `these scenarios have no example: ${stale.join(', ')}`).toEqual([]);
  });

  describe('run with a realistic event', () => {
    let services: ExampleServices;
    beforeAll(async () => {
      services = await startExampleServices();
    });
    afterAll(async () => {
      await services?.stop();
    });

    for (const [file, scenario] of Object.entries(scenarios)) {
      if (scenario.kind !== 'module') continue;
      it.skipIf(scenario.needsRedis === true && redisSkipped)(file, async () => {
        services.setEnv(scenario.env?.(services) ?? {});
        const example = (await import(pathToFileURL(join(examplesDir, file)).href)) as ExampleModule;
        await scenario.run(example, services);
      });
    }
  });

  it.each(Object.entries(scenarios).filter(([, scenario]) => scenario.kind === 'script'))(
    '%s runs as a script (as `npm run demo` does)',
    async (file, scenario) => {
      // On the Node.js running the tests (CI runs them on several versions), with tsx as `npm run demo` does.
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(examplesDir, file)], {
        cwd: root,
        encoding: 'utf8',
      });
      if (scenario.kind === 'script') scenario.check(stdout);
    },
    60_000,
  );
});
