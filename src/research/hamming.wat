;; Hamming distances between one query sketch and many stored sketches, for research/sketch-scan.ts.
;; Compiled into hamming-wasm.ts by `node scripts/build-wasm.mjs` (a test checks the two agree).
;;
;; distances(q, rows, n, stride, out): for each of the n sketches of `stride` bytes stored back to
;; back from byte `rows`, stores popcount(sketch xor query) as an unsigned 16-bit integer at
;; out + 2i. The query is `stride` bytes at byte `q`. `stride` must be a positive multiple of 16.
(module
  (memory (export "memory") 1)
  (func (export "distances")
    (param $q i32) (param $rows i32) (param $n i32) (param $stride i32) (param $out i32)
    (local $end i32) (local $w i32) (local $acc i64)
    (local.set $end (i32.add (local.get $rows) (i32.mul (local.get $n) (local.get $stride))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
        (local.set $acc (i64.const 0))
        (local.set $w (i32.const 0))
        ;; two 64-bit words per step
        (loop $word
          (local.set $acc
            (i64.add (local.get $acc)
              (i64.add
                (i64.popcnt (i64.xor
                  (i64.load (i32.add (local.get $rows) (local.get $w)))
                  (i64.load (i32.add (local.get $q) (local.get $w)))))
                (i64.popcnt (i64.xor
                  (i64.load offset=8 (i32.add (local.get $rows) (local.get $w)))
                  (i64.load offset=8 (i32.add (local.get $q) (local.get $w))))))))
          (local.set $w (i32.add (local.get $w) (i32.const 16)))
          (br_if $word (i32.lt_u (local.get $w) (local.get $stride))))
        (i32.store16 (local.get $out) (i32.wrap_i64 (local.get $acc)))
        (local.set $out (i32.add (local.get $out) (i32.const 2)))
        (local.set $rows (i32.add (local.get $rows) (local.get $stride)))
        (br $row)))))
