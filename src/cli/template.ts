import { Composite, describe, Evaluator, isPlainObject, NO_VALUE, ResourceAttr } from './intrinsics.js';
import type { LoadedTemplate } from './load.js';
import {
  AWS_DEFAULTS,
  type Dialect,
  type EventSourceModel,
  type FunctionModel,
  type Known,
  known,
  type Location,
  type QueueModel,
  type RedriveModel,
  unknown,
} from './model.js';
import { serverlessAsTemplate } from './serverless.js';
import { arnResource, flatten, objectOrEmpty, parseJson, readBoolean, readNumber, readStringList } from './values.js';

const SAM_TRANSFORM = 'AWS::Serverless-2016-10-31';
const FUNCTION_TYPES = new Set(['AWS::Lambda::Function', 'AWS::Serverless::Function']);
/** Properties only non-SQS event source mappings have: streams, Kafka, MQ, DocumentDB. */
const NON_SQS_PROPERTIES = [
  'StartingPosition',
  'Topics',
  'Queues',
  'SelfManagedEventSource',
  'SourceAccessConfigurations',
];

/**
 * The queues a template exports by name, for `!ImportValue` in the other
 * templates of the same run (a stack that exports its queue, checked with
 * the stack that consumes it).
 */
export function queueExports(
  template: LoadedTemplate,
  overrides: ReadonlyMap<string, string> = new Map(),
): Map<string, Known<QueueModel>> {
  if (template.format === 'serverless') return new Map();
  return new TemplateReader(template, overrides).exportedQueues();
}

/**
 * Finds every SQS event source in a template (SAM `Type: SQS` events and
 * `AWS::Lambda::EventSourceMapping` resources on an SQS queue) and resolves
 * what the rules need: the queue, its redrive policy and dead-letter queue,
 * and the function's timeout and reserved concurrency (SAM `Globals` included).
 */
export function eventSourcesInTemplate(
  template: LoadedTemplate,
  overrides: ReadonlyMap<string, string> = new Map(),
  imports: ReadonlyMap<string, Known<QueueModel>> = new Map(),
): EventSourceModel[] {
  if (template.format !== 'serverless')
    return new TemplateReader(template, overrides, undefined, imports).eventSources();
  // A Serverless Framework configuration: read as the template the framework makes of it; its SQS events keep
  // their own paths, and fixes are written in the framework's syntax.
  // Mappings written as CloudFormation in `resources.Resources` are found too; their fixes name that path.
  return new TemplateReader(serverlessAsTemplate(template), overrides, 'serverless').eventSources();
}

class TemplateReader {
  private readonly resources: Readonly<Record<string, unknown>>;
  private readonly evaluator: Evaluator;
  private readonly sam: boolean;
  private readonly cdk: boolean;
  private readonly globals: Readonly<Record<string, unknown>>;
  private readonly queues = new Map<string, QueueModel>();
  private readonly building = new Set<string>();

  constructor(
    private readonly template: LoadedTemplate,
    overrides: ReadonlyMap<string, string>,
    /** The dialect of every source found, when the template was made from another format. */
    private readonly dialectOverride?: Dialect,
    /** Queues other templates of the same run export, by export name (`!ImportValue` resolves to them). */
    private readonly imports: ReadonlyMap<string, Known<QueueModel>> = new Map(),
  ) {
    const body = template.body;
    this.resources = body.Resources as Record<string, unknown>;
    this.evaluator = new Evaluator({
      resources: this.resources,
      parameters: objectOrEmpty(body.Parameters),
      conditions: objectOrEmpty(body.Conditions),
      mappings: objectOrEmpty(body.Mappings),
      overrides,
    });
    const transforms = Array.isArray(body.Transform) ? body.Transform : [body.Transform];
    this.sam = transforms.includes(SAM_TRANSFORM);
    this.cdk = Object.values(this.resources).some(
      (r) => isPlainObject(r) && isPlainObject(r.Metadata) && 'aws:cdk:path' in r.Metadata,
    );
    this.globals = objectOrEmpty(objectOrEmpty(body.Globals).Function);
  }

