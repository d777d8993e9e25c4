// `dsar datamap init`: a draft data map, as commented YAML, from a snapshot of a live schema.
// Every table linked to the identity table (by foreign keys, transitively, or by an `<x>_id`
// column named after it) becomes a collection; every guess carries a `# GUESS:` comment and every
// value only a human can give is `TODO`, which `dsar datamap check` refuses until it is filled.
import { guessCategory, identityNameFor, retentionTimestamp, tableKind } from './datamap-guess';
import { columnOf, tableOf, type SchemaSnapshot, type SnapshotTable } from './schema-snapshot';

export interface DraftOptions {
  kind: 'postgres' | 'mysql';
  store: string;
  /** The environment variable the map reads the store's URL from (the URL itself is never written). */
  urlVariable: string;
  /** The table a subject is found in by e-mail; guessed when not given. */
  identityTable?: string;
}

export class DraftError extends Error {}

interface Link {
  column: string;
  target: string;
  targetColumn: string;
  byName: boolean;
}

/** The table with an e-mail column that most foreign keys point at. */
function guessIdentityTable(s: SchemaSnapshot): SnapshotTable | undefined {
  const withEmail = s.tables.filter((t) => t.columns.some((c) => guessCategory(c)?.category === 'contact.email'));
  const incoming = (t: SnapshotTable) => s.foreignKeys.filter((fk) => fk.refTable === t.name).length;
  return withEmail.sort((a, b) => incoming(b) - incoming(a) || a.name.localeCompare(b.name))[0];
}

