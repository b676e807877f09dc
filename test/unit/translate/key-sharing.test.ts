import { describe, expect, it } from 'vitest';
import { derivedCredentialId } from '../../../src/model/credential-kid.js';
import { credentialId } from '../../../src/model/ids.js';
import type { ResourceSet } from '../../../src/model/resources.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { parseDeclarative } from '../../../src/sources/declarative/parse.js';
import { toResourceSet } from '../../../src/sources/kube/to-resource-set.js';
import type { CustomObject } from '../../../src/sources/kube/types.js';
import { translate } from '../../../src/translate/translate.js';

/**
 * Which credentials may share a key (docs/key-material.md#rotation): one consumer, distinct kids,
 * at most one without. kong.yml refuses every credential in a conflict; the controller keeps the
 * established ones. The index holds one head per key, carrying the kid table.
 */

const kongYml = (body: string): Snapshot => translate(parseDeclarative(`_format_version: "3.0"\n${body}`, 'kong.yml').resources, 1);
const problems = (s: Snapshot) => s.diagnostics.map((d) => `${d.object.path ?? `${d.object.namespace}/${d.object.name}`} ${d.field}: ${d.message}`);
const loaded = (s: Snapshot) => s.credentials.all.map((c) => `${c.key}/${c.kid ?? '-'}`);

