export { createPool, type PoolSettings } from './db.ts';
export { loadMigrations, migrate, MIGRATIONS_DIR, type Migration, type MigrationResult } from './migrate.ts';
export {
  appendAudit,
  enqueueOutbox,
  withTransaction,
  type AuditEntry,
  type AuditRow,
  type OutboxMessage,
} from './tx.ts';
export { ensurePaymentPartitions, keepPaymentPartitions, type PartitionWindow } from './partitions.ts';
