// Data and mail steps that fail for good (a missing table, a refused privilege, a mail refused)
// stop the request in `needs_attention` instead of failing it: the state says where and why, a
// step records it and mails the privacy team, and the step waits for an admin's retryUpdate,
// then runs again. Only the failed step re-runs: the others already returned their results.
import { ActivityFailure, ApplicationFailure, CancellationScope, condition, setHandler } from '@temporalio/workflow';
import type { DsarActivities } from '../activities';
import { retryUpdate } from '../schemas/contract';
import type { RequestStatus } from '../schemas/status';
import { MAIL_REJECTED_FAILURE, NEEDS_ATTENTION_FAILURE, type AttentionCause, type DsarRequestState } from '../schemas/workflow';

type Steps = Pick<DsarActivities, 'recordNeedsAttention' | 'alertNeedsAttention' | 'recordRetry'>;

export interface AttentionGuard {
  /** Runs a data step; if it fails for good, waits in needs_attention for a retry and runs it again. */
  run<T>(step: () => Promise<T>): Promise<T>;
}

/** Where and why a step failed for good, or undefined for any other error. */
function attentionCause(err: unknown): AttentionCause | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return undefined;
  if (err.cause.type !== NEEDS_ATTENTION_FAILURE && err.cause.type !== MAIL_REJECTED_FAILURE) return undefined;
  return err.cause.details?.[0] as AttentionCause | undefined;
}

/** While a request waits for a person, its work slot goes to the next request in line; it queues again on retry. */
export interface WorkSlot {
  /** Gives the slot back; false when the request held none. */
  leave(): Promise<boolean>;
  enter(): Promise<void>;
}

export function attentionGuard(requestId: string, state: DsarRequestState, steps: Steps, slot?: WorkSlot): AttentionGuard {
  let episodes = 0;
  let retries = 0;
  /** Failures being recorded, and a retry being recorded: a retry waits until both are written. */
  let recording = 0;
  let retrying = false;
  let resumeTo: RequestStatus = 'in_progress';

  setHandler(
    retryUpdate,
    async (retry): Promise<{ status: RequestStatus }> => {
      retrying = true;
      try {
        await steps.recordRetry(requestId, episodes, retry.by, resumeTo);
        state.status = resumeTo;
        state.attention = undefined;
        retries++;
      } finally {
        retrying = false;
      }
      return { status: state.status };
    },
    {
      validator: (_retry) => {
        if (state.status !== 'needs_attention' || state.denial)
          throw new Error(`request is ${state.denial ? 'denied' : state.status}, not needs_attention: there is no failed step to retry`);
        if (retrying || recording) throw new Error('the request is being updated; try again in a moment');
      },
    },
  );

  return {
    async run(step) {
      for (;;) {
        try {
          return await step();
        } catch (err) {
          const cause = attentionCause(err);
          if (!cause) throw err;
          if (state.status !== 'needs_attention') resumeTo = state.status;
          const episode = ++episodes;
          const seen = retries;
          state.status = 'needs_attention';
          const attention = { ...cause, since: new Date(Date.now()).toISOString() };
          state.attention = attention;
          recording++;
          let slotLeft = false;
          try {
            // recorded and alerted even if a denial arrives meanwhile: the trail shows why it waited
            await CancellationScope.nonCancellable(async () => {
              await steps.recordNeedsAttention(requestId, episode, attention);
              // the team's own address refusing the alert must not end the request: the dashboard still shows it
              await steps.alertNeedsAttention(requestId, episode, attention).catch((e: unknown) => {
                if (!(e instanceof ActivityFailure)) throw e;
              });
              slotLeft = (await slot?.leave()) ?? false;
            });
          } finally {
            recording--;
          }
          await condition(() => retries > seen);
          if (slotLeft) await slot?.enter();
        }
      }
    },
  };
}
