;; Summary statistics of float32 or float64 values with SIMD, for tensors recorded with statistics only (statsKernel.ts).
;; The values are at byte 128 of the memory. Each computes what stats.ts's statsAndCopy loop computes, in its order:
;; lane 0 of each f64x2 accumulator takes the even elements in turn and lane 1 the odd ones (its two running sums),
;; a product a·a is rounded before it is added (no fused multiply-add), a minimum is replaced only by a smaller value
;; (pmin: v < min ? v : min, the loop's test; pmax alike), and an odd last element joins lane 0. Results
;; at byte 0: sums (even, odd), sums of squares (even, odd), minima, maxima (f64 pairs), then zero counts (i64 pair).

(module
  ;; memory made by its caller (wasmKernel.ts): a bigger one is a new instance, never memory.grow
  (import "env" "memory" (memory 1))
  (export "memory" (memory 0))

  ;; (each f64x2 of values is folded into the accumulators by the same five statements, written out at each use)

  (func (export "stats32") (param $n i32)
    (local $p i32) (local $end i32) (local $end4 i32)
    (local $x v128) (local $v v128)
    (local $sum v128) (local $sq v128) (local $mn v128) (local $mx v128) (local $z v128)
    (local $a f64)
    (local.set $mn (v128.const f64x2 inf inf))
    (local.set $mx (v128.const f64x2 -inf -inf))
    (local.set $p (i32.const 128))
    (local.set $end (i32.add (i32.const 128) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end4 (i32.add (i32.const 128) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done
      (loop $four
        (br_if $done (i32.ge_u (local.get $p) (local.get $end4)))
        (local.set $x (v128.load (local.get $p)))
        ;; elements 0 and 1
        (local.set $v (f64x2.promote_low_f32x4 (local.get $x)))
        (local.set $sum (f64x2.add (local.get $sum) (local.get $v)))
        (local.set $sq (f64x2.add (local.get $sq) (f64x2.mul (local.get $v) (local.get $v))))
        (local.set $mn (f64x2.pmin (local.get $mn) (local.get $v)))
        (local.set $mx (f64x2.pmax (local.get $mx) (local.get $v)))
        (local.set $z (i64x2.sub (local.get $z) (f64x2.eq (local.get $v) (v128.const f64x2 0 0))))
        ;; elements 2 and 3
        (local.set $v (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x) (local.get $x))))
        (local.set $sum (f64x2.add (local.get $sum) (local.get $v)))
        (local.set $sq (f64x2.add (local.get $sq) (f64x2.mul (local.get $v) (local.get $v))))
        (local.set $mn (f64x2.pmin (local.get $mn) (local.get $v)))
        (local.set $mx (f64x2.pmax (local.get $mx) (local.get $v)))
        (local.set $z (i64x2.sub (local.get $z) (f64x2.eq (local.get $v) (v128.const f64x2 0 0))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $four)))
    ;; a last pair
    (if (i32.ge_u (i32.sub (local.get $end) (local.get $p)) (i32.const 8))
      (then
        (local.set $v (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $p))))
        (local.set $sum (f64x2.add (local.get $sum) (local.get $v)))
        (local.set $sq (f64x2.add (local.get $sq) (f64x2.mul (local.get $v) (local.get $v))))
        (local.set $mn (f64x2.pmin (local.get $mn) (local.get $v)))
        (local.set $mx (f64x2.pmax (local.get $mx) (local.get $v)))
        (local.set $z (i64x2.sub (local.get $z) (f64x2.eq (local.get $v) (v128.const f64x2 0 0))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))))
    ;; an odd last element joins lane 0
    (if (i32.lt_u (local.get $p) (local.get $end))
      (then
        (local.set $a (f64.promote_f32 (f32.load (local.get $p))))
        (call $last (local.get $a) (local.get $sum) (local.get $sq) (local.get $mn) (local.get $mx) (local.get $z))
        (return)))
    (call $store (local.get $sum) (local.get $sq) (local.get $mn) (local.get $mx) (local.get $z)))

  (func (export "stats64") (param $n i32)
    (local $p i32) (local $end i32) (local $end2 i32)
    (local $v v128)
    (local $sum v128) (local $sq v128) (local $mn v128) (local $mx v128) (local $z v128)
    (local.set $mn (v128.const f64x2 inf inf))
    (local.set $mx (v128.const f64x2 -inf -inf))
    (local.set $p (i32.const 128))
    (local.set $end (i32.add (i32.const 128) (i32.shl (local.get $n) (i32.const 3))))
    (local.set $end2 (i32.add (i32.const 128) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done
      (loop $two
        (br_if $done (i32.ge_u (local.get $p) (local.get $end2)))
        (local.set $v (v128.load (local.get $p)))
        (local.set $sum (f64x2.add (local.get $sum) (local.get $v)))
        (local.set $sq (f64x2.add (local.get $sq) (f64x2.mul (local.get $v) (local.get $v))))
        (local.set $mn (f64x2.pmin (local.get $mn) (local.get $v)))
        (local.set $mx (f64x2.pmax (local.get $mx) (local.get $v)))
        (local.set $z (i64x2.sub (local.get $z) (f64x2.eq (local.get $v) (v128.const f64x2 0 0))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $two)))
    (if (i32.lt_u (local.get $p) (local.get $end))
      (then
        (call $last (f64.load (local.get $p)) (local.get $sum) (local.get $sq) (local.get $mn) (local.get $mx)
          (local.get $z))
        (return)))
    (call $store (local.get $sum) (local.get $sq) (local.get $mn) (local.get $mx) (local.get $z)))

  ;; the accumulators with `a` folded into lane 0, stored
  (func $last (param $a f64) (param $sum v128) (param $sq v128) (param $mn v128) (param $mx v128) (param $z v128)
    (call $store
      (f64x2.replace_lane 0 (local.get $sum) (f64.add (f64x2.extract_lane 0 (local.get $sum)) (local.get $a)))
      (f64x2.replace_lane 0 (local.get $sq)
        (f64.add (f64x2.extract_lane 0 (local.get $sq)) (f64.mul (local.get $a) (local.get $a))))
      (f64x2.replace_lane 0 (local.get $mn) (f64x2.extract_lane 0
        (f64x2.pmin (local.get $mn) (f64x2.splat (local.get $a)))))
      (f64x2.replace_lane 0 (local.get $mx) (f64x2.extract_lane 0
        (f64x2.pmax (local.get $mx) (f64x2.splat (local.get $a)))))
      (i64x2.replace_lane 0 (local.get $z)
        (i64.add (i64x2.extract_lane 0 (local.get $z)) (i64.extend_i32_u (f64.eq (local.get $a) (f64.const 0)))))))

  (func $store (param $sum v128) (param $sq v128) (param $mn v128) (param $mx v128) (param $z v128)
    (v128.store (i32.const 0) (local.get $sum))
    (v128.store (i32.const 16) (local.get $sq))
    (v128.store (i32.const 32) (local.get $mn))
    (v128.store (i32.const 48) (local.get $mx))
    (v128.store (i32.const 64) (local.get $z))))