describe('kong.yml', () => {
  it('credentials of one consumer with distinct kids all load; the kid-less one heads the key and answers the rest', () => {
    const s = kongYml(`consumers:
  - username: issuer
    jwt_secrets:
      - { key: k, secret: s0 }
      - { key: k, kid: a, secret: s1 }
      - { key: k, kid: b, algorithm: HS512, secret: s2 }
`);
    expect(s.diagnostics).toEqual([]);
    expect(loaded(s)).toEqual(['k/-', 'k/a', 'k/b']);
    const head = s.credentials.byKey.get('k')!;
    expect(head.kid).toBeUndefined();
    expect(head.kidTable?.fallback).toBe(head);
    expect([...head.kidTable!.byKid.keys()]).toEqual(['a', 'b']);
    for (const c of s.credentials.all) expect(c.kidTable).toBe(head.kidTable);
    expect(s.credentials.byKey.size).toBe(1);
  });

  it('ids: Kong\'s for the kid-less one, one per (key, kid) for the others, unchanged when members come and go', () => {
    const both = kongYml(`consumers:
  - { username: issuer, jwt_secrets: [{ key: k, secret: s0 }, { key: k, kid: a, secret: s1 }] }
`);
    const alone = kongYml(`consumers:
  - { username: issuer, jwt_secrets: [{ key: k, kid: a, secret: s1 }] }
`);
    const [kidless, withKid] = both.credentials.all;
    expect(kidless!.id).toBe(credentialId('k'));
    expect(withKid!.id).toBe(derivedCredentialId('k', 'a'));
    expect(withKid!.id).not.toBe(kidless!.id);
    expect(alone.credentials.all[0]!.id).toBe(withKid!.id);
    expect(alone.credentials.byKey.get('k')!.kidTable?.fallback).toBeUndefined();
  });

  it('a consumer referenced by id and by username is one consumer', () => {
    const s = kongYml(`consumers:
  - { username: issuer, id: 6f1c9d3e-0b5a-4c8e-9d2f-1a2b3c4d5e6f }
jwt_secrets:
  - { consumer: issuer, key: k, kid: a, secret: s1 }
  - { consumer: 6f1c9d3e-0b5a-4c8e-9d2f-1a2b3c4d5e6f, key: k, kid: b, secret: s2 }
`);
    expect(s.diagnostics).toEqual([]);
    expect(loaded(s)).toEqual(['k/a', 'k/b']);
  });

  it('a repeated kid refuses both (field kid), another kid of the key still loads', () => {
    const s = kongYml(`consumers:
  - username: issuer
    jwt_secrets:
      - { key: k, kid: same, secret: s1 }
      - { key: k, kid: same, secret: s2 }
      - { key: k, kid: other, secret: s3 }
`);
    expect(problems(s)).toEqual([
      "consumers[0].jwt_secrets[0] kid: key is also used by jwt_secrets consumers[0].jwt_secrets[1] (the same kid 'same'); credentials may share a key only within one consumer and with distinct kids, so each of these is refused",
      "consumers[0].jwt_secrets[1] kid: key is also used by jwt_secrets consumers[0].jwt_secrets[0] (the same kid 'same'); credentials may share a key only within one consumer and with distinct kids, so each of these is refused",
    ]);
    expect(loaded(s)).toEqual(['k/other']);
    expect(s.credentials.byKey.get('k')!.kidTable?.byKid.has('other')).toBe(true);
  });

  it('two kid-less credentials of one consumer next to a kid: the kid-less ones are refused (field key)', () => {
    const s = kongYml(`consumers:
  - { username: issuer, jwt_secrets: [{ key: k, secret: s1 }, { key: k, secret: s2 }, { key: k, kid: a, secret: s3 }] }
`);
    expect(problems(s)).toEqual([
      'consumers[0].jwt_secrets[0] key: key is also used by jwt_secrets consumers[0].jwt_secrets[1] (also without a kid); credentials may share a key only within one consumer and with distinct kids, so each of these is refused',
      'consumers[0].jwt_secrets[1] key: key is also used by jwt_secrets consumers[0].jwt_secrets[0] (also without a kid); credentials may share a key only within one consumer and with distinct kids, so each of these is refused',
    ]);
    expect(loaded(s)).toEqual(['k/a']);
  });

  it('another consumer with another kid is a conflict: every credential of the key involved is refused (field key)', () => {
    const s = kongYml(`consumers:
  - { username: issuer, jwt_secrets: [{ key: k, kid: a, secret: s1 }] }
  - { username: intruder, jwt_secrets: [{ key: k, kid: b, secret: s2 }] }
`);
    expect(problems(s)).toEqual([
      'consumers[0].jwt_secrets[0] key: key is also used by jwt_secrets consumers[1].jwt_secrets[0] (another consumer); credentials may share a key only within one consumer and with distinct kids, so each of these is refused',
      'consumers[1].jwt_secrets[0] key: key is also used by jwt_secrets consumers[0].jwt_secrets[0] (another consumer); credentials may share a key only within one consumer and with distinct kids, so each of these is refused',
    ]);
    expect(s.credentials.all).toEqual([]);
  });

  it('without any kid, the messages are those from before kids existed', () => {
    const s = kongYml(`consumers:
  - { username: a, jwt_secrets: [{ key: k, secret: s1 }] }
  - { username: b, jwt_secrets: [{ key: k, secret: s2 }, { key: own, secret: s3 }] }
`);
    expect(problems(s)).toEqual([
      'consumers[0].jwt_secrets[0] key: key is also used by jwt_secrets consumers[1].jwt_secrets[0]; all credentials with this key are refused',
      'consumers[1].jwt_secrets[0] key: key is also used by jwt_secrets consumers[0].jwt_secrets[0]; all credentials with this key are refused',
    ]);
    expect(loaded(s)).toEqual(['own/-']);
    expect(s.credentials.byKey.get('own')!.kidTable).toBeUndefined();
  });

  it.each([
    ['an empty kid', '""', 'kid: length must be at least 1'],
    ['a control character', '"a\\nb"', 'kid: must not contain control characters'],
    ['a kid longer than 256', 'x'.repeat(257), 'kid: must be at most 256 characters'],
    ['a number', '7', 'kid: expected a string'],
  ])('%s is refused with the credential', (_n, kid, message) => {
    const s = kongYml(`consumers:
  - { username: issuer, jwt_secrets: [{ key: k, kid: ${kid}, secret: s1 }] }
`);
    expect(s.diagnostics.map((d) => `${d.field}: ${d.message}`)).toEqual([message]);
    expect(s.credentials.all).toEqual([]);
  });
});

