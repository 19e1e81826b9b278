#!/bin/sh
# Fitness of a service configuration with a known optimum of 100 at
# batch_size=48 timeout=75 max_concurrent=6 cache_enabled=true (fitness.mjs is the same formula in JS).
# Each numeric parameter scores 1/(1+(6*distance/width)^2); a disabled cache costs 30%.
awk -v b="$GENOME_BATCH_SIZE" -v t="$GENOME_TIMEOUT" -v m="$GENOME_MAX_CONCURRENT" -v c="$GENOME_CACHE_ENABLED" '
function g(x, o, w,  d) { d = 6 * (x - o) / w; return 1 / (1 + d * d) }
BEGIN {
  f = 100 * g(b, 48, 99) * g(t, 75, 290) * g(m, 6, 15)
  if (c != "true") f = f * 0.7
  printf "fitness %.6f\n", f
}'
