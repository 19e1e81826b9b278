/**
 * The embedding claims of this process: one owner id per LocalRAGSystem, registered with its
 * host and pid. Claims of an owner whose process is gone (same host, pid not running) or that
 * has not shown a heartbeat for STALE_AFTER_MS are taken over, so work an interrupted run left
 * (kill -9, a crash, a lost machine) is finished by the next add or search.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { ResearchClaimRepo } from '../storage/research-claim-repo.js';

/** A live process renews its heartbeat at least this often while it embeds. */
export const HEARTBEAT_MS = 15_000;
/** An owner silent for this long is presumed dead (another host, or a hung process). */
export const STALE_AFTER_MS = 10 * 60_000;

/** Whether a process with this pid runs on this host (EPERM: it runs, as another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This process's identity in the claims tables. */
export class EmbedOwner {
  readonly id: string;
  private readonly host = hostname();
  private registered = false;
  private lastBeat = 0;

  constructor(
    private readonly claims: ResearchClaimRepo,
    private readonly now: () => number = Date.now,
  ) {
    this.id = `${this.host}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  /** Registers (once) before the first claim; later calls renew the heartbeat when it is due. */
  ensure(): string {
    const t = this.now();
    if (!this.registered) {
      this.claims.registerOwner({ owner: this.id, host: this.host, pid: process.pid, heartbeat_at: t });
      this.registered = true;
      this.lastBeat = t;
    } else if (t - this.lastBeat >= HEARTBEAT_MS) {
      this.claims.heartbeat(this.id, t);
      this.lastBeat = t;
    }
    return this.id;
  }

  /** Drops owners that are dead or silent; returns how many chunk claims that freed. */
  reapDead(): number {
    const t = this.now();
    const dead = this.claims
      .owners()
      .filter(
        (o) =>
          o.owner !== this.id &&
          ((o.host === this.host && !processAlive(o.pid)) || t - o.heartbeat_at > STALE_AFTER_MS),
      )
      .map((o) => o.owner);
    return this.claims.dropOwners(dead);
  }

  /** Chunks other live processes are embedding now. */
  othersClaims(): number {
    return this.claims.claimsOfOthers(this.id);
  }

  /** Releases every claim still held (end of a run, an error or an interrupt). */
  release(): void {
    if (!this.registered) return;
    this.claims.release(this.id);
    this.registered = false;
  }
}
