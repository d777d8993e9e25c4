// Legal hold categories: what a subject is told when a hold postpones their deletion — why, in
// plain words, and on what legal basis per jurisdiction. The hold's own reason (internal notes)
// is never shown to the subject. Pure: workflows and the API use it.
import type { Jurisdiction } from './deadline';

export const HOLD_CATEGORIES = ['legal_claims', 'regulatory_investigation', 'legal_obligation'] as const;
export type HoldCategory = (typeof HOLD_CATEGORIES)[number];

interface HoldWording {
  /** Completes "Your data is needed because …". */
  why: string;
  gdpr: string;
  ccpa: string;
}

export const HOLD_WORDING: Record<HoldCategory, HoldWording> = {
  legal_claims: {
    why: 'it may be needed to establish, exercise or defend legal claims (for example in pending or expected litigation)',
    gdpr: 'GDPR Art. 17(3)(e): erasure does not apply where the data is necessary for the establishment, exercise or defence of legal claims',
    ccpa: 'CCPA (Cal. Civ. Code) §1798.105(d) and §1798.145(a)(1)(E): a business may keep data it needs to exercise or defend legal claims',
  },
  regulatory_investigation: {
    why: 'a public authority’s inquiry or investigation requires us to keep it',
    gdpr: 'GDPR Art. 17(3)(b): erasure does not apply where processing is necessary to comply with a legal obligation',
    ccpa: 'CCPA (Cal. Civ. Code) §1798.105(d)(8) and §1798.145(a)(1)(B): a business may keep data to comply with a civil, criminal or regulatory inquiry or investigation',
  },
  legal_obligation: {
    why: 'a law requires us to keep it for now',
    gdpr: 'GDPR Art. 17(3)(b): erasure does not apply where processing is necessary to comply with a legal obligation',
    ccpa: 'CCPA (Cal. Civ. Code) §1798.105(d)(8) and §1798.145(a)(1)(A): a business may keep data to comply with a legal obligation',
  },
};

/** The legal basis sentence(s) for a category under a request's jurisdiction (`policy`: both laws). */
export function holdBasis(category: HoldCategory, jurisdiction: Jurisdiction): string[] {
  const w = HOLD_WORDING[category];
  if (jurisdiction === 'gdpr') return [w.gdpr];
  if (jurisdiction === 'ccpa') return [w.ccpa];
  return [w.gdpr, w.ccpa];
}
