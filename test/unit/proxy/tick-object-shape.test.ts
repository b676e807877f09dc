import { describe, expect, it } from 'vitest';
import { retainTickObjectShape } from '../../../src/proxy/tick-object-shape.js';

describe('retainTickObjectShape', () => {
  it('captures a live TickObject (Node still names its nextTick resource so) and is idempotent', () => {
    expect(retainTickObjectShape()).toBe(true);
    expect(retainTickObjectShape()).toBe(true);
  });
});
