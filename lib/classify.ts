// What a privacy@ mail asks for, from its subject and body: one readable table of rules.
// English, German, French and Spanish. Pure: no I/O. Unclear mail goes to triage (null).

export type InboxRequestType = 'access' | 'export' | 'correction' | 'deletion' | 'opt_out';

/** Phrases per type, lower-case; a mail matches a type when any phrase occurs in it. */
export const RULES: Record<InboxRequestType, string[]> = {
  opt_out: [
    'do not sell',
    "don't sell",
    'do not share',
    'opt out',
    'opt-out',
    'optout',
    'unsubscribe me from the sale',
    'nicht verkaufen',
    'widerspruch gegen den verkauf',
    'ne pas vendre',
    'ne vendez pas',
    "droit d'opposition à la vente",
    'no vender',
    'no vendan',
    'exclusión voluntaria',
  ],
  deletion: [
    'delete my',
    'deletion',
    'erase my',
    'erasure',
    'remove my data',
    'remove all my',
    'right to be forgotten',
    'close my account and delete',
    'forget me',
    'löschen',
    'löschung',
    'recht auf vergessenwerden',
    'entfernen sie meine daten',
    'supprimer mes',
    'supprimez mes',
    'suppression de mes',
    "droit à l'oubli",
    'effacer mes',
    'effacement',
    'borrar mis',
    'eliminar mis',
    'eliminen mis',
    'supresión',
    'derecho al olvido',
    'suprimir mis',
  ],
  correction: [
    'correct my',
    'correction',
    'rectify',
    'rectification',
    'update my name',
    'update my address',
    'change my name',
    'my name is wrong',
    'wrong address',
    'inaccurate',
    'berichtigen',
    'berichtigung',
    'korrigieren',
    'falsch gespeichert',
    'rectifier',
    'corriger mes',
    'modifier mon nom',
    'inexact',
    'rectificar',
    'rectificación',
    'corregir mis',
    'corrijan',
    'inexactos',
  ],
  export: [
    'export my',
    'portability',
    'portable format',
    'machine-readable',
    'transfer my data',
    'download my data',
    'data export',
    'datenübertragbarkeit',
    'maschinenlesbar',
    'daten exportieren',
    'portabilité',
    'exporter mes',
    'format structuré',
    'portabilidad',
    'exportar mis',
    'formato estructurado',
  ],
  access: [
    'access request',
    'subject access',
    'copy of my data',
    'copy of my personal',
    'what data you hold',
    'what personal data',
    'which data',
    'right to know',
    'right of access',
    'article 15',
    'art. 15',
    'dsar',
    'sar request',
    'auskunft',
    'auskunftsersuchen',
    'welche daten',
    'kopie meiner daten',
    'art. 15 dsgvo',
    "droit d'accès",
    "demande d'accès",
    'copie de mes données',
    'quelles données',
    'derecho de acceso',
    'copia de mis datos',
    'qué datos',
    'solicitud de acceso',
  ],
};

/**
 * A mail may ask for an opt-out and for a request at once ("delete my account and do not sell my
 * data"): each is an intent of its own. Among the request types the more far-reaching wins
 * (deletion over access, …): one request per mail; the privacy team can add another.
 */
const PRECEDENCE: InboxRequestType[] = ['opt_out', 'deletion', 'correction', 'export', 'access'];

/** Removes quoted replies and a signature, which should not decide the type. */
export function ownWords(body: string): string {
  const lines = body.split(/\r?\n/);
  const out: string[] = [];
  for (const line of lines) {
    if (/^-- ?$/.test(line)) break; // signature delimiter
    if (
      /^-{2,}\s*(original message|forwarded message|ursprüngliche nachricht|message d'origine|mensaje original|weitergeleitete nachricht|message transféré|mensaje reenviado)/i.test(
        line,
      )
    ) {
      // a forwarded request: what follows is the request itself, keep it
      continue;
    }
    if (/^>/.test(line)) continue;
    out.push(line);
  }
  return out.join('\n');
}

export interface Intent {
  type: InboxRequestType;
  /** The phrases that matched, for the triage view and the audit. */
  matched: string[];
}

export interface Classification {
  /** The first intent's type (opt-out first), or null when the mail is unclear. */
  type: InboxRequestType | null;
  matched: string[];
  /** Everything the mail asks for: an opt-out, a request, or both; empty when unclear. */
  intents: Intent[];
}

export function classify(subject: string, body: string): Classification {
  const text = `${subject}\n${ownWords(body)}`.toLowerCase().replace(/\s+/g, ' ');
  const hits = new Map<InboxRequestType, string[]>();
  for (const type of PRECEDENCE) {
    const found = RULES[type].filter((phrase) => text.includes(phrase));
    if (found.length) hits.set(type, found);
  }
  const request = PRECEDENCE.find((t) => t !== 'opt_out' && hits.has(t));
  const intents: Intent[] = [...(hits.has('opt_out') ? ['opt_out' as const] : []), ...(request ? [request] : [])].map((t) => ({
    type: t,
    matched: hits.get(t)!,
  }));
  return { type: intents[0]?.type ?? null, matched: intents[0]?.matched ?? [], intents };
}
