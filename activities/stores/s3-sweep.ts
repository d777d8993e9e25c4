// The retention sweep for an S3 store: object versions older than `retention.maxAge` (by
// LastModified) under the store's prefixes are deleted in batches; the prefixes of subjects under
// a legal hold are skipped and counted, and what object lock keeps is counted, not failed.
import type { Node } from '../../schemas/datamap-graph';
import type { SweepResult } from '../../schemas/workflow';
import { hasFilters, heldPrefixes, passesFilters, storeScope } from './s3';
import { deleteEntries, dueEntries, type DecideDue } from './s3-delete';
import type { IdentityValues } from './selector';

type S3Node = Extract<Node, { kind: 's3' }>;

/** `cutoff`: versions last modified before it are past their retention. */
export async function sweepS3(node: S3Node, held: IdentityValues[], cutoff: Date): Promise<SweepResult> {
  const spec = node.spec;
  const scope = storeScope(spec);
  const heldAt = held.flatMap((identities) => heldPrefixes(spec.prefixes, identities));
  let heldSkipped = 0;
  const decide: DecideDue = async (group) => {
    const key = group[0].key;
    if (!scope.matches(key)) return null;
    const old = group.filter((v) => !v.deleteMarker && v.lastModified < cutoff);
    if (heldAt.some((p) => key.startsWith(p))) {
      heldSkipped += old.length;
      return null;
    }
    if (!hasFilters(spec)) return old;
    const due = [];
    for (const v of old) if (await passesFilters(spec, v.key, v.versionId)) due.push(v);
    return due;
  };
  const tally = await deleteEntries(spec, dueEntries(spec, scope.listPrefixes, decide));
  return {
    store: node.store,
    collection: node.collection,
    rule: 'retention',
    olderThan: spec.retention?.maxAge ?? '',
    deleted: tally.deleted,
    heldSkipped,
    lockedSkipped: tally.locked.versions,
    statements: tally.statements,
    longestStatementMs: Math.round(tally.longestStatementMs),
  };
}
