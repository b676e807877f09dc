import { describe, expect, it } from 'vitest';
import { isWebSocketUpgrade } from '../../../src/proxy/upgrade.js';

describe('isWebSocketUpgrade', () => {
  it.each<[string | undefined, boolean]>([
    ['websocket', true],
    ['WebSocket', true],
    ['h2c, websocket', true],
    [' websocket ', true],
    ['h2c', false],
    ['websockets', false],
    ['', false],
    [undefined, false],
  ])('%j → %s', (value, expected) => {
    expect(isWebSocketUpgrade(value)).toBe(expected);
  });
});
