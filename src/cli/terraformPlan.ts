/**
 * `terraform show -json` output (a plan, or the state) as a CloudFormation template: the values Terraform
 * computed, root module and child modules alike, with no HCL to read. A value known only after apply
 * (the ARN of a queue the plan creates) is taken from the configuration's reference to it; what cannot
 * be, stays unresolved.
 */

import { resourceReference } from './hcl.js';
import { Unresolvable } from './intrinsics.js';
import type { LoadedTemplate } from './model.js';
import { type TerraformResource, translate } from './terraform.js';
import { objectOrEmpty } from './values.js';

type Block = Record<string, unknown>;

/** Whether a JSON document is `terraform show -json` output. */
export function isTerraformJson(body: Block): boolean {
  return typeof body.format_version === 'string' && ('planned_values' in body || 'values' in body);
}

/** Translates `terraform show -json` output; see the module comment. */
export function terraformJsonToTemplate(file: string, body: Block): LoadedTemplate {
  const root = objectOrEmpty(objectOrEmpty(body.planned_values ?? body.values).root_module);
  const configuration = objectOrEmpty(objectOrEmpty(body.configuration).root_module);
  const planned: { module: string; resource: Block; config: Block }[] = [];
  collect(root, configuration, planned);
  const addresses = new Set(planned.map(({ resource }) => withoutKeys(resource.address)));
  const resources: TerraformResource[] = planned
    .filter(({ resource }) => resource.mode !== 'data')
    .map(({ module, resource, config }) => ({
      // Instances of `count` and `for_each` are read as one resource, as written.
      address: withoutKeys(resource.address),
      type: String(resource.type),
      attributes: attributes(objectOrEmpty(resource.values), config, addresses, module),
    }));
  return { file, format: 'terraform', body: { Resources: translate(resources) }, lineOf: () => undefined };
}

/** Every resource of a module and its child modules, with its configuration and its module's address prefix. */
function collect(module: Block, configuration: Block, out: { module: string; resource: Block; config: Block }[]): void {
  const prefix = typeof module.address === 'string' ? `${withoutKeys(module.address)}.` : '';
  const configs = new Map<string, Block>();
  for (const config of asBlocks(configuration.resources)) configs.set(String(config.address), config);
  for (const resource of asBlocks(module.resources)) {
    // Planned addresses carry the module prefix and instance keys; the configuration has neither.
    const local = withoutKeys(resource.address).slice(prefix.length);
    out.push({ module: prefix, resource, config: configs.get(local) ?? {} });
  }
  const calls = objectOrEmpty(configuration.module_calls);
  for (const child of asBlocks(module.child_modules)) {
    const name = /module\.([^.[]+)(\[[^\]]*\])?$/.exec(String(child.address))?.[1] ?? '';
    collect(child, objectOrEmpty(objectOrEmpty(calls[name]).module), out);
  }
}

/** Known values as they are; one known only after apply, from the configuration's reference, when it has one. */
function attributes(values: Block, config: Block, addresses: ReadonlySet<string>, module: string): Block {
  const out: Block = { ...values };
  for (const [name, expression] of Object.entries(objectOrEmpty(config.expressions))) {
    if (out[name] !== undefined && out[name] !== null) continue;
    const references = objectOrEmpty(expression).references;
    if (!Array.isArray(references) || typeof references[0] !== 'string') continue;
    const target = resourceReference(references[0], addresses, module);
    out[name] =
      name === 'redrive_policy'
        ? {
            deadLetterTargetArn: target,
            maxReceiveCount: new Unresolvable(
              `the redrive policy of ${module}${String(config.address)} is known only after apply`,
            ),
          }
        : target;
  }
  return out;
}

/** `module.q[0].aws_sqs_queue.this["a"]` → `module.q.aws_sqs_queue.this`. */
function withoutKeys(address: unknown): string {
  return String(address).replace(/\[[^\]]*\]/g, '');
}

function asBlocks(value: unknown): Block[] {
  return Array.isArray(value) ? value.map(objectOrEmpty) : [];
}
