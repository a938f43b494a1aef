// The payflow.dev/v1alpha1 custom resources, written once: zod parses them in the controller
// and in tests, and generate.ts emits the CRDs in crds/ from these same schemas. Descriptions
// become `kubectl explain` text; CEL rules are declared beside the fields they guard.
import { z } from 'zod';
import {
  API_VERSION,
  conditionsSchema,
  count,
  int,
  objectMetaSchema,
  objectName,
  text,
  time,
  withCel,
  withKube,
} from './kube.ts';

/** Wrap a kind's spec and status into the whole resource (`status` is absent until reconciled). */
function resource<K extends string, Spec extends z.ZodType, Status extends z.ZodType>(
  kind: K,
  spec: Spec,
  status: Status,
) {
  return z.object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal(kind),
    metadata: objectMetaSchema,
    spec,
    status: status.optional(),
  });
}

const observedGeneration = () =>
  count().optional().describe('The .metadata.generation this status was computed from.');

// ---------------------------------------------------------------------------------------------
// Rule

export const RULE_CONDITION_TYPES = ['Ready', 'Synced'] as const;

export const ruleModeSchema = z.enum(['enforce', 'shadow']);
export const ruleActionSchema = z.enum(['alert', 'flag', 'hold', 'decline']);
export const ruleSeveritySchema = z.enum(['low', 'medium', 'high', 'critical']);

/** The rule expression tree (all/any/not, comparisons, aggregates). The controller validates it. */
export const ruleDefinitionSchema = withKube(
  z
    .record(z.string(), z.unknown())
    .refine((tree) => Object.keys(tree).length > 0, { error: 'definition must not be empty' })
    .describe(
      'The rule expression tree: all/any/not nodes, comparisons {field, op, value} and aggregates ' +
        '{aggregate, window, group_by, op, value}. Validated by the controller; see the Synced condition.',
    ),
  { 'x-kubernetes-preserve-unknown-fields': true, minProperties: 1 },
);

export const ruleSpecSchema = z.object({
  displayName: text(128).optional().describe('Name shown in the console; defaults to metadata.name.'),
  description: text(2048, 0).optional().describe('What the rule looks for and why.'),
  enabled: z.boolean().default(true).describe('Whether the rule is evaluated at all.'),
  mode: ruleModeSchema
    .default('enforce')
    .describe('enforce applies the action; shadow only records what would have happened.'),
  action: ruleActionSchema.describe('What a match does to the payment.'),
  severity: ruleSeveritySchema.describe('Severity of the alerts the rule raises.'),
  definition: ruleDefinitionSchema,
  cooldownSeconds: int(0, 86_400)
    .optional()
    .describe('Minimum seconds between two alerts of this rule for the same group key.'),
});

export const ruleStatusSchema = z.object({
  observedGeneration: observedGeneration(),
  conditions: conditionsSchema(RULE_CONDITION_TYPES).optional(),
  ruleId: text(64).optional().describe('Id of the rule in the PayFlow store.'),
  syncedGeneration: count().optional().describe('The .metadata.generation last written to the store.'),
  hitsLast24h: count().optional().describe('Matches in the last 24 hours.'),
  mode: ruleModeSchema.optional().describe('The mode the workers currently evaluate the rule in.'),
  lastSyncTime: time().optional().describe('When the rule was last written to the store.'),
});

export const ruleSchema = resource('Rule', ruleSpecSchema, ruleStatusSchema);

// ---------------------------------------------------------------------------------------------
// BatchJob

export const BATCH_JOB_CONDITION_TYPES = ['Running', 'Complete', 'Failed', 'Suspended'] as const;
/** Reasons of the Failed condition, as batch/v1 Job reports them. */
export const BATCH_JOB_FAILED_REASONS = ['BackoffLimitExceeded', 'DeadlineExceeded'] as const;

export const batchJobTypeSchema = z.enum(['replay', 'backfill', 'reconcile', 'backtest', 'export']);
export const batchJobPhaseSchema = z.enum(['Pending', 'Running', 'Suspended', 'Complete', 'Failed']);
export const exportFormatSchema = z.enum(['jsonl', 'csv']);

