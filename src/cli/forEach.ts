import { type EventSourceModel, type Location, NON_SQS_PROPERTIES, unknown } from './model.js';
import { objectOrEmpty } from './values.js';

export const FOR_EACH = 'Fn::ForEach::';

/**
 * The SQS event sources inside an `Fn::ForEach` block, each reported with every rule not checked:
 * the loop is not expanded, but its sources exist and must not look absent.
 */
export function forEachSources(loop: string, block: unknown, location: Location): EventSourceModel[] {
  const fragment = Array.isArray(block) ? objectOrEmpty(block[2]) : {};
  const reason = `${loop} is not expanded by this check (its sources are not checked)`;
  const none = unknown<never>(reason);
  const source = (id: string): EventSourceModel => ({
    id: `${loop}.${id}`,
    dialect: 'cloudformation',
    location,
    queue: none,
    function: none,
    batchSize: none,
    batchingWindow: none,
    functionResponseTypes: none,
    maximumConcurrency: none,
    filtered: none,
    provisioned: none,
    metrics: none,
  });
  const sources: EventSourceModel[] = [];
  for (const [id, resource] of Object.entries(fragment)) {
    if (id.startsWith(FOR_EACH)) {
      sources.push(...forEachSources(`${loop}.${id}`, resource, location));
      continue;
    }
    const r = objectOrEmpty(resource);
    if (
      r.Type === 'AWS::Lambda::EventSourceMapping' &&
      !NON_SQS_PROPERTIES.some((p) => p in objectOrEmpty(r.Properties))
    )
      sources.push(source(id));
    if (r.Type === 'AWS::Serverless::Function') {
      for (const [name, event] of Object.entries(objectOrEmpty(objectOrEmpty(r.Properties).Events))) {
        if (objectOrEmpty(event).Type === 'SQS') sources.push(source(`${id}.Events.${name}`));
      }
    }
  }
  return sources;
}