describe('controller mode', () => {
  const OLD = '2026-01-01T00:00:00Z';
  const NEW = '2026-06-01T00:00:00Z';
  const LATER = '2026-09-01T00:00:00Z';
  const obj = (kind: string, ns: string, name: string, created: string, spec: unknown): CustomObject =>
    ({ apiVersion: 'portcullis.dev/v1alpha1', kind, metadata: { name, namespace: ns, creationTimestamp: created }, spec }) as CustomObject;
  const consumers = ['team-a', 'team-b'].map((ns) => obj('KongConsumer', ns, 'issuer', OLD, { username: `${ns}-issuer` }));
  const cred = (ns: string, name: string, created: string, kid?: string, consumer = 'issuer') =>
    obj('JwtCredential', ns, name, created, { consumerRef: { name: consumer }, key: 'k', ...(kid && { kid }), algorithm: 'HS256', secretRef: { name: 's', key: 'secret' } });
  const kube = (credentials: CustomObject[]): Snapshot => {
    const rs: ResourceSet = toResourceSet({
      consumers,
      credentials,
      routes: [],
      secrets: new Map([['team-a/s', { stringData: { secret: 'a' } }], ['team-b/s', { stringData: { secret: 'b' } }]]),
      endpointSlices: new Map(),
      services: new Map(),
    });
    return translate(rs, 1);
  };
  const KEEPS = 'which keeps it (the older credential wins: creationTimestamp, then namespace/name)';

  it('a newer credential of the same KongConsumer with a new kid joins the key; newcomers that break the rule are refused, in any order', () => {
    const old = cred('team-a', 'old', OLD);
    const rotated = cred('team-a', 'rotated', NEW, '2026-06');
    const sameKid = cred('team-a', 'same-kid', LATER, '2026-06');
    const foreign = cred('team-b', 'a-foreign', LATER, '2026-09');
    const secondKidless = cred('team-a', 'kidless', LATER);
    for (const list of [[old, rotated, sameKid, foreign, secondKidless], [secondKidless, foreign, sameKid, rotated, old]]) {
      const s = kube(list);
      expect(loaded(s).sort()).toEqual(['k/-', 'k/2026-06']);
      expect(s.credentials.byKey.get('k')!.kid).toBeUndefined();
      expect(problems(s).sort()).toEqual([
        `team-a/kidless spec.key: key is already used by JwtCredential team-a/old, ${KEEPS}`,
        `team-a/same-kid spec.kid: key is already used by JwtCredential team-a/rotated (the same kid '2026-06'), ${KEEPS}`,
        `team-b/a-foreign spec.key: key is already used by JwtCredential team-a/old (another consumer), ${KEEPS}`,
      ]);
    }
  });

  it('the established group keeps the key against an older-sorting namespace; once it is gone the newcomer gets it', () => {
    const group = [cred('team-b', 'v1', OLD, 'v1'), cred('team-b', 'v2', NEW, 'v2')];
    const intruder = cred('team-a', 'v3', LATER, 'v3');
    const s = kube([intruder, ...group]);
    expect(loaded(s).sort()).toEqual(['k/v1', 'k/v2']);
    expect(s.credentials.byKey.get('k')!.consumer.username).toBe('team-b-issuer');
    expect(problems(s)).toEqual([`team-a/v3 spec.key: key is already used by JwtCredential team-b/v1 (another consumer), ${KEEPS}`]);
    expect(loaded(kube([intruder]))).toEqual(['k/v3']);
  });

  it('a credential whose KongConsumer is missing holds the key as before, and the others are refused', () => {
    const s = kube([cred('team-a', 'orphan', OLD, 'x', 'nobody'), cred('team-a', 'ok', NEW, 'y')]);
    expect(s.diagnostics.map((d) => `${d.object.name} ${d.reason}`).sort()).toEqual(['ok KeyConflict', 'orphan ConsumerNotFound']);
  });
});
