// Events (events.k8s.io/v1) about the objects the controller reconciles, written on transitions.
// Recording is best effort: a failure is logged and never fails a reconcile.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { GVR, type KubeClient, type KubeObject } from './kube-client.ts';
import { microTime } from './leader.ts';

export const REPORTING_CONTROLLER = 'payflow.dev/controller';

export interface EventRecorder {
  record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, note: string): void;
}

export function createEventRecorder(client: KubeClient, instance: string, log: Logger): EventRecorder {
  return {
    record(obj, type, reason, note) {
      const namespace = obj.metadata.namespace ?? 'default';
      const event = {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: `${obj.metadata.name}.${randomBytes(8).toString('hex')}`, namespace },
        eventTime: microTime(),
        reportingController: REPORTING_CONTROLLER,
        reportingInstance: instance.slice(0, 128),
        action: 'Reconcile',
        reason,
        note: note.slice(0, 1024),
        type,
        regarding: {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name: obj.metadata.name,
          namespace,
          uid: obj.metadata.uid,
          resourceVersion: obj.metadata.resourceVersion,
        },
      };
      client.create(GVR.event, event).catch((err: unknown) => {
        log.warn({ err, reason }, 'could not record an event');
      });
    },
  };
}
