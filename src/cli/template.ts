import { FOR_EACH, forEachSources } from './forEach.js';
import { Composite, describe, Evaluator, Imported, isPlainObject, NO_VALUE, ResourceAttr } from './intrinsics.js';
import {
  AWS_DEFAULTS,
  type Dialect,
  type EventSourceModel,
  type FunctionModel,
  type Known,
  known,
  type Location,
  NON_SQS_PROPERTIES,
  type QueueModel,
  type RedriveModel,
  unknown,
} from './model.js';
import { arnResource, flatten, objectOrEmpty, parseJson, readBoolean, readNumber, readStringList } from './values.js';

/**
 * A CloudFormation template as the reader sees it: a template as written, or one translated from
 * `serverless.yml` or Terraform, which set `dialect` (fixes are written in their syntax) and `names`
 * (what a resource is called in the source, by logical id).
 */
export interface CloudFormationView {
  readonly file: string;
  readonly body: Readonly<Record<string, unknown>>;
  lineOf(path: readonly string[]): number | undefined;
  fileOf?(path: readonly string[]): string | undefined;
  readonly dialect?: 'serverless' | 'terraform';
  readonly names?: ReadonlyMap<string, string>;
}

const SAM_TRANSFORM = 'AWS::Serverless-2016-10-31';
const FUNCTION_TYPES = new Set(['AWS::Lambda::Function', 'AWS::Serverless::Function']);

/**
 * Finds every SQS event source in a template (SAM `Type: SQS` events and
 * `AWS::Lambda::EventSourceMapping` resources on an SQS queue) and resolves
 * what the rules need: the queue, its redrive policy and dead-letter queue,
 * and the function's timeout and reserved concurrency (SAM `Globals` included).
 */
export function eventSourcesInTemplate(
  template: CloudFormationView,
  overrides: ReadonlyMap<string, string> = new Map(),
): EventSourceModel[] {
  return eventSourcesInTemplates([template], overrides)[0] as EventSourceModel[];
}

/**
 * {@link eventSourcesInTemplate} for templates checked together: an `!ImportValue` of an export
 * that one of them declares resolves to what it exports. One list of sources per template.
 */