  /** The queues this template exports (`Outputs.*.Export.Name`), for templates that import them. */
  exportedQueues(): Map<string, Known<QueueModel>> {
    const exported = new Map<string, Known<QueueModel>>();
    for (const [key, output] of Object.entries(objectOrEmpty(this.template.body.Outputs))) {
      if (!isPlainObject(output) || !isPlainObject(output.Export)) continue;
      const name = this.evaluator.shallow(output.Export.Name);
      if (!name.known || typeof name.value !== 'string') continue;
      const queue = this.queueAt(output.Value, `${this.template.file} Outputs.${key}`);
      // Only outputs that are queues: an export of anything else stays "imported from another stack".
      if (queue.known) exported.set(name.value, queue);
    }
    return exported;
  }

  eventSources(): EventSourceModel[] {
    const sources: EventSourceModel[] = [];
    for (const [id, resource] of Object.entries(this.resources)) {
      if (id.startsWith('Fn::ForEach::')) {
        sources.push(...this.forEachSources(id, resource));
        continue;
      }
      if (!isPlainObject(resource) || !this.deployed(resource)) continue;
      if (resource.Type === 'AWS::Serverless::Function') {
        // Without the SAM transform (test fixtures, partial templates) the function is checked anyway, and told.
        const events = this.evaluator.shallow(objectOrEmpty(resource.Properties).Events);
        for (const [name, event] of Object.entries(events.known ? objectOrEmpty(events.value) : {})) {
          if (isPlainObject(event) && event.Type === 'SQS')
            sources.push(this.samEvent(id, name, objectOrEmpty(event.Properties)));
        }
      } else if (resource.Type === 'AWS::Lambda::EventSourceMapping') {
        const mapping = this.mapping(id, objectOrEmpty(resource.Properties));
        if (mapping) sources.push(mapping);
      }
    }
    return sources;
  }

  private samEvent(functionId: string, name: string, props: Record<string, unknown>): EventSourceModel {
    const mistake = this.queueNotArn(props.Queue);
    return {
      id: `${functionId}.Events.${name}`,
      dialect: 'sam',
      location: this.location(['Resources', functionId, 'Properties', 'Events', name]),
      queue: mistake ? this.queueModel(mistake.queue) : this.queueAt(props.Queue, `${functionId}.Events.${name}.Queue`),
      function: known(this.functionModel(functionId)),
      ...this.mappingSettings(props),
      ...(mistake ? { queueNotArn: mistake } : {}),
      ...(this.sam ? {} : { samTransformMissing: true }),
    };
  }

  /**
   * The SQS event sources inside an `Fn::ForEach` block (the LanguageExtensions transform), each
   * reported with every rule not checked: their values exist only once the loop is expanded at deploy.
   */
  private forEachSources(id: string, block: unknown): EventSourceModel[] {
    const fragment = Array.isArray(block) ? block[2] : undefined;
    if (!isPlainObject(fragment)) return [];
    const reason = 'resources inside Fn::ForEach are expanded only at deploy';
    const sources: EventSourceModel[] = [];
    for (const [key, resource] of Object.entries(fragment)) {
      if (!isPlainObject(resource)) continue;
      const props = objectOrEmpty(resource.Properties);
      const events = Object.entries(objectOrEmpty(props.Events)).filter(
        ([, event]) => isPlainObject(event) && event.Type === 'SQS',
      );
      const ids =
        resource.Type === 'AWS::Lambda::EventSourceMapping'
          ? [`${id}.${key}`]
          : resource.Type === 'AWS::Serverless::Function'
            ? events.map(([name]) => `${id}.${key}.Events.${name}`)
            : [];
      for (const sourceId of ids) {
        sources.push({
          id: sourceId,
          dialect: resource.Type === 'AWS::Serverless::Function' ? 'sam' : 'cloudformation',
          location: this.location(['Resources', id]),
          queue: unknown(reason),
          function: unknown(reason),
          batchSize: unknown(reason),
          batchingWindow: unknown(reason),
          functionResponseTypes: unknown(reason),
          maximumConcurrency: unknown(reason),
          filtered: unknown(reason),
        });
      }
    }
    return sources;
  }

  /** A template queue named by its URL (`!Ref Queue`) or another attribute where its ARN belongs. */
  private queueNotArn(node: unknown): { written: string; queue: string } | undefined {
    const value = this.evaluator.shallow(node);
    if (!value.known || !(value.value instanceof ResourceAttr)) return undefined;
    const attr = value.value;
    if (attr.attribute === 'Arn' || this.type(attr.logicalId) !== 'AWS::SQS::Queue') return undefined;
    return { written: describe(attr), queue: attr.logicalId };
  }

