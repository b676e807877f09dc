import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { repoRoot } from '../../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * The status page (docs/status-page.md) in a real headless Chromium (Debian's `chromium`, driven
 * by playwright-core): it renders with its stylesheet under the CSP, shows what the gateway serves,
 * and its screenshot, decoded by the browser itself, has the page's look: a dark header, light
 * body, coloured badges. The same check on the page without its stylesheet fails, so a broken
 * page fails the test. The screenshot is kept in test-results/ for a human to look at.
 */
const CHROMIUM = process.env.PORTCULLIS_CHROMIUM ?? '/usr/bin/chromium';
const SECRET = 'browser-test-secret-4Kq0z';
const SHOTS = path.join(repoRoot, 'test-results');

let upstream: EchoUpstream;
let gw: StandaloneGateway;
let browser: Browser;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startStandalone({
    services: [
      {
        name: 'echo',
        url: `http://127.0.0.1:${upstream.port}`,
        routes: [
          { name: 'open', paths: ['/open'] },
          { name: 'api', paths: ['/api'], plugins: [{ name: 'jwt' }] },
          { name: 'orders', paths: ['/orders'], plugins: [{ name: 'jwt' }, { name: 'jwt-claims', config: { scopes: ['orders:read'] } }] },
        ],
      },
    ],
    consumers: [
      { username: 'alice', jwt_secrets: [{ key: 'alice-key', secret: SECRET }] },
      { username: 'carol', jwt_secrets: [{ key: 'broken-key', algorithm: 'RS256', rsa_public_key: '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n' }] },
    ],
  });
  const token = mintToken({ algorithm: 'HS256', key: 'alice-key', secret: SECRET });
  for (const [p, headers] of [['/open', {}], ['/api', {}], ['/api', { authorization: `Bearer ${token}` }], ['/orders', { authorization: `Bearer ${token}` }], ['/nope', {}]] as const) {
    await (await fetch(`${gw.proxy}${p}`, { headers })).arrayBuffer();
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--font-render-hinting=none'] });
  await mkdir(SHOTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await upstream?.close();
});

/** Opens /ui and collects console errors, page errors, failed and foreign requests. */
async function open(opts: { blockCss?: boolean } = {}): Promise<{ page: Page; problems: string[]; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
  page.on('request', (r) => requests.push(r.url()));
  if (opts.blockCss) await page.route('**/ui/status.css', (r) => r.fulfill({ status: 200, contentType: 'text/css', body: '' }));
  const res = await page.goto(`${gw.admin}/ui?refresh=0`, { waitUntil: 'load' });
  expect(res?.status()).toBe(200);
  return { page, problems, requests };
}

interface Look {
  width: number;
  height: number;
  /** Mean luminance (0–255) of the top 40 rows (the header) and of the rest. */
  headerLuma: number;
  bodyLuma: number;
  /** Pixels close to the badge colours (--ok green, --bad red). */
  green: number;
  red: number;
}

/** Decodes a PNG screenshot in a blank page of the browser (no CSP there) and measures it. */
async function look(png: Buffer): Promise<Look> {
  const page = await browser.newPage();
  try {
    return await page.evaluate(async (b64) => {
      // Runs in the browser; the project's tsconfig has no DOM lib.
      const w = globalThis as any;
      const img = new w.Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = w.document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      const d: Uint8ClampedArray = g.getImageData(0, 0, c.width, c.height).data;
      let head = 0, headN = 0, body = 0, bodyN = 0, green = 0, red = 0;
      const near = (r: number, gg: number, b: number, R: number, G: number, B: number) => Math.abs(r - R) + Math.abs(gg - G) + Math.abs(b - B) < 60;
      for (let i = 0; i < d.length; i += 4) {
        const r = d[i]!, gg = d[i + 1]!, b = d[i + 2]!;
        const luma = 0.2126 * r + 0.7152 * gg + 0.0722 * b;
        if (i / 4 / c.width < 40) (head += luma), headN++;
        else (body += luma), bodyN++;
        if (near(r, gg, b, 0x1a, 0x7f, 0x37)) green++;
        if (near(r, gg, b, 0xcf, 0x22, 0x2e)) red++;
      }
      return { width: c.width as number, height: c.height as number, headerLuma: head / headN, bodyLuma: body / bodyN, green, red };
    }, png.toString('base64')) as Look;
  } finally {
    await page.close();
  }
}

