// What each store kind can do, decided from its data-map entry alone. The connectors in
// activities/stores implement the operations; this table says which exist, so the map's
// validation, plans and every request type agree on it.
import type { Node } from './datamap-graph';
import type { RequestType } from './request';

/** `process`: the requests that change processing (opt-out, limit, restriction, objection: schemas/processing.ts). */
export const OPERATIONS = ['resolve', 'read', 'plan', 'erase', 'correct', 'purge', 'verify', 'process'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** The operation each request type needs of every store it touches. */
export const OPERATION_FOR: Record<RequestType, Operation> = {
  access: 'read',
  export: 'read',
  deletion: 'erase',
  correction: 'correct',
  opt_out: 'process',
  limit: 'process',
  restriction: 'process',
  objection: 'process',
};

/** Which processing request a SQL collection or a processor supports, from its map entry. */
function processingSupport(node: Node, requestType: RequestType | undefined): Support {
  if (node.kind === 'postgres' || node.kind === 'mysql') {
    const spec = node.spec;
    if (requestType === 'opt_out') return spec.onOptOut ? yes : none('the data map sets nothing here on opt-out');
    if (requestType === 'limit') return spec.onLimit ? yes : none('the data map declares no sensitive information here');
    if (requestType === 'restriction') return spec.restrictColumn ? yes : none('the data map gives it no restrictColumn');
    // objection: the map's purposes say which collections stop (activities/processing.ts picks them)
    return requestType === 'objection' ? yes : none('no processing request named');
  }
  if (node.kind === 'http') {
    const spec = node.spec;
    if (requestType === 'opt_out')
      return spec.onOptOut ? yes : gap('the data map gives this processor no opt-out call, so it is not told of the opt-out');
    if (requestType === 'limit') return spec.onLimit ? yes : none('the data map gives this processor no limit call');
    if (requestType === 'restriction')
      return spec.onRestrict ? yes : gap('the data map gives this processor no restrict call, so it is not told of the restriction');
    return none('objections stop the processing the data map names under purposes');
  }
  return none('it holds nothing a processing request changes');
}

/**
 * `relevant`: the store may hold data the request concerns, so leaving it out must be said
 * (a "not included, because …" entry); otherwise it simply has nothing to do with the request.
 */
export type Support = { ok: true } | { ok: false; relevant: boolean; reason: string };

const yes: Support = { ok: true };
const gap = (reason: string): Support => ({ ok: false, relevant: true, reason });
const none = (reason: string): Support => ({ ok: false, relevant: false, reason });

export function supportOf(node: Node, op: Operation, requestType?: RequestType): Support {
  switch (node.kind) {
    case 'postgres':
    case 'mysql': {
      if (op === 'process') return processingSupport(node, requestType);
      if (op === 'purge') return node.spec.onErasure?.action === 'purge' ? yes : none('its deletion action is not purge');
      if (op === 'correct') {
        return Object.values(node.spec.fields).some((f) => f.correctable) ? yes : none('no field of it is marked correctable');
      }
      return yes;
    }
    case 'redis':
      if (op === 'resolve') return none('keys are found by identities other stores provide');
      if (op === 'correct') return none('it holds keys, not fields the data map marks correctable');
      if (op === 'purge') return none('keys are removed at once');
      if (op === 'process') return processingSupport(node, requestType);
      return yes;
    case 'http':
      if (op === 'resolve')
        return node.spec.lookup
          ? yes
          : none('a processor is reached by identities other stores provide (give it a lookup to find them there)');
      if (op === 'purge') return none('the processor deletes at once');
      if (op === 'process') return processingSupport(node, requestType);
      if (op === 'read') return node.spec.export ? yes : gap('the data map gives this processor no export call, so its copy is not read');
      if (op === 'erase' || op === 'plan')
        return node.spec.erase ? yes : gap('the data map gives this processor no erase call, so it is not told to delete');
      if (op === 'correct')
        return node.spec.correct ? yes : gap('the data map gives this processor no correct call, so it is not told of corrections');
      return yes;
    case 's3':
      if (op === 'resolve') return none('objects are found by identities other stores provide');
      if (op === 'correct') return none('it holds files, not fields the data map marks correctable');
      if (op === 'purge') return none('objects are deleted at once');
      if (op === 'process') return processingSupport(node, requestType);
      return yes;
    case 'manual': {
      const wanted: RequestType[] =
        op === 'read'
          ? requestType
            ? [requestType]
            : ['access', 'export']
          : op === 'erase' || op === 'plan'
            ? ['deletion']
            : op === 'correct'
              ? ['correction']
              : op === 'process' && requestType
                ? [requestType]
                : [];
      if (op === 'resolve' || op === 'purge') return none('the privacy team acts on it by hand');
      if (op === 'verify') return yes;
      return wanted.some((t) => node.spec.for.includes(t))
        ? yes
        : gap(`the data map names this store for ${node.spec.for.join(', ')} only, not for ${wanted.join(' or ')}`);
    }
  }
}
