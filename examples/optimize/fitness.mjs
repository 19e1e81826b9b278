// The fit.sh formula in JS, for in-process benchmarking; optimum 100 at (48, 75, 6, true).
const g = (x, o, w) => {
  const d = (6 * (x - o)) / w;
  return 1 / (1 + d * d);
};

/** Fitness of one genome; matches fit.sh to 6 decimals. */
export function fitness(genome) {
  const f = 100 * g(genome.batch_size, 48, 99) * g(genome.timeout, 75, 290) * g(genome.max_concurrent, 6, 15);
  return genome.cache_enabled === true ? f : f * 0.7;
}

export const OPTIMUM = {
  genome: { batch_size: 48, timeout: 75, max_concurrent: 6, cache_enabled: true },
  fitness: 100,
};