  private mapping(id: string, props: Record<string, unknown>): EventSourceModel | undefined {
    // No EventSourceArn: a self-managed Kafka or similar source, never SQS.
    if (props.EventSourceArn === undefined || props.EventSourceArn === null) return undefined;
    const source = this.evaluator.shallow(props.EventSourceArn);
    const kind = source.known ? this.arnService(source.value) : undefined;
    if (kind !== undefined && kind !== 'sqs') return undefined;
    // An event source that cannot be resolved is SQS unless the mapping has a property only other sources take.
    if (kind === undefined && NON_SQS_PROPERTIES.some((p) => p in props)) return undefined;
    const dialect: Dialect = this.dialectOverride ?? (this.cdk ? 'cdk' : 'cloudformation');
    const mistake = this.queueNotArn(props.EventSourceArn);
    return {
      id,
      dialect,
      location: this.location(['Resources', id]),
      ...(mistake ? { queueNotArn: mistake } : {}),
      queue: mistake ? this.queueModel(mistake.queue) : this.queueAt(props.EventSourceArn, `${id}.EventSourceArn`),
      function: this.functionAt(props.FunctionName, `${id}.FunctionName`),
      ...this.mappingSettings(props),
    };
  }

  private mappingSettings(props: Record<string, unknown>) {
    const scaling = this.evaluator.shallow(props.ScalingConfig);
    const provisioned = this.evaluator.shallow(props.ProvisionedPollerConfig);
    const filters = this.evaluator.deep(props.FilterCriteria);
    return {
      batchSize: readNumber(this.evaluator, props.BatchSize, 'BatchSize', AWS_DEFAULTS.batchSize),
      batchingWindow: readNumber(
        this.evaluator,
        props.MaximumBatchingWindowInSeconds,
        'MaximumBatchingWindowInSeconds',
        AWS_DEFAULTS.batchingWindow,
      ),
      functionResponseTypes: readStringList(this.evaluator, props.FunctionResponseTypes, 'FunctionResponseTypes'),
      provisioned: provisioned.known
        ? known(isPlainObject(provisioned.value))
        : unknown<boolean>(`ProvisionedPollerConfig: ${provisioned.reason}`),
      maximumConcurrency: scaling.known
        ? readNumber(
            this.evaluator,
            objectOrEmpty(scaling.value).MaximumConcurrency,
            'ScalingConfig.MaximumConcurrency',
            undefined,
          )
        : unknown<number | undefined>(`ScalingConfig: ${scaling.reason}`),
      filtered: filters.known
        ? known(
            Array.isArray(objectOrEmpty(filters.value).Filters) &&
              (objectOrEmpty(filters.value).Filters as unknown[]).length > 0,
          )
        : unknown<boolean>(`FilterCriteria: ${filters.reason}`),
    };
  }

  /** The queue an ARN-valued property points to. */
  private queueAt(node: unknown, label: string): Known<QueueModel> {
    if (isPlainObject(node) && 'Fn::ImportValue' in node) {
      const name = this.evaluator.shallow(node['Fn::ImportValue']);
      const imported = name.known && typeof name.value === 'string' ? this.imports.get(name.value) : undefined;
      if (imported) return imported.known ? imported : unknown(`${label}: ${imported.reason}`);
    }
    const value = this.evaluator.shallow(node);
    if (!value.known) return unknown(`${label}: ${value.reason}`);
    const id = this.queueId(value.value);
    const model = id.known ? this.queueModel(id.value) : id;
    return model.known ? model : unknown(`${label}: ${model.reason}`);
  }

