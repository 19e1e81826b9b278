/** vLLM's running and waiting request gauges from its Prometheus /metrics text (summed over models). */
export function vllmMetrics(text: string): { running: number; waiting: number } | undefined {
  let running: number | undefined;
  let waiting: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^vllm:num_requests_(running|waiting)(?:\{[^}]*\})?\s+([0-9.eE+-]+)/.exec(line.trim());
    if (!m) continue;
    const v = Number(m[2]);
    if (m[1] === 'running') running = (running ?? 0) + v;
    else waiting = (waiting ?? 0) + v;
  }
  return running === undefined && waiting === undefined ? undefined : { running: running ?? 0, waiting: waiting ?? 0 };
}
