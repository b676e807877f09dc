/** The sum of every sample of `series` (any labels) on a gateway's /metrics (its status listener URL). */
export async function metricSum(statusUrl: string, series: string): Promise<number> {
  const text = await (await fetch(`${statusUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(series))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}
