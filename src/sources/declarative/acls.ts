import { headerValueProblem } from '../../model/header-values.js';
import { ACL_LIMITS } from '../../model/acl-config.js';
import type { ObjectRef } from '../../model/diagnostics.js';
import { Fields, isMapping, NO_TAGS, readId, readReference } from './fields.js';
import type { Reporter } from './report.js';

/** Kong's `acls` entity (kong/plugins/acl/daos.lua): a consumer's membership of one group. */
const ACL_FIELDS = new Set(['id', 'group', 'tags', 'consumer']);
const ACL_IGNORED = new Set(['created_at', 'updated_at']);

export interface AclEntry {
  ref: ObjectRef;
  path: string;
  ok: boolean;
  group: string;
  /** top-level acls only: `consumer:` as written */
  consumerRef?: string;
}

/**
 * One `acls` entry, top-level (with `consumer`) or nested in a consumer (docs/acl.md#groups). The
 * group is sent upstream in X-Consumer-Groups, so what no header can carry is refused here.
 */
export function parseAcl(raw: unknown, path: string, topLevel: boolean, rep: Reporter): AclEntry | undefined {
  if (!isMapping(raw)) {
    rep.error(rep.ref('acls', path, path), 'InvalidValue', 'expected a record');
    return undefined;
  }
  const group = typeof raw.group === 'string' && raw.group !== '' ? raw.group : undefined;
  const ref = rep.ref('acls', group ?? path, path);
  const f = new Fields(raw, ref, rep);
  f.checkKnown(ACL_FIELDS, ACL_IGNORED);
  readId(f);
  f.string('group', true);
  if (group !== undefined) {
    const bad = headerValueProblem(group);
    if (bad !== undefined) f.fail('group', bad.replace('identity header', 'X-Consumer-Groups header'));
    else if (group.length > ACL_LIMITS.groupLength) f.fail('group', `longer than ${ACL_LIMITS.groupLength} characters`);
  }
  f.strings('tags', NO_TAGS);
  let consumerRef: string | undefined;
  if (topLevel) {
    consumerRef = readReference(f, 'consumer');
    if (consumerRef === undefined && !f.has('consumer')) f.fail('consumer', 'required field missing', 'MissingField');
  } else if (f.has('consumer')) {
    f.fail('consumer', 'must not be set on an acl nested in a consumer');
  }
  return { ref, path, ok: f.ok && group !== undefined, group: group ?? '', ...(consumerRef !== undefined ? { consumerRef } : {}) };
}