  /** The logical id of the queue an evaluated ARN names. */
  private queueId(value: unknown): Known<string> {
    const type = value instanceof ResourceAttr ? this.type(value.logicalId) : undefined;
    if (
      value instanceof ResourceAttr &&
      (type === 'AWS::CloudFormation::Stack' || type === 'AWS::Serverless::Application')
    ) {
      return unknown(
        `the queue comes from nested stack ${value.logicalId} (${value.attribute ?? 'Ref'}): check that stack's template`,
      );
    }
    if (value instanceof ResourceAttr && type === 'AWS::SQS::Queue') {
      return value.attribute === 'Arn'
        ? known(value.logicalId)
        : unknown(`${describe(value)} is the queue's ${value.attribute ?? 'URL'}, not its ARN`);
    }
    const name = arnResource(value);
    if (name === undefined) return unknown(`${describe(value)} is not an SQS queue ARN`);
    if (name === null) return unknown(`the queue name in ${describe(value)} is known only once deployed`);
    if (
      name instanceof ResourceAttr &&
      name.attribute === 'QueueName' &&
      this.type(name.logicalId) === 'AWS::SQS::Queue'
    ) {
      return known(name.logicalId);
    }
    if (typeof name === 'string') {
      const id = this.findByName('AWS::SQS::Queue', 'QueueName', name);
      if (id) return known(id);
    }
    return unknown(`queue ${describe(value)} is not defined in this template (check what is deployed with --live)`);
  }

  private queueModel(id: string): Known<QueueModel> {
    const cached = this.queues.get(id);
    if (cached) return known(cached);
    if (this.building.has(id)) return unknown(`the redrive policies of ${id} form a cycle`);
    this.building.add(id);
    const props = objectOrEmpty(objectOrEmpty(this.resources[id]).Properties);
    const name = this.evaluator.shallow(props.QueueName);
    const fifo = readBoolean(this.evaluator, props.FifoQueue, `${id}.FifoQueue`, false);
    const model: QueueModel = {
      name: id,
      ...this.constructIdOf(id),
      location: this.location(['Resources', id]),
      fifo:
        fifo.known && !fifo.value && name.known && typeof name.value === 'string' && name.value.endsWith('.fifo')
          ? known(true)
          : fifo,
      visibilityTimeout: readNumber(
        this.evaluator,
        props.VisibilityTimeout,
        `${id}.VisibilityTimeout`,
        AWS_DEFAULTS.visibilityTimeout,
      ),
      retentionPeriod: readNumber(
        this.evaluator,
        props.MessageRetentionPeriod,
        `${id}.MessageRetentionPeriod`,
        AWS_DEFAULTS.retentionPeriod,
      ),
      redrive: this.redrive(id, props.RedrivePolicy),
    };
    this.building.delete(id);
    this.queues.set(id, model);
    return known(model);
  }

  private redrive(queueId: string, node: unknown): Known<RedriveModel | undefined> {
    const value = this.evaluator.shallow(node);
    if (!value.known) return unknown(`${queueId}.RedrivePolicy: ${value.reason}`);
    let policy = value.value;
    if (policy === undefined || policy === null || policy === NO_VALUE) return known(undefined);
    if (typeof policy === 'string' || policy instanceof Composite) {
      const parsed = parseJson(policy);
      if (parsed === undefined) return unknown(`${queueId}.RedrivePolicy is not JSON`);
      policy = parsed;
    }
    const props = objectOrEmpty(policy);
    const missing = (key: string) => unknown<never>(`${queueId}.RedrivePolicy has no ${key}`);
    return known({
      location: this.location(['Resources', queueId, 'Properties', 'RedrivePolicy']),
      maxReceiveCount:
        props.maxReceiveCount === undefined
          ? missing('maxReceiveCount')
          : readNumber(this.evaluator, props.maxReceiveCount, `${queueId}.RedrivePolicy.maxReceiveCount`, 0),
      deadLetterQueue:
        props.deadLetterTargetArn === undefined
          ? missing('deadLetterTargetArn')
          : this.queueAt(props.deadLetterTargetArn, `${queueId}.RedrivePolicy.deadLetterTargetArn`),
    });
  }

  /** The function an event source mapping's `FunctionName` names. */
  private functionAt(node: unknown, label: string): Known<FunctionModel> {
    const value = this.evaluator.shallow(node);
    if (!value.known) return unknown(`${label}: ${value.reason}`);
    const target = value.value;
    if (target instanceof ResourceAttr && (target.attribute === undefined || target.attribute === 'Arn')) {
      const type = this.type(target.logicalId);
      if (FUNCTION_TYPES.has(String(type))) return known(this.functionModel(target.logicalId));
      if (type === 'AWS::Lambda::Alias' || type === 'AWS::Lambda::Version') {
        return this.functionAt(
          objectOrEmpty(objectOrEmpty(this.resources[target.logicalId]).Properties).FunctionName,
          label,
        );
      }
    }
    if (typeof target === 'string') {
      const name = target.startsWith('arn:') ? target.split(':')[6] : target.split(':')[0];
      const id = name === undefined ? undefined : this.findByName('AWS::Lambda::Function', 'FunctionName', name);
      if (id) return known(this.functionModel(id));
      return unknown(`function ${target} is not defined in this template (check what is deployed with --live)`);
    }
    return unknown(`${label}: ${describe(target)} is not a function in this template`);
  }

