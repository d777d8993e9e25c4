// What the data map tells a subject beyond the data itself (GDPR Art. 15(1)(g)-(h), 15(2)): where
// data came from when not from them, automated decisions and their logic, transfers abroad.
import { z } from 'zod';

/** The words a person reads for a collection, store or field (default: made from its name, schemas/labels.ts). */
export const Label = z.string().min(1).optional();

/**
 * Where the data came from when not collected from the subject (Art. 15(1)(g)), e.g. "your
 * employer, who set up your account"; omitted: collected from the subject or recorded as they
 * used the service.
 */
export const DataSource = z.string().min(1).optional();

/** What a subject reads about a collection or store, besides its purposes, recipients and retention. */
export const ReaderWords = {
  label: Label,
  source: DataSource,
  /** The legal basis of the processing in plain words, e.g. "performance of our contract with you (GDPR Art. 6(1)(b))". */
  legalBasis: z.string().min(1).optional(),
};

/** A decision made by automated means alone, including profiling (Art. 15(1)(h), 22). */
export const AutomatedDecision = z
  .object({
    name: z.string().min(1),
    /** Meaningful information about the logic involved, in plain words. */
    logic: z.string().min(1),
    /** Its significance and the envisaged consequences for the subject. */
    consequences: z.string().min(1),
    /** Whether it is profiling (Art. 4(4)). */
    profiling: z.boolean().default(false),
  })
  .strict();
export type AutomatedDecision = z.infer<typeof AutomatedDecision>;

/** A transfer of personal data to a third country and its safeguard (Art. 15(2), 44-49). */
export const Transfer = z
  .object({
    country: z.string().min(1),
    recipient: z.string().min(1),
    /** e.g. "EU Standard Contractual Clauses (2021/914)", "adequacy decision (EU-US Data Privacy Framework)". */
    safeguard: z.string().min(1),
    /** Where the subject can obtain a copy of the safeguard. */
    copyFrom: z.string().min(1).optional(),
  })
  .strict();
export type Transfer = z.infer<typeof Transfer>;

/** `automatedDecisions: none` or a list; both say the same when empty: there are none. */
export const AutomatedDecisions = z
  .union([z.literal('none').transform(() => [] as AutomatedDecision[]), z.array(AutomatedDecision)])
  .default([]);