export const batchJobParametersSchema = withCel(
  z
    .object({
      from: time().describe('Start of the time window (inclusive), RFC 3339.'),
      to: time().describe('End of the time window (exclusive), RFC 3339.'),
      ruleName: objectName().optional().describe('backtest only: the Rule (same namespace) to backtest.'),
      format: exportFormatSchema.optional().describe('export only: output format.'),
      chunkSize: int(1, 10_000).default(500).describe('Items per checkpointed chunk.'),
    })
    .describe('Type-specific parameters. Immutable.'),
  [
    {
      rule: 'self.from < self.to',
      message: 'parameters.from must be before parameters.to',
      fieldPath: '.to',
      check: (p) => Date.parse(p.from) < Date.parse(p.to),
    },
    { rule: 'self == oldSelf', message: 'parameters are immutable' },
  ],
);

export const batchJobSpecSchema = withCel(
  z.object({
    type: withCel(batchJobTypeSchema.describe('What the job does. Immutable.'), [
      { rule: 'self == oldSelf', message: 'type is immutable' },
    ]),
    parameters: batchJobParametersSchema,
    parallelism: int(1, 32).default(1).describe('Chunks processed at the same time (pods of the Job).'),
    backoffLimit: int(0, 20).default(6).describe('Retries before the job is marked Failed.'),
    activeDeadlineSeconds: int(1, 2_592_000)
      .optional()
      .describe('Seconds the job may run before it is marked Failed (DeadlineExceeded).'),
    ttlSecondsAfterFinished: int(0, 2_592_000)
      .optional()
      .describe('Seconds after completion or failure before the BatchJob is deleted.'),
    suspend: z.boolean().default(false).describe('Pause the job; resume by setting it back to false.'),
    image: text(512)
      .optional()
      .describe('Worker image override; defaults to the controller-configured image.'),
  }),
  [
    {
      rule: "has(self.parameters.ruleName) == (self.type == 'backtest')",
      message: 'parameters.ruleName is required for backtest jobs and allowed only for them',
      fieldPath: '.parameters.ruleName',
      check: (s) => (s.parameters.ruleName !== undefined) === (s.type === 'backtest'),
    },
    {
      rule: "has(self.parameters.format) == (self.type == 'export')",
      message: 'parameters.format is required for export jobs and allowed only for them',
      fieldPath: '.parameters.format',
      check: (s) => (s.parameters.format !== undefined) === (s.type === 'export'),
    },
  ],
);

export const batchJobStatusSchema = z.object({
  observedGeneration: observedGeneration(),
  phase: batchJobPhaseSchema.optional().describe('Summary of the conditions.'),
  conditions: conditionsSchema(BATCH_JOB_CONDITION_TYPES).optional(),
  jobName: text(63).optional().describe('Name of the owned batch/v1 Job.'),
  jobId: text(64).optional().describe('Id of the job and its checkpoints in the PayFlow store.'),
  processed: count().optional().describe('Items processed so far.'),
  total: count().optional().describe('Items to process, once known.'),
  failed: count().optional().describe('Items that failed.'),
  startTime: time().optional().describe('When the job started running.'),
  completionTime: time().optional().describe('When the job completed or failed.'),
});

/** The owned Job is named after the BatchJob, and Job names (a label value) are limited to 63. */
export const batchJobSchema = withCel(resource('BatchJob', batchJobSpecSchema, batchJobStatusSchema), [
  {
    rule: 'self.metadata.name.size() <= 63',
    message: 'metadata.name must be at most 63 characters (it names the owned Job)',
    check: (job) => job.metadata.name.length <= 63,
  },
]);

// ---------------------------------------------------------------------------------------------
// WorkerPool

export const WORKER_POOL_CONDITION_TYPES = ['Active', 'Ready', 'Fallback'] as const;

