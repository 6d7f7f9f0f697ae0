import { InvalidDocumentError } from './errors';

/** The schema version stamped into every document Squall writes; readers refuse newer ones. */
export const SCHEMA_VERSION = 1;

/**
 * Serialises a document as JSON with the schema `version` field. Callers never see that field: it belongs to the
 * storage format, not to the value.
 */
export function encodeDocument(value: object): Buffer {
  return Buffer.from(JSON.stringify({ version: SCHEMA_VERSION, ...value }), 'utf8');
}

/**
 * Parses a document written by {@link encodeDocument} and strips its `version`. Throws {@link InvalidDocumentError}
 * for empty data, invalid JSON, a non-object, or a schema version newer than this code understands.
 */
export function decodeDocument<T>(path: string, data: Buffer | undefined | null): T {
  if (!data || data.length === 0) throw new InvalidDocumentError(path, 'node has no data');
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString('utf8'));
  } catch {
    throw new InvalidDocumentError(path, 'data is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidDocumentError(path, 'data is not a JSON object');
  }
  const { version, ...value } = parsed as { version?: unknown };
  if (typeof version !== 'number') throw new InvalidDocumentError(path, 'document has no schema version');
  if (version > SCHEMA_VERSION) {
    throw new InvalidDocumentError(
      path,
      `schema version ${version} is newer than this Squall understands (${SCHEMA_VERSION})`,
    );
  }
  return value as T;
}