export function draftDataMap(snapshot: SchemaSnapshot, opts: DraftOptions): string {
  const identity = opts.identityTable ? tableOf(snapshot, opts.identityTable) : guessIdentityTable(snapshot);
  if (!identity)
    throw new DraftError(
      opts.identityTable
        ? `table ${opts.identityTable} (--identity-table) does not exist`
        : 'no table with an e-mail column found; name the one a subject is found in with --identity-table',
    );
  const key = identity.primaryKey[0] ?? 'id';
  const emailColumn =
    identity.columns.find((c) => /e_?mail/i.test(c.name)) ?? identity.columns.find((c) => guessCategory(c)?.category === 'contact.email');
  const providedIdentity = identityNameFor(identity.name, key);

  // breadth-first from the identity table: foreign keys into reached tables, or a column named like the provided identity
  const links = new Map<string, Link[]>([[identity.name, []]]);
  let frontier = [identity.name];
  while (frontier.length) {
    const next: string[] = [];
    for (const table of snapshot.tables) {
      if (links.has(table.name)) continue;
      const found: Link[] = snapshot.foreignKeys
        .filter((fk) => fk.table === table.name && links.has(fk.refTable) && fk.columns.length === 1)
        .map((fk) => ({ column: fk.columns[0], target: fk.refTable, targetColumn: fk.refColumns[0], byName: false }));
      const byName = columnOf(table, providedIdentity);
      if (!found.length && byName) found.push({ column: byName.name, target: identity.name, targetColumn: key, byName: true });
      if (found.length) {
        links.set(table.name, found);
        next.push(table.name);
      }
    }
    frontier = next;
  }

  const lines: string[] = [
    `# A draft data map written by \`dsar datamap init\` from the live schema of ${opts.store}.`,
    '# Every "# GUESS:" is a suggestion to confirm; every TODO needs a human answer. `dsar datamap check`',
    '# refuses the map while a TODO is left, and checks the rest against the live database.',
    `identities: [${emailColumn ? 'email, ' : ''}${providedIdentity}]`,
    '',
    'stores:',
    `  ${opts.store}:`,
    `    kind: ${opts.kind}`,
    `    url: \${${opts.urlVariable}}`,
    '    collections:',
  ];
  for (const [name, tableLinks] of links) lines.push(...collectionLines(tableOf(snapshot, name)!, tableLinks, name === identity.name));

  const left = snapshot.tables.filter((t) => !links.has(t.name)).map((t) => t.name);
  if (left.length) {
    lines.push('', `# Not linked to ${identity.name} by a foreign key or a ${providedIdentity} column, so not drafted:`);
    lines.push(`#   ${left.join(', ')}`, '# If one holds personal data, add it by hand (with identity or references).');
  }
  return `${lines.join('\n')}\n`;

  function collectionLines(table: SnapshotTable, tableLinks: Link[], isIdentity: boolean): string[] {
    const tkey = table.primaryKey[0] ?? 'id';
    const kind = tableKind(table);
    const out = ['', `      ${table.name}:`];
    if (tkey !== 'id') out.push(`        key: ${tkey}`);
    if (isIdentity) {
      if (emailColumn) out.push(`        identity: { email: ${emailColumn.name} }   # GUESS: a subject is found here by e-mail`);
      out.push(`        provides: { ${providedIdentity}: ${key} }   # and yields this id for the other collections`);
    } else {
      const refs = tableLinks.map((l) => `${l.column}: ${l.target}.${l.targetColumn}`).join(', ');
      const how = tableLinks.some((l) => l.byName) ? `  # GUESS: no foreign key; matched by the column's name` : '  # from foreign keys';
      out.push(`        references: { ${refs} }${how}`);
    }
    out.push('        legalBasis: TODO   # why you may process it (GDPR Art. 6)', '        purposes: [TODO]');
    const skip = new Set([tkey, ...tableLinks.map((l) => l.column)]);
    const described = table.columns.filter((col) => !skip.has(col.name));
    out.push(described.length ? '        fields:' : '        fields: {}');
    for (const c of described) {
      const guess = guessCategory(c);
      out.push(
        guess
          ? `          ${c.name}: { category: ${guess.category} }   # GUESS: ${guess.why}`
          : `          ${c.name}: { category: TODO }   # TODO: what does it hold? (${c.type})`,
      );
    }
    const stamp = retentionTimestamp(table);
    const restricted = table.columns.find((c) => /^restricted_(at|until)$/.test(c.name) && /^(timestamp|date)/.test(c.type));
    if (isIdentity) {
      const status = columnOf(table, 'status');
      const deletedAt = table.columns.find((c) => /^deleted_at$|^deactivated_at$/.test(c.name));
      const set = status ? `{ ${status.name}: deleted }` : '{}';
      out.push(
        `        onErasure: { action: purge, after: P30D, softDelete: { set: ${set}, timestamp: ${deletedAt?.name ?? 'TODO'} } }   # GUESS: the identity table is deactivated at once, deleted after 30 days`,
      );
    } else if (kind === 'financial') {
      const emails = table.columns.filter((c) => guessCategory(c)?.category === 'contact.email').map((c) => `${c.name}: hash`);
      out.push(
        `        retention: { maxAge: P7Y, timestamp: ${stamp ?? 'TODO'}, basis: TODO }   # GUESS: invoice-like; TODO: the legal duty to keep it`,
      );
      const mask = emails.length ? `, mask: { ${emails.join(', ')} }` : '';
      const restrict = restricted ? `, restrictColumn: ${restricted.name}` : '';
      out.push(`        onErasure: { action: retain${mask}${restrict} }   # GUESS: kept for a legal duty, e-mail hashed`);
    } else {
      if (kind === 'log' && stamp)
        out.push(`        retention: { maxAge: P90D, timestamp: ${stamp} }   # GUESS: log-like; how long do you keep it?`);
      else out.push(`        # retention: { maxAge: P1Y, timestamp: ${stamp ?? 'created_at'} }   # placeholder: how long do you keep it?`);
      out.push(`        onErasure: { action: delete }   # GUESS: ${kind === 'log' ? 'log-like' : 'nothing says it must be kept'}`);
    }
    if (restricted && kind !== 'financial')
      out.push(`        restrictColumn: ${restricted.name}   # GUESS: marks restricted rows (GDPR Art. 18)`);
    return out;
  }
}