  private functionModel(id: string): FunctionModel {
    const resource = objectOrEmpty(this.resources[id]);
    const props = objectOrEmpty(resource.Properties);
    const globals = resource.Type === 'AWS::Serverless::Function' ? this.globals : {};
    return {
      name: id,
      ...this.constructIdOf(id),
      location: this.location(['Resources', id]),
      timeout: readNumber(
        this.evaluator,
        props.Timeout ?? globals.Timeout,
        `${id}.Timeout`,
        AWS_DEFAULTS.functionTimeout,
      ),
      reservedConcurrency: readNumber(
        this.evaluator,
        props.ReservedConcurrentExecutions ?? globals.ReservedConcurrentExecutions,
        `${id}.ReservedConcurrentExecutions`,
        undefined,
      ),
      runtime: this.runtimeOf(props.Runtime ?? globals.Runtime, `${id}.Runtime`),
    };
  }

  private runtimeOf(node: unknown, label: string): Known<string | undefined> {
    if (node === undefined || node === null) return known(undefined);
    const value = this.evaluator.shallow(node);
    if (!value.known) return unknown(`${label}: ${value.reason}`);
    return typeof value.value === 'string' ? known(value.value) : unknown(`${label} is ${describe(value.value)}`);
  }

  /** Whether the resource is created: its `Condition` is absent, true, or cannot be evaluated. */
  private deployed(resource: Record<string, unknown>): boolean {
    if (resource.Condition === undefined) return true;
    const condition = this.evaluator.condition(resource.Condition);
    return !condition.known || condition.value;
  }

  /** A CDK resource's construct id, from `Metadata.aws:cdk:path` (`Stack/OrdersQueue/Resource`). */
  private constructIdOf(id: string): { constructId?: string } {
    if (!this.cdk) return {};
    const path = objectOrEmpty(objectOrEmpty(this.resources[id]).Metadata)['aws:cdk:path'];
    if (typeof path !== 'string') return {};
    const segments = path.split('/');
    const last = segments.at(-1) === 'Resource' ? segments.at(-2) : segments.at(-1);
    return last ? { constructId: last } : {};
  }

  private type(id: string): unknown {
    return objectOrEmpty(this.resources[id]).Type;
  }

  private findByName(type: string, property: string, name: string): string | undefined {
    return Object.keys(this.resources).find((id) => {
      if (this.type(id) !== type && !(type === 'AWS::Lambda::Function' && FUNCTION_TYPES.has(String(this.type(id)))))
        return false;
      const value = this.evaluator.shallow(objectOrEmpty(objectOrEmpty(this.resources[id]).Properties)[property]);
      return value.known && value.value === name;
    });
  }

  private location(path: readonly string[]): Location {
    const line = this.template.lineOf(path);
    return line === undefined ? { file: this.template.file } : { file: this.template.file, line };
  }

  /** The service an ARN names (`sqs`, `kinesis`, …), or `undefined` when it cannot be told. */
  private arnService(value: unknown): string | undefined {
    if (value instanceof ResourceAttr) {
      const type = String(this.type(value.logicalId) ?? '');
      // A nested stack's output may be a queue ARN: unknown, so the mapping is kept and its queue reported not checked.
      if (type === 'AWS::CloudFormation::Stack' || type === 'AWS::Serverless::Application') return undefined;
      return type === 'AWS::SQS::Queue' ? 'sqs' : type.startsWith('AWS::') ? 'other' : undefined;
    }
    const text = flatten(value);
    if (text === undefined || !text.startsWith('arn:')) return undefined;
    return text.split(':')[2] === 'sqs' ? 'sqs' : text.split(':')[2] === '*' ? undefined : 'other';
  }
}
