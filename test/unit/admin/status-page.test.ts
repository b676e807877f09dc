import { describe, expect, it } from 'vitest';
import { esc, renderStatusPage } from '../../../src/admin/status-page.js';
import type { StatusView } from '../../../src/admin/status-view.js';

const base: StatusView = {
  generatedAt: '2026-01-01T00:00:00.000Z', mode: 'controller', version: '9.9.9', rejectionsFrom: 'this process',
  snapshot: { version: 3, hash: 'abcdef0123456789', createdAt: '2026-01-01T00:00:00.000Z' }, rates: null,
  routes: [{ name: '<script>alert(1)</script>', id: 'r1', protocols: ['http'], hosts: [], paths: ['/"x'], methods: [], service: 's', protection: 'none', detail: [] }],
  consumers: [], notProgrammed: [],
  rejections: [{ at: 0, status: 401, reason: 'no_token', method: 'GET', target: '/a?b=<i>', route: undefined, consumer: undefined, requestId: 'rid' }],
};

describe('renderStatusPage', () => {
  it('escapes every value: route names and request targets come from config and clients', () => {
    const html = renderStatusPage(base, { refreshSeconds: 0, cssHref: '/ui/status.css' });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('/a?b=&lt;i&gt;');
    expect(html).toContain('/&quot;x');
    expect(esc(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });

  it('has no inline script or style (the CSP allows neither) and refreshes only when asked', () => {
    const html = renderStatusPage(base, { refreshSeconds: 0, cssHref: '/ui/status.css' });
    expect(html).not.toMatch(/<script|<style|\sstyle=|\son\w+=/i);
    expect(html).not.toContain('http-equiv="refresh"');
    expect(renderStatusPage(base, { refreshSeconds: 7, cssHref: '/ui/status.css' })).toContain('<meta http-equiv="refresh" content="7">');
  });

  it('says when rates are still being measured, and shows them once known', () => {
    expect(renderStatusPage(base, { refreshSeconds: 0, cssHref: '/c' })).toContain('measuring');
    const html = renderStatusPage({ ...base, rates: { windowSeconds: 5, requests: 12.5, clientErrors: 2, serverErrors: 0, totals: { requests: 100, clientErrors: 10, serverErrors: 0 } } }, { refreshSeconds: 0, cssHref: '/c' });
    expect(html).toMatch(/id="rate-requests"><span class="value">12\.5</);
    expect(html).toContain('over the last 5.0 s');
  });

  it('shows empty sections with a sentence, not an empty table', () => {
    const html = renderStatusPage(base, { refreshSeconds: 0, cssHref: '/c' });
    expect(html).toContain('Every object is programmed.');
    expect(html).toContain('No consumers.');
  });
});
