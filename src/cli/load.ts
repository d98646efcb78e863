import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { TemplateError } from './errors.js';
import { readFailure, readInput, STDIN } from './input.js';
import { isPlainObject } from './intrinsics.js';
import type { Format, LoadedTemplate } from './model.js';
import { loadTerraform, TERRAFORM_FILE } from './terraform.js';
import { isTerraformJson, terraformJsonToTemplate } from './terraformPlan.js';
import { checkShape, linePath, MAX_VALUES, parseYaml } from './yaml.js';

const SERVERLESS_FILE = /^serverless\.(ya?ml|json)$/;

/**
 * Reads a SAM or CloudFormation template, YAML (short-form tags such as `!Ref` and `!GetAtt` become
 * their long forms) or JSON (including CDK's synthesized `*.template.json`); a Serverless Framework
 * `serverless.yml`; Terraform (`.tf` files, a directory of them, or `terraform show -json` output).
 * `-` reads standard input.
 *
 * @throws {TemplateError} when the input cannot be read or parsed, with a one-line reason and the line where parsing broke.
 */
export async function loadTemplate(file: string, stdin?: AsyncIterable<Uint8Array>): Promise<LoadedTemplate> {
  if (file !== STDIN && (TERRAFORM_FILE.test(file) || (await isDirectory(file)))) return loadTerraform(file);
  const input = await readInput(file, stdin);
  return parseTemplate(input.file, input.text);
}

async function isDirectory(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isDirectory();
  } catch (error) {
    throw new TemplateError(file, readFailure(error), undefined, { cause: error });
  }
}

/** Parses template text; see {@link loadTemplate}. */
export function parseTemplate(file: string, text: string): LoadedTemplate {
  const json = text.trimStart().startsWith('{');
  let body: unknown;
  let lines: ReadonlyMap<string, number> = new Map();
  if (json) {
    // JSON.parse holds any number of values cheaply; only the YAML reading for lines is bounded.
    const values = checkShape(file, text, false);
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new TemplateError(file, `invalid JSON: ${(error as Error).message}`, jsonPosition(text, error), {
        cause: error,
      });
    }
    if (isPlainObject(body) && isTerraformJson(body)) return terraformJsonToTemplate(file, body);
    // JSON is YAML too: the YAML reading only tells where each key was written.
    try {
      if (values <= MAX_VALUES) lines = parseYaml(file, text, false).lines;
    } catch {}
  } else {
    ({ value: body, lines } = parseYaml(file, text));
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new TemplateError(file, 'not a CloudFormation template: the top level is not a mapping');
  }
  const document = body as Record<string, unknown>;
  const format: Format = isServerless(file, document) ? 'serverless' : 'cloudformation';
  const resources = document.Resources;
  if (
    format === 'cloudformation' &&
    (resources === null || typeof resources !== 'object' || Array.isArray(resources))
  ) {
    throw new TemplateError(file, 'not a CloudFormation template: no Resources section');
  }
  return { file, format, body: document, lineOf: (path) => lines.get(linePath(path)) };
}

/** `serverless.yml` by name, or a document with `service` and `functions` or `provider` and no `Resources`. */
function isServerless(file: string, body: Record<string, unknown>): boolean {
  if (SERVERLESS_FILE.test(basename(file))) return true;
  return 'service' in body && ('functions' in body || 'provider' in body) && !('Resources' in body);
}

/** Line and column of a `JSON.parse` error, from the position its message names. */
export function jsonPosition(text: string, error: unknown): { line: number; column: number } | undefined {
  const message = (error as Error).message;
  const position =
    /at position (\d+)/.exec(message)?.[1] ?? (/end of JSON input/.test(message) ? text.length : undefined);
  if (position !== undefined) {
    const before = text.slice(0, Number(position));
    const lineStart = before.lastIndexOf('\n') + 1;
    return { line: before.split('\n').length, column: before.length - lineStart + 1 };
  }
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn) return { line: Number(lineColumn[1]), column: Number(lineColumn[2]) };
  return undefined;
}
