// Lease-based leader election as client-go's leaderelection package does it: a candidate takes
// the coordination.k8s.io/v1 Lease when it is free or its holder has not renewed it within the
// lease duration (measured on the candidate's own clock from when it last saw the record change),
// renews it every retry period, and steps down when it could not renew within the renew deadline.
// On shutdown the leader releases the Lease by clearing holderIdentity, so that a successor need
// not wait for the lease to expire.
import type { Logger } from 'pino';
import { GVR, isConflict, isNotFound, type KubeClient, type KubeObject } from './kube-client.ts';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaderElectionOptions {
  client: KubeClient;
  log: Logger;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  onLeaderChange?: (holder: string | undefined) => void;
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(d: Date = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

const sleep = async (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

const jitter = (ms: number): number => ms * (1 + Math.random() * 0.2);

export class LeaderElector {
  private readonly o: Required<Omit<LeaderElectionOptions, 'onLeaderChange'>> &
    Pick<LeaderElectionOptions, 'onLeaderChange'>;
  private observed = '';
  private observedAt = 0;
  private leading = false;
  private known = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private holder: string | undefined;

  constructor(opts: LeaderElectionOptions) {
    this.o = {
      ...opts,
      leaseDurationMs: opts.leaseDurationMs ?? 15_000,
      renewDeadlineMs: opts.renewDeadlineMs ?? 10_000,
      retryPeriodMs: opts.retryPeriodMs ?? 2_000,
    };
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Whether this candidate knows who leads (itself or another holder of an unexpired lease). */
  get leadershipKnown(): boolean {
    return this.known;
  }

  get currentHolder(): string | undefined {
    return this.holder;
  }

  private isStopped(): boolean {
    return this.stopped;
  }

  start(): void {
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (await this.safeTry()) {
        this.becomeLeader();
        await this.renewLoop();
      } else {
        await sleep(jitter(this.o.retryPeriodMs));
      }
    }
  }

  private becomeLeader(): void {
    this.leading = true;
    this.o.log.info({ lease: this.o.name, identity: this.o.identity }, 'became leader');
    this.o.onStartedLeading();
  }

  private async renewLoop(): Promise<void> {
    let lastRenew = performance.now();
    while (!this.stopped) {
      await sleep(this.o.retryPeriodMs);
      if (this.isStopped()) return;
      if (await this.safeTry()) lastRenew = performance.now();
      else if (performance.now() - lastRenew > this.o.renewDeadlineMs) break;
    }
    if (this.isStopped()) return;
    this.leading = false;
    this.o.log.warn({ lease: this.o.name }, 'leadership lost: the lease was not renewed in time');
    this.o.onStoppedLeading();
  }

  private async safeTry(): Promise<boolean> {
    try {
      return await this.tryAcquireOrRenew();
    } catch (err) {
      this.o.log.warn({ err, lease: this.o.name }, 'lease acquire or renew failed');
      return false;
    }
  }

  private observe(spec: LeaseSpec): void {
    const record = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.leaseTransitions]);
    if (record !== this.observed) {
      this.observed = record;
      this.observedAt = performance.now();
    }
    if (spec.holderIdentity !== this.holder) {
      this.holder = spec.holderIdentity;
      this.o.onLeaderChange?.(spec.holderIdentity);
    }
  }

  /** Held by another candidate whose lease has not expired (by our own clock). */
  private heldByOther(spec: LeaseSpec): boolean {
    const holder = spec.holderIdentity ?? '';
    const expiry = this.observedAt + (spec.leaseDurationSeconds ?? 0) * 1000;
    return holder !== '' && holder !== this.o.identity && expiry > performance.now();
  }

  private nextRecord(spec: LeaseSpec, mine: LeaseSpec): LeaseSpec {
    if (spec.holderIdentity === this.o.identity)
      return {
        ...mine,
        acquireTime: spec.acquireTime ?? mine.acquireTime,
        leaseTransitions: spec.leaseTransitions ?? 0,
      };
    // As client-go: every change of holder (a released lease included) is a transition.
    return { ...mine, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 };
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const ref = { namespace: this.o.namespace, name: this.o.name };
    const now = microTime();
    const mine: LeaseSpec = {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000),
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
    };
    let lease: Lease;
    try {
      lease = await this.o.client.get<Lease>(GVR.lease, ref);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return this.write(() => this.o.client.create<Lease>(GVR.lease, { metadata: ref, spec: mine }), mine);
    }
    const spec = lease.spec ?? {};
    this.observe(spec);
    if (this.heldByOther(spec)) {
      this.known = true;
      return false;
    }
    const updated = { ...lease, spec: this.nextRecord(spec, mine) };
    const next = updated.spec;
    return this.write(() => this.o.client.replace<Lease>(GVR.lease, updated), next);
  }

  private async write(op: () => Promise<Lease>, spec: LeaseSpec): Promise<boolean> {
    try {
      await op();
    } catch (err) {
      // Someone else wrote the lease between our read and write: they won this round.
      if (isConflict(err) || (err as { status?: number }).status === 409) return false;
      throw err;
    }
    this.observe(spec);
    this.known = true;
    return true;
  }

  /** Stops campaigning; a leader releases the lease so that a successor can take it at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    if (!this.leading) return;
    this.leading = false;
    try {
      const ref = { namespace: this.o.namespace, name: this.o.name };
      const lease = await this.o.client.get<Lease>(GVR.lease, ref);
      if (lease.spec?.holderIdentity !== this.o.identity) return;
      const now = microTime();
      const released: LeaseSpec = {
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: lease.spec.leaseTransitions ?? 0,
      };
      await this.o.client.replace<Lease>(GVR.lease, { ...lease, spec: released });
      this.o.log.info({ lease: this.o.name }, 'released leadership');
    } catch (err) {
      this.o.log.warn({ err, lease: this.o.name }, 'could not release the lease');
    }
  }
}
