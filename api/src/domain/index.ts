// The pure domain of PayFlow (no I/O): money, the payment state machine, ids, domain errors,
// the rule language and evaluator, and the payment event message. Imported by the API, the
// worker and the controller as `@payflow/api/domain`.
export * from './errors.ts';
export * from './money.ts';
export * from './states.ts';
export * from './ids.ts';
export * from './rules-schema.ts';
export * from './rules.ts';
export * from './rules-sql.ts';
export * from './events.ts';
export * from './validation.ts';
