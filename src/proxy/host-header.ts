/** "Example.com:8000" → "example.com"; "[::1]:8000" → "[::1]"; undefined → "". */
export function hostWithoutPort(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  if (hostHeader.charCodeAt(0) === 91 /* [ */) {
    const close = hostHeader.indexOf(']');
    return (close === -1 ? hostHeader : hostHeader.slice(0, close + 1)).toLowerCase();
  }
  const colon = hostHeader.indexOf(':');
  return (colon === -1 ? hostHeader : hostHeader.slice(0, colon)).toLowerCase();
}
