import { closest } from '../optionChecks.js';
import { UsageError } from './errors.js';
import { isPlainObject } from './intrinsics.js';
import type { LoadedTemplate } from './model.js';
import { objectOrEmpty } from './values.js';

/** `${opt:name}` in a `serverless.yml`: the options `--parameter` can set there. */
const OPTION = /\$\{opt:([\w-]+)/g;
/** Options the Serverless Framework reads whether or not the file names them. */
const SERVERLESS_OPTIONS = ['stage', 'region'];

/**
 * Checks `--parameter` values against what the templates declare: a name no template declares
 * (a typo would otherwise be ignored in silence), or a value outside a parameter's `AllowedValues`
 * (CloudFormation would refuse it), is a usage error.
 *
 * @throws {UsageError} naming the parameter, with the closest declared name or the allowed values.
 */
export function checkParameters(templates: readonly LoadedTemplate[], given: ReadonlyMap<string, string>): void {
  if (given.size === 0 || templates.length === 0) return;
  const declared = new Set<string>();
  for (const template of templates) {
    if (template.format === 'serverless') {
      for (const match of JSON.stringify(template.body).matchAll(OPTION)) declared.add(match[1] as string);
      for (const name of SERVERLESS_OPTIONS) declared.add(name);
    } else {
      for (const name of Object.keys(objectOrEmpty(template.body.Parameters))) declared.add(name);
    }
  }
  for (const [name, value] of given) {
    if (!declared.has(name)) {
      const suggestion = closest(name, [...declared]);
      throw new UsageError(
        `\`--parameter ${name}\`: no template declares a parameter ${name}${suggestion ? ` (did you mean \`${suggestion}\`?)` : ''}`,
      );
    }
    for (const template of templates) {
      const declaration = objectOrEmpty(template.body.Parameters)[name];
      const allowed = isPlainObject(declaration) ? declaration.AllowedValues : undefined;
      if (Array.isArray(allowed) && !allowed.some((v) => String(v) === value)) {
        throw new UsageError(
          `\`--parameter ${name}=${value}\`: ${template.file} allows only ${allowed.map(String).join(', ')}`,
        );
      }
    }
  }
}