export function eventSourcesInTemplates(
  templates: readonly CloudFormationView[],
  overrides: ReadonlyMap<string, string> = new Map(),
): EventSourceModel[][] {
  const readers: TemplateReader[] = [];
  const imports = (name: string): Imported | undefined => {
    for (const reader of readers) {
      const value = reader.exported(name);
      if (value !== undefined) return new Imported(name, value, reader);
    }
    return undefined;
  };
  for (const template of templates) readers.push(new TemplateReader(template, overrides, imports));
  return readers.map((reader) => reader.eventSources());
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
    private readonly template: CloudFormationView,
    overrides: ReadonlyMap<string, string>,
    imports: (name: string) => Imported | undefined,
  ) {
    const body = template.body;
    this.resources = objectOrEmpty(body.Resources);
    this.evaluator = new Evaluator({
      resources: this.resources,
      parameters: objectOrEmpty(body.Parameters),
      conditions: objectOrEmpty(body.Conditions),
      mappings: objectOrEmpty(body.Mappings),
      overrides,
      imports,
    });
    const transforms = Array.isArray(body.Transform) ? body.Transform : [body.Transform];
    this.sam = transforms.includes(SAM_TRANSFORM);
    this.cdk = Object.values(this.resources).some(
      (r) => isPlainObject(r) && isPlainObject(r.Metadata) && 'aws:cdk:path' in r.Metadata,
    );
    this.globals = objectOrEmpty(objectOrEmpty(body.Globals).Function);
  }

  eventSources(): EventSourceModel[] {
    const sources: EventSourceModel[] = [];
    for (const [id, resource] of Object.entries(this.resources)) {
      if (id.startsWith(FOR_EACH)) {
        sources.push(...forEachSources(id, resource, this.location(['Resources', id])));
        continue;
      }
      if (!isPlainObject(resource) || !this.deployed(resource)) continue;
      if (resource.Type === 'AWS::Serverless::Function') {
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

  /** The value of the output exported as `name`, evaluated in this template; `undefined` when none is. */
  exported(name: string): unknown {
    for (const output of Object.values(objectOrEmpty(this.template.body.Outputs))) {
      const exportName = this.evaluator.shallow(objectOrEmpty(objectOrEmpty(output).Export).Name);
      if (!exportName.known || exportName.value !== name) continue;
      const value = this.evaluator.shallow(objectOrEmpty(output).Value);
      return value.known ? value.value : undefined;
    }
    return undefined;
  }

  private samEvent(functionId: string, name: string, props: Record<string, unknown>): EventSourceModel {
    const id = `${functionId}.Events.${name}`;
    return {
      id,
      dialect: 'sam',
      location: this.location(['Resources', functionId, 'Properties', 'Events', name]),
      ...this.queueSettings(props.Queue, `${id}.Queue`),
      function: known(this.functionModel(functionId)),
      ...this.mappingSettings(props),
      ...(this.sam ? {} : { transformMissing: true }),
    };
  }

  private mapping(id: string, props: Record<string, unknown>): EventSourceModel | undefined {
    // Every SQS mapping names its queue; one without EventSourceArn reads Kafka or another self-managed source.
    if (props.EventSourceArn === undefined) return undefined;
    const source = this.evaluator.shallow(props.EventSourceArn);
    const kind = source.known ? this.arnService(source.value) : undefined;
    if (kind !== undefined && kind !== 'sqs') return undefined;
    // An event source that cannot be resolved is SQS unless the mapping has a property only other sources take.
    if (kind === undefined && NON_SQS_PROPERTIES.some((p) => p in props)) return undefined;
    const dialect: Dialect = this.template.dialect ?? (this.cdk ? 'cdk' : 'cloudformation');
    const generatedId = dialect === 'serverless' ? this.template.names?.get(id) : undefined;
    return {
      id,
      dialect,
      ...(generatedId ? { generatedId } : {}),
      location: this.location(['Resources', id]),
      ...this.queueSettings(props.EventSourceArn, `${id}.EventSourceArn`),
      function: this.functionAt(props.FunctionName, `${id}.FunctionName`),
      ...this.mappingSettings(props),
    };
  }

  /** The queue, and what names it when that is its URL rather than its ARN. */
  private queueSettings(node: unknown, label: string): Pick<EventSourceModel, 'queue' | 'queueUrl'> {
    const value = this.evaluator.shallow(node);
    if (
      value.known &&
      value.value instanceof ResourceAttr &&
      value.value.attribute === undefined &&
      this.type(value.value.logicalId) === 'AWS::SQS::Queue'
    ) {
      const id = value.value.logicalId;
      return {
        queue: this.queueModel(id),
        queueUrl: this.template.dialect === 'terraform' ? `${id}.url` : describe(value.value),
      };
    }
    return { queue: this.queueAt(node, label) };
  }

  private mappingSettings(props: Record<string, unknown>) {
    const scaling = this.evaluator.shallow(props.ScalingConfig);
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
      provisioned: this.present(props.ProvisionedPollerConfig, 'ProvisionedPollerConfig'),
      metrics: mapKnown(this.evaluator.deep(props.MetricsConfig), 'MetricsConfig', (config) => {
        const metrics = objectOrEmpty(config).Metrics;
        return Array.isArray(metrics) && metrics.length > 0;
      }),
    };
  }

  /** Whether a property is set (`AWS::NoValue` and an absent property are not). */
  private present(node: unknown, label: string): Known<boolean> {
    return mapKnown(this.evaluator.shallow(node), label, (v) => v !== undefined && v !== null && v !== NO_VALUE);
  }

  /** The queue an ARN-valued property points to. */
  private queueAt(node: unknown, label: string): Known<QueueModel> {
    const value = this.evaluator.shallow(node);
    if (!value.known) return unknown(`${label}: ${value.reason}`);
    if (value.value instanceof Imported) return (value.value.owner as TemplateReader).queueAt(value.value.value, label);
    const id = this.queueId(value.value);
    const model = id.known ? this.queueModel(id.value) : id;
    return model.known ? model : unknown(`${label}: ${model.reason}`);
  }

  /** The logical id of the queue an evaluated ARN names. */
  private queueId(value: unknown): Known<string> {
    if (value instanceof ResourceAttr && this.type(value.logicalId) === 'AWS::CloudFormation::Stack') {
      return unknown(
        `${describe(value)} is an output of nested stack ${value.logicalId}: check its template (check what is deployed with --live)`,
      );
    }
    if (value instanceof ResourceAttr && this.type(value.logicalId) === 'AWS::SQS::Queue') {
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
      ...this.names(id),
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
      ...this.names(id),
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
      runtime: this.runtime(props, globals, `${id}.Runtime`),
    };
  }

  private runtime(
    props: Record<string, unknown>,
    globals: Record<string, unknown>,
    label: string,
  ): Known<string | undefined> {
    const value = this.evaluator.shallow(props.Runtime ?? globals.Runtime);
    if (!value.known) return unknown(`${label}: ${value.reason}`);
    if (value.value === undefined || value.value === NO_VALUE) return known(undefined);
    return typeof value.value === 'string' ? known(value.value) : unknown(`${label} is ${describe(value.value)}`);
  }

  /** What a resource is called in fixes: its logical id, its name in the source, and its CDK construct id. */
  private names(id: string): { name: string; construct?: string } {
    const name = this.template.names?.get(id) ?? id;
    if (!this.cdk) return { name };
    const path = objectOrEmpty(objectOrEmpty(this.resources[id]).Metadata)['aws:cdk:path'];
    const segments = typeof path === 'string' ? path.split('/') : [];
    // `Stack/OrdersQueue/Resource`: the construct is the segment before the L1 resource.
    const construct = segments.at(-1) === 'Resource' ? segments.at(-2) : segments.at(-1);
    return construct ? { name, construct } : { name };
  }

  /** Whether the resource is created: its `Condition` is absent, true, or cannot be evaluated. */
  private deployed(resource: Record<string, unknown>): boolean {
    if (resource.Condition === undefined) return true;
    const condition = this.evaluator.condition(resource.Condition);
    return !condition.known || condition.value;
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
    const file = this.template.fileOf?.(path) ?? this.template.file;
    return line === undefined ? { file } : { file, line };
  }

  /** The service an ARN names (`sqs`, `kinesis`, …), or `undefined` when it cannot be told. */
  private arnService(value: unknown): string | undefined {
    if (value instanceof ResourceAttr) {
      const type = String(this.type(value.logicalId) ?? '');
      // A nested stack's output can be any ARN.
      if (type === 'AWS::CloudFormation::Stack') return undefined;
      return type === 'AWS::SQS::Queue' ? 'sqs' : type.startsWith('AWS::') ? 'other' : undefined;
    }
    const text = flatten(value);
    if (text === undefined || !text.startsWith('arn:')) return undefined;
    return text.split(':')[2] === 'sqs' ? 'sqs' : text.split(':')[2] === '*' ? undefined : 'other';
  }
}

function mapKnown<T>(value: Known<unknown>, label: string, map: (value: unknown) => T): Known<T> {
  return value.known ? known(map(value.value)) : unknown(`${label}: ${value.reason}`);
}
