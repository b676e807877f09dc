/**
 * nginx's $host: "Example.com:8000" → "example.com"; "[::1]:8000" → "[::1]"; undefined → "".
 * One trailing dot is removed ("secure.example." names the same host as "secure.example"), as
 * nginx does, so a fully-qualified Host cannot step around a host-restricted route.
 */
export function hostWithoutPort(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  if (hostHeader.charCodeAt(0) === 91 /* [ */) {
    const close = hostHeader.indexOf(']');
    return (close === -1 ? hostHeader : hostHeader.slice(0, close + 1)).toLowerCase();
  }
  const colon = hostHeader.indexOf(':');
  const end = colon === -1 ? hostHeader.length : colon;
  return hostHeader.slice(0, end > 0 && hostHeader.charCodeAt(end - 1) === 46 /* . */ ? end - 1 : end).toLowerCase();
}
