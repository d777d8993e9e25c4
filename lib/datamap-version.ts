// A data map's version is the SHA-256 of its content as written (files parsed and merged, keys
// sorted, `${VAR}`s not filled in): comments, whitespace, key order and the environment's values
// (connection strings, tokens) do not change it; any change to what the map says does.
import { dataMapContent, validateDataMapContent, type DataMapSource } from '../schemas/datamap';
import { compileDataMap, type CompiledDataMap } from '../schemas/datamap-graph';
import { canonicalJson } from './canonical-json';
import { sha256Hex } from './hash';

export const dataMapVersion = (content: unknown): string => sha256Hex(canonicalJson(content));

/** How a version is shown to people: its first 12 hex digits. */
export const shortVersion = (version: string): string => version.slice(0, 12);

/** Compiles a map's content (as stored for its version) with the environment's values. */
export function compileDataMapContent(content: unknown, env: Record<string, string | undefined>): CompiledDataMap {
  return compileDataMap(validateDataMapContent(content, env), { version: dataMapVersion(content), content, env });
}

/** Parses, validates and compiles the map's files, knowing its version. */
export const compileDataMapSources = (sources: DataMapSource[], env: Record<string, string | undefined>): CompiledDataMap =>
  compileDataMapContent(dataMapContent(sources), env);
