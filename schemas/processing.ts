// The request types that change processing rather than read or erase data, and what each asks
// of a store. Pure and zod-free: the workflow imports it.

/** opt_out: CCPA §7026 (sale/sharing); limit: §7027 (sensitive information); restriction: GDPR Art. 18; objection: Art. 21. */
export const PROCESSING_TYPES = ['opt_out', 'limit', 'restriction', 'objection'] as const;
export type ProcessingType = (typeof PROCESSING_TYPES)[number];
export const isProcessingType = (t: string): t is ProcessingType => (PROCESSING_TYPES as readonly string[]).includes(t);

/** The purpose an objection to direct marketing names; always honoured (GDPR Art. 21(3)). */
export const DIRECT_MARKETING = 'direct_marketing';

/** What a store is asked to do: one per request type, and the privacy team's lifting of a restriction. */
export const PROCESSING_CHANGES = ['opt_out', 'limit', 'restrict', 'lift_restriction', 'object'] as const;
export type ProcessingChangeKind = (typeof PROCESSING_CHANGES)[number];

export interface ProcessingChange {
  kind: ProcessingChangeKind;
  /** object: the purpose objected to. */
  purpose?: string;
}

export const CHANGE_OF: Record<ProcessingType, ProcessingChangeKind> = {
  opt_out: 'opt_out',
  limit: 'limit',
  restriction: 'restrict',
  objection: 'object',
};

/** What one store did: the subject's rows (or processor calls) changed, and the re-query proving it. */
export interface ProcessingOutcome {
  store: string;
  collection: string;
  kind: string;
  change: ProcessingChangeKind;
  /** Rows updated (SQL), or identity values a processor acted on. */
  rows: number;
  /** Re-query after the change: the subject's rows not (yet) in the state asked for. 0 = confirmed. */
  remaining: number;
  /** The columns set (SQL), never their values' owners. */
  columns: string[];
  note?: string;
}