const queueRefShape = {
  url: text(2048)
    .regex(/^https?:\/\//, 'must be an http(s) URL')
    .optional()
    .describe('Queue URL.'),
  name: text(80)
    .regex(/^[A-Za-z0-9_-]+(\.fifo)?$/, 'must be an SQS queue name')
    .optional()
    .describe('Queue name, resolved to a URL in the region.'),
};

const exactlyOneOfUrlOrName = {
  rule: 'has(self.url) != has(self.name)',
  message: 'exactly one of url or name must be set',
  check: (q: { url?: string | undefined; name?: string | undefined }) =>
    (q.url === undefined) !== (q.name === undefined),
};

export const queueRefSchema = withCel(z.object(queueRefShape), [exactlyOneOfUrlOrName]);

export const workerPoolQueueSchema = withCel(
  z
    .object({
      ...queueRefShape,
      region: text(32)
        .regex(/^[a-z0-9-]+$/, 'must be an AWS region such as eu-west-1')
        .optional()
        .describe('AWS region; defaults to the controller-configured region.'),
      deadLetterQueue: queueRefSchema
        .optional()
        .describe('The dead-letter queue, whose depth is reported in status.backlog.deadLetter.'),
    })
    .describe('The SQS queue the workers consume.'),
  [exactlyOneOfUrlOrName],
);

export const workerPoolFallbackSchema = z
  .object({
    failureThreshold: int(1, 100)
      .default(3)
      .describe('Consecutive failed backlog reads before falling back.'),
    replicas: int(0, 1000).describe('Replicas to run while the backlog cannot be read.'),
  })
  .describe('What to run when the queue metrics cannot be read.');

export const workerPoolSpecSchema = withCel(
  z.object({
    queue: workerPoolQueueSchema,
    minReplicas: int(0, 1000).default(1).describe('Fewest replicas; 0 allows scaling to zero.'),
    maxReplicas: int(1, 1000).describe('Most replicas.'),
    replicas: int(0, 1000)
      .optional()
      .describe(
        'Written through the scale subresource (kubectl scale, an external autoscaler). When set, the ' +
          'controller runs this many replicas, clamped to [minReplicas, maxReplicas], instead of the ' +
          'backlog-derived count.',
      ),
    targetBacklogPerReplica: int(1, 100_000).default(5).describe('Messages each replica should have.'),
    activationBacklog: int(0, 1_000_000)
      .default(0)
      .describe('The pool is Active (scaled above zero) only when the backlog exceeds this.'),
    countInFlight: z.boolean().default(true).describe('Count received but undeleted messages as backlog.'),
    countDelayed: z.boolean().default(false).describe('Count delayed messages as backlog.'),
    pollingIntervalSeconds: int(1, 300).default(5).describe('Seconds between two backlog reads.'),
    cooldownSeconds: int(0, 3600)
      .default(300)
      .describe('Seconds without backlog before scaling to zero (when minReplicas is 0).'),
    scaleDownStabilizationSeconds: int(0, 3600)
      .default(60)
      .describe('Scale down only to the highest recommendation of this many past seconds.'),
    tolerancePercent: int(0, 100)
      .default(10)
      .describe('Ignore changes of the desired count smaller than this percentage.'),
    fallback: workerPoolFallbackSchema.optional(),
    concurrencyPerReplica: int(1, 100).default(10).describe('Messages each replica handles at once.'),
    template: withKube(
      z
        .record(z.string(), z.unknown())
        .optional()
        .describe('Pod template (metadata, spec) merged over the controller-built worker pod.'),
      { 'x-kubernetes-preserve-unknown-fields': true },
    ),
  }),
  [
    {
      rule: 'self.minReplicas <= self.maxReplicas',
      message: 'minReplicas must be less than or equal to maxReplicas',
      fieldPath: '.minReplicas',
      check: (s) => s.minReplicas <= s.maxReplicas,
    },
    {
      rule:
        '!has(self.fallback) || (self.fallback.replicas >= self.minReplicas && ' +
        'self.fallback.replicas <= self.maxReplicas)',
      message: 'fallback.replicas must be within [minReplicas, maxReplicas]',
      fieldPath: '.fallback.replicas',
      check: (s) =>
        s.fallback === undefined ||
        (s.fallback.replicas >= s.minReplicas && s.fallback.replicas <= s.maxReplicas),
    },
  ],
);

export const workerPoolBacklogSchema = z
  .object({
    visible: count().optional().describe('ApproximateNumberOfMessages.'),
    inFlight: count().optional().describe('ApproximateNumberOfMessagesNotVisible.'),
    delayed: count().optional().describe('ApproximateNumberOfMessagesDelayed.'),
    deadLetter: count().optional().describe('Visible messages in the dead-letter queue.'),
  })
  .describe('Queue depth at the last read.');

export const workerPoolStatusSchema = z.object({
  observedGeneration: observedGeneration(),
  conditions: conditionsSchema(WORKER_POOL_CONDITION_TYPES).optional(),
  replicas: count().optional().describe('Current replicas of the worker Deployment (scale subresource).'),
  selector: text(1024).optional().describe('Label selector of the worker pods (scale subresource).'),
  desiredReplicas: count().optional().describe('Replicas the controller last asked for.'),
  readyReplicas: count().optional().describe('Ready replicas of the worker Deployment.'),
  backlog: workerPoolBacklogSchema.optional(),
  arrivalRateMilli: count().optional().describe('Messages arriving per second, in thousandths.'),
  drainRateMilli: count().optional().describe('Messages deleted per second, in thousandths.'),
  lastScaleTime: time().optional().describe('When the replica count last changed.'),
  lastScaleReason: text(1024, 0).optional().describe('Why the replica count last changed.'),
});

export const workerPoolSchema = resource('WorkerPool', workerPoolSpecSchema, workerPoolStatusSchema);

// ---------------------------------------------------------------------------------------------
// Types. `*Input` types are what a user writes (defaulted fields optional).

export type RuleMode = z.infer<typeof ruleModeSchema>;
export type RuleAction = z.infer<typeof ruleActionSchema>;
export type RuleSeverity = z.infer<typeof ruleSeveritySchema>;
export type RuleConditionType = (typeof RULE_CONDITION_TYPES)[number];
export type RuleSpec = z.infer<typeof ruleSpecSchema>;
export type RuleSpecInput = z.input<typeof ruleSpecSchema>;
export type RuleStatus = z.infer<typeof ruleStatusSchema>;
export type Rule = z.infer<typeof ruleSchema>;

export type BatchJobType = z.infer<typeof batchJobTypeSchema>;
export type BatchJobPhase = z.infer<typeof batchJobPhaseSchema>;
export type BatchJobConditionType = (typeof BATCH_JOB_CONDITION_TYPES)[number];
export type BatchJobFailedReason = (typeof BATCH_JOB_FAILED_REASONS)[number];
export type ExportFormat = z.infer<typeof exportFormatSchema>;
export type BatchJobParameters = z.infer<typeof batchJobParametersSchema>;
export type BatchJobSpec = z.infer<typeof batchJobSpecSchema>;
export type BatchJobSpecInput = z.input<typeof batchJobSpecSchema>;
export type BatchJobStatus = z.infer<typeof batchJobStatusSchema>;
export type BatchJob = z.infer<typeof batchJobSchema>;

export type WorkerPoolConditionType = (typeof WORKER_POOL_CONDITION_TYPES)[number];
export type QueueRef = z.infer<typeof queueRefSchema>;
export type WorkerPoolQueue = z.infer<typeof workerPoolQueueSchema>;
export type WorkerPoolFallback = z.infer<typeof workerPoolFallbackSchema>;
export type WorkerPoolSpec = z.infer<typeof workerPoolSpecSchema>;
export type WorkerPoolSpecInput = z.input<typeof workerPoolSpecSchema>;
export type WorkerPoolBacklog = z.infer<typeof workerPoolBacklogSchema>;
export type WorkerPoolStatus = z.infer<typeof workerPoolStatusSchema>;
export type WorkerPool = z.infer<typeof workerPoolSchema>;
