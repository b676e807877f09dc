import { describe, expect, it } from 'vitest';
import { aclConfigSchema } from '../../../../src/model/acl-config.js';
import { ACL_DENIED, ACL_UNAUTHENTICATED, compileAcl } from '../../../../src/plugins/acl/policy.js';
import type { Consumer } from '../../../../src/snapshot/types.js';

/** Kong's acl decision table (kong/plugins/acl/handler.lua), without authenticated groups. */
const consumer = (groups?: string[]): Consumer => ({
  id: 'c1',
  username: 'alice',
  ...(groups !== undefined && { groups: Object.freeze(groups) }),
  tags: [],
  scope: '',
  ref: { kind: 'consumers', name: 'alice' },
  upstreamHeaders: {},
});
const policy = (config: Record<string, unknown>) => compileAcl('p1', aclConfigSchema.parse(config));

describe('acl policy', () => {
  it('allow: a member passes with X-Consumer-Groups "a, b" in its order; others get 403', () => {
    const p = policy({ allow: ['admin', 'dev'] });
    expect(p.check(consumer(['dev', 'ops']), true)).toBe('dev, ops');
    expect(p.check(consumer(['ops']), true)).toBe(ACL_DENIED);
    expect(ACL_DENIED).toMatchObject({ status: 403, message: 'You cannot consume this service', reason: 'acl_denied' });
  });

  it('deny: a member gets 403, others pass; a consumer without groups passes without the header', () => {
    const p = policy({ deny: ['banned'] });
    expect(p.check(consumer(['banned', 'dev']), true)).toBe(ACL_DENIED);
    expect(p.check(consumer(['dev']), true)).toBe('dev');
    expect(p.check(consumer(), true)).toBeUndefined();
    expect(p.check(consumer([]), false)).toBeUndefined();
  });

  it('no consumer: 401 Unauthorized', () => {
    expect(policy({ allow: ['a'] }).check(undefined, false)).toBe(ACL_UNAUTHENTICATED);
    expect(policy({ deny: ['a'] }).check(undefined, false)).toBe(ACL_UNAUTHENTICATED);
    expect(ACL_UNAUTHENTICATED).toMatchObject({ status: 401, message: 'Unauthorized', reason: 'acl_unauthenticated' });
  });

  it('allow and a consumer without groups: 403 with a credential, 401 as the anonymous consumer', () => {
    const p = policy({ allow: ['a'] });
    expect(p.check(consumer(), true)).toBe(ACL_DENIED);
    expect(p.check(consumer(), false)).toBe(ACL_UNAUTHENTICATED);
    // The anonymous consumer with groups is judged by them, and refused with 403.
    expect(p.check(consumer(['b']), false)).toBe(ACL_DENIED);
    expect(p.check(consumer(['a']), false)).toBe('a');
  });

  it('hide_groups_header: allowed without a header value', () => {
    expect(policy({ allow: ['a'], hideGroupsHeader: true }).check(consumer(['a']), true)).toBeUndefined();
  });

  it('an empty allow list refuses everyone; group names are compared exactly', () => {
    expect(policy({ allow: [] }).check(consumer(['a']), true)).toBe(ACL_DENIED);
    expect(policy({ allow: ['Admin'] }).check(consumer(['admin']), true)).toBe(ACL_DENIED);
  });

  it('non-ASCII groups reach the upstream as UTF-8 bytes', () => {
    expect(policy({ allow: ['équipe'] }).check(consumer(['équipe']), true)).toBe(Buffer.from('équipe', 'utf8').toString('latin1'));
  });

  it('the schema wants exactly one of allow and deny', () => {
    expect(aclConfigSchema.safeParse({}).success).toBe(false);
    expect(aclConfigSchema.safeParse({ allow: ['a'], deny: ['b'] }).success).toBe(false);
    expect(aclConfigSchema.safeParse({ deny: [''] }).success).toBe(false);
    expect(aclConfigSchema.parse({ deny: ['b'] })).toEqual({ deny: ['b'], hideGroupsHeader: false, alwaysUseAuthenticatedGroups: false });
  });
});
