// The request's place among those doing data work at once (ACTIVE_REQUESTS_MAX): it queues in
// order of receipt and waits, without polling or timers, until the request that frees a slot
// admits it and signals it. The signal is durable once the admitting workflow recorded it, and a
// retried admission call returns (and signals) the same requests again, so no wake-up is lost. Only requests started by the
// lean step code take part (workflows/request-steps.ts, LEAN_STEPS_PATCH).
import { condition, getExternalWorkflowHandle, setHandler } from '@temporalio/workflow';
import type { DsarActivities } from '../activities';
import { admittedSignal } from '../schemas/contract';

type Steps = Pick<DsarActivities, 'admitRequest' | 'releaseAdmission'>;

export interface AdmissionGate {
  /** Waits for a work slot (at once when one is free and nobody received earlier waits). */
  enter(): Promise<void>;
  /** Gives the slot back (or leaves the queue) and wakes the requests admitted in its place; false when it held none. */
  leave(): Promise<boolean>;
  /** A step released the slot itself: wakes the requests it admitted. */
  released(admitted: string[]): Promise<void>;
  /** Whether the request is waiting for a slot now. */
  waiting(): boolean;
}

export function admissionGate(requestId: string, steps: Steps): AdmissionGate {
  let wakeUps = 0;
  let queued = false;
  let waiting = false;
  setHandler(admittedSignal, () => void wakeUps++);
  const wake = (ids: string[]) =>
    Promise.all(
      ids.map((id) =>
        getExternalWorkflowHandle(id)
          .signal(admittedSignal)
          .catch(() => undefined),
      ),
    ).then(() => undefined);
  return {
    async enter() {
      const seen = wakeUps;
      const r = await steps.admitRequest(requestId);
      queued = true;
      await wake(r.wake);
      if (r.admitted) return;
      waiting = true;
      try {
        await condition(() => wakeUps > seen);
      } finally {
        waiting = false;
      }
    },
    async leave() {
      if (!queued) return false;
      queued = false;
      await wake(await steps.releaseAdmission(requestId));
      return true;
    },
    async released(admitted) {
      queued = false;
      await wake(admitted);
    },
    waiting: () => waiting,
  };
}
