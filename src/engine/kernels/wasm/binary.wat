;; Elementwise add, sub, mul and div of float32 or float64 values with SIMD, over rows of a broadcast (wasmBinary.ts):
;; the same numbers as binary.ts's loop, bit for bit (and, at the end, ReLU and its VJP as unary.ts's loops). A float32
;; result computed there in double precision and rounded once is the float32 operation's own correctly rounded result
;; (53 ≥ 2·24 + 2 bits), which is what f32x4 gives.
;; Memory (bytes): 0 and 16 hold the row's splatted scalar of an operand that does not advance along the row (a
;; broadcast [rows, 1], or a scalar); `offs` holds each row's offsets into a and b, in elements, as i32 pairs; a, b and
;; o are where wasmBinary.ts copied them.

(module
  ;; memory made by its caller (wasmKernel.ts): a bigger one is a new instance, never memory.grow
  (import "env" "memory" (memory 1))
  (export "memory" (memory 0))

  ;; One row of n f32 values: o[i] = a[i] ∘ b[i], a and b advancing (steps of 16 bytes a vector) or not (a splat in the
  ;; scratch: steps of 0). 4 lanes a vector, then the rest one by one.
  (func $row_f32 (param $code i32) (param $n i32) (param $o i32) (param $a i32) (param $b i32) (param $sa i32) (param $sb i32)
    (local $endv i32) (local $end i32) (local $ta i32) (local $tb i32)
    (local.set $endv (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $ta (i32.shr_u (local.get $sa) (i32.const 2)))
    (local.set $tb (i32.shr_u (local.get $sb) (i32.const 2)))
    (block $div (block $mul (block $sub (block $add
      (br_table $add $sub $mul $div (local.get $code)))
      ;; ADD
      (block $v0 (loop $vl0
        (br_if $v0 (i32.ge_u (local.get $o) (local.get $endv)))
        (v128.store (local.get $o) (f32x4.add (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (local.set $a (i32.add (local.get $a) (local.get $sa)))
        (local.set $b (i32.add (local.get $b) (local.get $sb)))
        (br $vl0)))
      (block $s0 (loop $sl0
        (br_if $s0 (i32.ge_u (local.get $o) (local.get $end)))
        (f32.store (local.get $o) (f32.add (f32.load (local.get $a)) (f32.load (local.get $b))))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (local.set $a (i32.add (local.get $a) (local.get $ta)))
        (local.set $b (i32.add (local.get $b) (local.get $tb)))
        (br $sl0)))
      (return))
      ;; SUB
      (block $v1 (loop $vl1
        (br_if $v1 (i32.ge_u (local.get $o) (local.get $endv)))
        (v128.store (local.get $o) (f32x4.sub (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (local.set $a (i32.add (local.get $a) (local.get $sa)))
        (local.set $b (i32.add (local.get $b) (local.get $sb)))
        (br $vl1)))
      (block $s1 (loop $sl1
        (br_if $s1 (i32.ge_u (local.get $o) (local.get $end)))
        (f32.store (local.get $o) (f32.sub (f32.load (local.get $a)) (f32.load (local.get $b))))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (local.set $a (i32.add (local.get $a) (local.get $ta)))
        (local.set $b (i32.add (local.get $b) (local.get $tb)))
        (br $sl1)))
      (return))
      ;; MUL
      (block $v2 (loop $vl2
        (br_if $v2 (i32.ge_u (local.get $o) (local.get $endv)))
        (v128.store (local.get $o) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (local.set $a (i32.add (local.get $a) (local.get $sa)))
        (local.set $b (i32.add (local.get $b) (local.get $sb)))
        (br $vl2)))
      (block $s2 (loop $sl2
        (br_if $s2 (i32.ge_u (local.get $o) (local.get $end)))
        (f32.store (local.get $o) (f32.mul (f32.load (local.get $a)) (f32.load (local.get $b))))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (local.set $a (i32.add (local.get $a) (local.get $ta)))
        (local.set $b (i32.add (local.get $b) (local.get $tb)))
        (br $sl2)))
      (return))
      ;; DIV
      (block $v3 (loop $vl3
        (br_if $v3 (i32.ge_u (local.get $o) (local.get $endv)))
        (v128.store (local.get $o) (f32x4.div (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (local.set $a (i32.add (local.get $a) (local.get $sa)))
        (local.set $b (i32.add (local.get $b) (local.get $sb)))
        (br $vl3)))
      (block $s3 (loop $sl3
        (br_if $s3 (i32.ge_u (local.get $o) (local.get $end)))
        (f32.store (local.get $o) (f32.div (f32.load (local.get $a)) (f32.load (local.get $b))))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (local.set $a (i32.add (local.get $a) (local.get $ta)))
        (local.set $b (i32.add (local.get $b) (local.get $tb)))
        (br $sl3)))
      (return))

  ;; `rows` rows of n values, o on; row r reads a from element offs[2r] of a on and b from element offs[2r + 1] of b
  ;; on; an operand whose i (ia, ib) is 0 stays at that one value along the row.
  (func (export "rows_f32") (param $code i32) (param $n i32) (param $rows i32) (param $o i32) (param $a i32) (param $b i32)
    (param $ia i32) (param $ib i32) (param $offs i32)
    (local $end i32) (local $pa i32) (local $pb i32) (local $sa i32) (local $sb i32) (local $row i32)
    (local.set $sa (i32.shl (local.get $ia) (i32.const 4)))
    (local.set $sb (i32.shl (local.get $ib) (i32.const 4)))
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.add (local.get $offs) (i32.shl (local.get $rows) (i32.const 3))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $offs) (local.get $end)))
      (local.set $pa (i32.add (local.get $a) (i32.shl (i32.load (local.get $offs)) (i32.const 2))))
      (local.set $pb (i32.add (local.get $b) (i32.shl (i32.load offset=4 (local.get $offs)) (i32.const 2))))
      (if (i32.eqz (local.get $ia)) (then
        (v128.store (i32.const 0) (f32x4.splat (f32.load (local.get $pa))))
        (local.set $pa (i32.const 0))))
      (if (i32.eqz (local.get $ib)) (then
        (v128.store (i32.const 16) (f32x4.splat (f32.load (local.get $pb))))
        (local.set $pb (i32.const 16))))
      (call $row_f32 (local.get $code) (local.get $n) (local.get $o) (local.get $pa) (local.get $pb) (local.get $sa) (local.get $sb))
      (local.set $o (i32.add (local.get $o) (local.get $row)))
      (local.set $offs (i32.add (local.get $offs) (i32.const 8)))
      (br $next)))
  )

  ;; One row of n f64 values: o[i] = a[i] ∘ b[i], a and b advancing (steps of 16 bytes a vector) or not (a splat in the
  ;; scratch: steps of 0). 2 lanes a vector, then the rest one by one.
  (func $row_f64 (param $code i32) (param $n i32) (param $o i32) (param $a i32) (param $b i32) (param $sa i32) (param $sb i32)
    (local $endv i32) (local $end i32) (local $ta i32) (local $tb i32)
    (local.set $endv (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (local.set $ta (i32.shr_u (local.get $sa) (i32.const 1)))
    (local.set $tb (i32.shr_u (local.get $sb) (i32.const 1)))
    (block $div (block $mul (block $sub (block $add
      (br_table $add $sub $mul $div (local.get $code)))
      ;; ADD
      (block $v0 (loop $vl0
        (br_if $v0 (i32.ge_u (local.get $o) (local.get $endv)))
        (v128.store (local.get $o) (f64x2.add (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (local.set $a (i32.add (local.get $a) (local.get $sa)))
        (local.set $b (i32.add (local.get $b) (local.get $sb)))
        (br $vl0)))
      (block $s0 (loop $sl0
        (br_if $s0 (i32.ge_u (local.get $o) (local.get $end)))
        (f64.store (local.get $o) (f64.add (f64.load (local.get $a)) (f64.load (local.get $b))))
        (local.set $o (i32.add (local.get $o) (i32.const 8)))
        (local.set $a (i32.add (local.get $a) (local.get $ta)))
        (local.set $b (i32.add (local.get $b) (local.get $tb)))
        (br $sl0)))
      (return))
      ;; SUB
      (block $v1 (loop $vl1
        (br_if $v1 (i32.ge_u (local.get $o) (local.get $endv)))
        (v128.store (local.get $o) (f64x2.sub (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (local.set $a (i32.add (local.get $a) (local.get $sa)))
        (local.set $b (i32.add (local.get $b) (local.get $sb)))
        (br $vl1)))
      (block $s1 (loop $sl1
        (br_if $s1 (i32.ge_u (local.get $o) (local.get $end)))
        (f64.store (local.get $o) (f64.sub (f64.load (local.get $a)) (f64.load (local.get $b))))
        (local.set $o (i32.add (local.get $o) (i32.const 8)))
        (local.set $a (i32.add (local.get $a) (local.get $ta)))
        (local.set $b (i32.add (local.get $b) (local.get $tb)))
        (br $sl1)))
      (return))
      ;; MUL
      (block $v2 (loop $vl2
        (br_if $v2 (i32.ge_u (local.get $o) (local.get $endv)))
        (v128.store (local.get $o) (f64x2.mul (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (local.set $a (i32.add (local.get $a) (local.get $sa)))
        (local.set $b (i32.add (local.get $b) (local.get $sb)))
        (br $vl2)))
      (block $s2 (loop $sl2
        (br_if $s2 (i32.ge_u (local.get $o) (local.get $end)))
        (f64.store (local.get $o) (f64.mul (f64.load (local.get $a)) (f64.load (local.get $b))))
        (local.set $o (i32.add (local.get $o) (i32.const 8)))
        (local.set $a (i32.add (local.get $a) (local.get $ta)))
        (local.set $b (i32.add (local.get $b) (local.get $tb)))
        (br $sl2)))
      (return))
      ;; DIV
      (block $v3 (loop $vl3
        (br_if $v3 (i32.ge_u (local.get $o) (local.get $endv)))
        (v128.store (local.get $o) (f64x2.div (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (local.set $a (i32.add (local.get $a) (local.get $sa)))
        (local.set $b (i32.add (local.get $b) (local.get $sb)))
        (br $vl3)))
      (block $s3 (loop $sl3
        (br_if $s3 (i32.ge_u (local.get $o) (local.get $end)))
        (f64.store (local.get $o) (f64.div (f64.load (local.get $a)) (f64.load (local.get $b))))
        (local.set $o (i32.add (local.get $o) (i32.const 8)))
        (local.set $a (i32.add (local.get $a) (local.get $ta)))
        (local.set $b (i32.add (local.get $b) (local.get $tb)))
        (br $sl3)))
      (return))

  ;; `rows` rows of n values, o on; row r reads a from element offs[2r] of a on and b from element offs[2r + 1] of b
  ;; on; an operand whose i (ia, ib) is 0 stays at that one value along the row.
  (func (export "rows_f64") (param $code i32) (param $n i32) (param $rows i32) (param $o i32) (param $a i32) (param $b i32)
    (param $ia i32) (param $ib i32) (param $offs i32)
    (local $end i32) (local $pa i32) (local $pb i32) (local $sa i32) (local $sb i32) (local $row i32)
    (local.set $sa (i32.shl (local.get $ia) (i32.const 4)))
    (local.set $sb (i32.shl (local.get $ib) (i32.const 4)))
    (local.set $row (i32.shl (local.get $n) (i32.const 3)))
    (local.set $end (i32.add (local.get $offs) (i32.shl (local.get $rows) (i32.const 3))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $offs) (local.get $end)))
      (local.set $pa (i32.add (local.get $a) (i32.shl (i32.load (local.get $offs)) (i32.const 3))))
      (local.set $pb (i32.add (local.get $b) (i32.shl (i32.load offset=4 (local.get $offs)) (i32.const 3))))
      (if (i32.eqz (local.get $ia)) (then
        (v128.store (i32.const 0) (f64x2.splat (f64.load (local.get $pa))))
        (local.set $pa (i32.const 0))))
      (if (i32.eqz (local.get $ib)) (then
        (v128.store (i32.const 16) (f64x2.splat (f64.load (local.get $pb))))
        (local.set $pb (i32.const 16))))
      (call $row_f64 (local.get $code) (local.get $n) (local.get $o) (local.get $pa) (local.get $pb) (local.get $sa) (local.get $sb))
      (local.set $o (i32.add (local.get $o) (local.get $row)))
      (local.set $offs (i32.add (local.get $offs) (i32.const 8)))
      (br $next)))
  )

  ;; ReLU of n f32 values from x into o, as unary.ts's loop: v where v > 0 or v is NaN, else +0 (−0 included): v
  ;; masked by (v > 0) | (v ≠ v), whose other lanes are all-zero bits, +0.
  (func (export "relu_f32") (param $o i32) (param $x i32) (param $n i32)
    (local $endv i32) (local $end i32) (local $v v128) (local $s f32)
    (local.set $endv (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 2))))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $o) (local.get $endv)))
      (local.set $v (v128.load (local.get $x)))
      (v128.store (local.get $o)
        (v128.and (local.get $v) (v128.or (f32x4.gt (local.get $v) (v128.const f32x4 0 0 0 0)) (f32x4.ne (local.get $v) (local.get $v)))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (br $l)))
    (block $d2 (loop $l2
      (br_if $d2 (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $s (f32.load (local.get $x)))
      (f32.store (local.get $o)
        (select (local.get $s) (f32.const 0) (i32.or (f32.gt (local.get $s) (f32.const 0)) (f32.ne (local.get $s) (local.get $s)))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (br $l2))))

  ;; ReLU's VJP as unary.ts's loop: o = up where ¬(x ≤ 0) (NaN included), else +0, whatever up is (a NaN or ±∞
  ;; upstream included: PyTorch's threshold_backward selects, where a product by 0 made NaN of them).
  (func (export "reluvjp_f32") (param $o i32) (param $x i32) (param $up i32) (param $n i32)
    (local $endv i32) (local $end i32)
    (local.set $endv (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 2))))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $o) (local.get $endv)))
      (v128.store (local.get $o)
        (v128.andnot (v128.load (local.get $up)) (f32x4.le (v128.load (local.get $x)) (v128.const f32x4 0 0 0 0))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $up (i32.add (local.get $up) (i32.const 16)))
      (br $l)))
    (block $d2 (loop $l2
      (br_if $d2 (i32.ge_u (local.get $o) (local.get $end)))
      (f32.store (local.get $o)
        (select (f32.const 0) (f32.load (local.get $up)) (f32.le (f32.load (local.get $x)) (f32.const 0))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (local.set $up (i32.add (local.get $up) (i32.const 4)))
      (br $l2))))

  ;; ReLU of n f64 values from x into o, as unary.ts's loop: v where v > 0 or v is NaN, else +0 (−0 included): v
  ;; masked by (v > 0) | (v ≠ v), whose other lanes are all-zero bits, +0.
  (func (export "relu_f64") (param $o i32) (param $x i32) (param $n i32)
    (local $endv i32) (local $end i32) (local $v v128) (local $s f64)
    (local.set $endv (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $o) (local.get $endv)))
      (local.set $v (v128.load (local.get $x)))
      (v128.store (local.get $o)
        (v128.and (local.get $v) (v128.or (f64x2.gt (local.get $v) (v128.const f64x2 0 0)) (f64x2.ne (local.get $v) (local.get $v)))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (br $l)))
    (block $d2 (loop $l2
      (br_if $d2 (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $s (f64.load (local.get $x)))
      (f64.store (local.get $o)
        (select (local.get $s) (f64.const 0) (i32.or (f64.gt (local.get $s) (f64.const 0)) (f64.ne (local.get $s) (local.get $s)))))
      (local.set $o (i32.add (local.get $o) (i32.const 8)))
      (local.set $x (i32.add (local.get $x) (i32.const 8)))
      (br $l2))))

  ;; ReLU's VJP as unary.ts's loop: o = up where ¬(x ≤ 0) (NaN included), else +0, whatever up is (a NaN or ±∞
  ;; upstream included: PyTorch's threshold_backward selects, where a product by 0 made NaN of them).
  (func (export "reluvjp_f64") (param $o i32) (param $x i32) (param $up i32) (param $n i32)
    (local $endv i32) (local $end i32)
    (local.set $endv (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $o) (local.get $endv)))
      (v128.store (local.get $o)
        (v128.andnot (v128.load (local.get $up)) (f64x2.le (v128.load (local.get $x)) (v128.const f64x2 0 0))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $up (i32.add (local.get $up) (i32.const 16)))
      (br $l)))
    (block $d2 (loop $l2
      (br_if $d2 (i32.ge_u (local.get $o) (local.get $end)))
      (f64.store (local.get $o)
        (select (f64.const 0) (f64.load (local.get $up)) (f64.le (f64.load (local.get $x)) (f64.const 0))))
      (local.set $o (i32.add (local.get $o) (i32.const 8)))
      (local.set $x (i32.add (local.get $x) (i32.const 8)))
      (local.set $up (i32.add (local.get $up) (i32.const 8)))
      (br $l2))))
)