/** What a working page looks like; `ok` false names the first broken invariant. */
function judge(l: Look): string | undefined {
  if (l.width !== 1280 || l.height < 600) return `size ${l.width}x${l.height}`;
  if (l.headerLuma > 80) return `header not dark (luma ${l.headerLuma.toFixed(0)})`;
  if (l.bodyLuma < 170) return `body not light (luma ${l.bodyLuma.toFixed(0)})`;
  if (l.green < 30) return `no green (ok) badges: ${l.green} px`;
  if (l.red < 30) return `no red (error) badges: ${l.red} px`;
  return undefined;
}

describe('status page in headless Chromium', () => {
  it('renders under its CSP with no console error, no failed or foreign request', async () => {
    const { page, problems, requests } = await open();
    try {
      expect(problems).toEqual([]);
      const origin = new URL(gw.admin).origin;
      expect(requests.every((u) => u.startsWith(origin)), requests.join(', ')).toBe(true);
      expect(requests.some((u) => u.endsWith('/ui/status.css'))).toBe(true);
      expect(await page.title()).toBe('Portcullis status');
      // The stylesheet applied (not blocked by the CSP): the header's background is the page's dark.
      expect(await page.locator('header').evaluate((el) => (globalThis as any).getComputedStyle(el).backgroundColor as string)).toBe('rgb(29, 35, 48)');
      // No horizontal scrolling at a laptop's width.
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    } finally {
      await page.close();
    }
  });

  it('shows routes with protection, consumers, what is not programmed and refused requests, each visible', async () => {
    const { page } = await open();
    try {
      for (const id of ['#rates', '#routes', '#consumers', '#problems', '#rejections']) {
        const box = await page.locator(id).boundingBox();
        expect(box, id).not.toBeNull();
        expect(box!.width, id).toBeGreaterThan(300);
        expect(box!.height, id).toBeGreaterThan(40);
        expect(await page.locator(id).isVisible(), id).toBe(true);
      }
      const routes = page.locator('#routes tbody tr');
      expect(await routes.count()).toBe(3);
      expect(await page.locator('#routes tbody tr', { hasText: 'orders' }).locator('.badge').innerText()).toBe('jwt + jwt-claims');
      expect(await page.locator('#routes tbody tr', { hasText: 'open' }).locator('.badge').innerText()).toBe('none');
      expect(await page.locator('#consumers').innerText()).toContain('alice-key');
      expect(await page.locator('#problems tbody tr').innerText()).toContain('broken-key');
      const refused = await page.locator('#rejections tbody tr').allInnerTexts();
      expect(refused.map((t) => t.match(/\b(no_route|no_token|claims_scope)\b/)?.[1])).toEqual(['no_route', 'claims_scope', 'no_token']);
      expect(await page.content()).not.toContain(SECRET);
    } finally {
      await page.close();
    }
  });

  it('its screenshot has the page look; the same page without its stylesheet fails the check', async () => {
    const good = await open();
    const shot = await good.page.screenshot({ fullPage: true, path: path.join(SHOTS, 'status-page.png') });
    await good.page.close();
    const l = await look(shot);
    expect(judge(l), JSON.stringify(l)).toBeUndefined();

    const broken = await open({ blockCss: true });
    const bad = await broken.page.screenshot({ fullPage: true, path: path.join(SHOTS, 'status-page-unstyled.png') });
    await broken.page.close();
    expect(judge(await look(bad))).toBeDefined();
  });
});
