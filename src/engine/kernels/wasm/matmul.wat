;; Matrix-multiply kernels in WebAssembly SIMD (v128): C += A·B on packed panels, float32 (f32x4) and float64 (f64x2).
;; Compiled by scripts/buildWasm.mjs (wabt) into matmulWasm.ts beside this file; driven by ../wasmMatmul.ts, which
;; copies the operands into this memory, packs them with pack, multiplies them with gemm and copies C back out.
;;
;; Layouts (all addresses in bytes, all matrices in elements of 4 or 8 bytes):
;; - A is packed in panels of 4 rows: Ap[(p·K + k)·4 + r] = A(4p + r, k);
;; - B in panels of NR columns (8 for float32, 4 for float64): Bp[(q·K + k)·NR + c] = B(k, q·NR + c);
;; - C is row-major with Np columns (N rounded up to NR), Mp rows (M rounded up to 4); the padding is never read back.
;; A 4×NR block of C lives in 8 v128 registers across a run of k: per k, one NR-wide row of B (two loads), four
;; splatted elements of A, 8 multiplies and 8 adds. k runs in blocks of kc (B's panel stays in L1), rows of A in blocks
;; of mc (their panels stay in L2).
(module
  ;; memory made by its caller (wasmKernel.ts): a bigger one is a new instance, never memory.grow
  (import "env" "memory" (memory 1))
  (export "memory" (memory 0))

  ;; dst[(p·K + k)·P + r] = src[(p·P + r)·s1 + k·s2] for p·P + r < n; s1, s2 in elements of 2^shift bytes (shift 2
  ;; or 3). Packs A with P = 4, (s1, s2) = (A's row stride, its k stride), n = M; packs B with P = NR, (s1, s2) =
  ;; (B's column stride, its k stride), n = N. The last panel's padding keeps whatever it held: it only ever meets
  ;; C's padding.
  (func (export "pack")
    (param $src i32) (param $s1 i32) (param $s2 i32) (param $n i32) (param $K i32) (param $P i32) (param $dst i32)
    (param $shift i32)
    (local $r i32) (local $s i32) (local $d i32) (local $end i32) (local $step i32)
    ;; consecutive k of one row are P elements apart in dst
    (local.set $step (i32.shl (local.get $P) (local.get $shift)))
    ;; Rows next to each other in src (B of an NN product, A of a TN one): each full panel takes a k's P values,
    ;; 16 or 32 bytes, in one or two v128 moves; the rows of a partial last panel go one by one below.
    (if (i32.eq (local.get $s1) (i32.const 1))
      (then
        (local.set $s2 (i32.shl (local.get $s2) (local.get $shift)))
        (block $panelsDone (loop $panels
          (br_if $panelsDone (i32.gt_u (i32.add (local.get $r) (local.get $P)) (local.get $n)))
          (local.set $s (i32.add (local.get $src) (i32.shl (local.get $r) (local.get $shift))))
          (local.set $d (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $r) (local.get $K)) (local.get $shift))))
          (local.set $end (i32.add (local.get $d) (i32.mul (local.get $K) (local.get $step))))
          (block $kDone (loop $k
            (br_if $kDone (i32.ge_u (local.get $d) (local.get $end)))
            (v128.store (local.get $d) (v128.load (local.get $s)))
            (if (i32.eq (local.get $step) (i32.const 32))
              (then (v128.store offset=16 (local.get $d) (v128.load offset=16 (local.get $s)))))
            (local.set $s (i32.add (local.get $s) (local.get $s2)))
            (local.set $d (i32.add (local.get $d) (local.get $step)))
            (br $k)))
          (local.set $r (i32.add (local.get $r) (local.get $P)))
          (br $panels)))
        (local.set $s2 (i32.shr_u (local.get $s2) (local.get $shift)))))
    (local.set $s1 (i32.shl (local.get $s1) (local.get $shift)))
    (local.set $s2 (i32.shl (local.get $s2) (local.get $shift)))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $n)))
        ;; d = dst + ((r / P)·K·P + r % P) elements
        (local.set $d (i32.add (local.get $dst) (i32.shl
          (i32.add
            (i32.mul (i32.mul (i32.div_u (local.get $r) (local.get $P)) (local.get $K)) (local.get $P))
            (i32.rem_u (local.get $r) (local.get $P)))
          (local.get $shift))))
        (local.set $end (i32.add (local.get $d) (i32.mul (local.get $K) (local.get $step))))
        (local.set $s (i32.add (local.get $src) (i32.mul (local.get $r) (local.get $s1))))
        (if (i32.eq (local.get $shift) (i32.const 3))
          (then
            (block $e64 (loop $l64
              (br_if $e64 (i32.ge_u (local.get $d) (local.get $end)))
              (i64.store (local.get $d) (i64.load (local.get $s)))
              (local.set $s (i32.add (local.get $s) (local.get $s2)))
              (local.set $d (i32.add (local.get $d) (local.get $step)))
              (br $l64))))
          (else
            (block $e32 (loop $l32
              (br_if $e32 (i32.ge_u (local.get $d) (local.get $end)))
              (i32.store (local.get $d) (i32.load (local.get $s)))
              (local.set $s (i32.add (local.get $s) (local.get $s2)))
              (local.set $d (i32.add (local.get $d) (local.get $step)))
              (br $l32)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  ;; C[4×8 at c, rows ldc bytes apart] += Σ over kc values of k of A's 4-row panel at a times B's 8-column panel at b
  (func $kernel32 (param $a i32) (param $b i32) (param $kc i32) (param $c i32) (param $ldc i32)
    (local $c1 i32) (local $c2 i32) (local $c3 i32) (local $end i32)
    (local $x v128) (local $y0 v128) (local $y1 v128)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128)
    (local $s20 v128) (local $s21 v128) (local $s30 v128) (local $s31 v128)
    (local.set $c1 (i32.add (local.get $c) (local.get $ldc)))
    (local.set $c2 (i32.add (local.get $c1) (local.get $ldc)))
    (local.set $c3 (i32.add (local.get $c2) (local.get $ldc)))
    (local.set $s00 (v128.load (local.get $c)))
    (local.set $s01 (v128.load offset=16 (local.get $c)))
    (local.set $s10 (v128.load (local.get $c1)))
    (local.set $s11 (v128.load offset=16 (local.get $c1)))
    (local.set $s20 (v128.load (local.get $c2)))
    (local.set $s21 (v128.load offset=16 (local.get $c2)))
    (local.set $s30 (v128.load (local.get $c3)))
    (local.set $s31 (v128.load offset=16 (local.get $c3)))
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $kc) (i32.const 4))))
    (loop $k
      (local.set $y0 (v128.load (local.get $b)))
      (local.set $y1 (v128.load offset=16 (local.get $b)))
      (local.set $x (v128.load32_splat (local.get $a)))
      (local.set $s00 (f32x4.add (local.get $s00) (f32x4.mul (local.get $x) (local.get $y0))))
      (local.set $s01 (f32x4.add (local.get $s01) (f32x4.mul (local.get $x) (local.get $y1))))
      (local.set $x (v128.load32_splat offset=4 (local.get $a)))
      (local.set $s10 (f32x4.add (local.get $s10) (f32x4.mul (local.get $x) (local.get $y0))))
      (local.set $s11 (f32x4.add (local.get $s11) (f32x4.mul (local.get $x) (local.get $y1))))
      (local.set $x (v128.load32_splat offset=8 (local.get $a)))
      (local.set $s20 (f32x4.add (local.get $s20) (f32x4.mul (local.get $x) (local.get $y0))))
      (local.set $s21 (f32x4.add (local.get $s21) (f32x4.mul (local.get $x) (local.get $y1))))
      (local.set $x (v128.load32_splat offset=12 (local.get $a)))
      (local.set $s30 (f32x4.add (local.get $s30) (f32x4.mul (local.get $x) (local.get $y0))))
      (local.set $s31 (f32x4.add (local.get $s31) (f32x4.mul (local.get $x) (local.get $y1))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (br_if $k (i32.lt_u (local.get $a) (local.get $end))))
    (v128.store (local.get $c) (local.get $s00))
    (v128.store offset=16 (local.get $c) (local.get $s01))
    (v128.store (local.get $c1) (local.get $s10))
    (v128.store offset=16 (local.get $c1) (local.get $s11))
    (v128.store (local.get $c2) (local.get $s20))
    (v128.store offset=16 (local.get $c2) (local.get $s21))
    (v128.store (local.get $c3) (local.get $s30))
    (v128.store offset=16 (local.get $c3) (local.get $s31)))

  ;; The same for float64: a 4×4 block of C, A's 4-row panel and B's 4-column panel (32 bytes per k each)
  (func $kernel64 (param $a i32) (param $b i32) (param $kc i32) (param $c i32) (param $ldc i32)
    (local $c1 i32) (local $c2 i32) (local $c3 i32) (local $end i32)
    (local $x v128) (local $y0 v128) (local $y1 v128)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128)
    (local $s20 v128) (local $s21 v128) (local $s30 v128) (local $s31 v128)
    (local.set $c1 (i32.add (local.get $c) (local.get $ldc)))
    (local.set $c2 (i32.add (local.get $c1) (local.get $ldc)))
    (local.set $c3 (i32.add (local.get $c2) (local.get $ldc)))
    (local.set $s00 (v128.load (local.get $c)))
    (local.set $s01 (v128.load offset=16 (local.get $c)))
    (local.set $s10 (v128.load (local.get $c1)))
    (local.set $s11 (v128.load offset=16 (local.get $c1)))
    (local.set $s20 (v128.load (local.get $c2)))
    (local.set $s21 (v128.load offset=16 (local.get $c2)))
    (local.set $s30 (v128.load (local.get $c3)))
    (local.set $s31 (v128.load offset=16 (local.get $c3)))
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $kc) (i32.const 5))))
    (loop $k
      (local.set $y0 (v128.load (local.get $b)))
      (local.set $y1 (v128.load offset=16 (local.get $b)))
      (local.set $x (v128.load64_splat (local.get $a)))
      (local.set $s00 (f64x2.add (local.get $s00) (f64x2.mul (local.get $x) (local.get $y0))))
      (local.set $s01 (f64x2.add (local.get $s01) (f64x2.mul (local.get $x) (local.get $y1))))
      (local.set $x (v128.load64_splat offset=8 (local.get $a)))
      (local.set $s10 (f64x2.add (local.get $s10) (f64x2.mul (local.get $x) (local.get $y0))))
      (local.set $s11 (f64x2.add (local.get $s11) (f64x2.mul (local.get $x) (local.get $y1))))
      (local.set $x (v128.load64_splat offset=16 (local.get $a)))
      (local.set $s20 (f64x2.add (local.get $s20) (f64x2.mul (local.get $x) (local.get $y0))))
      (local.set $s21 (f64x2.add (local.get $s21) (f64x2.mul (local.get $x) (local.get $y1))))
      (local.set $x (v128.load64_splat offset=24 (local.get $a)))
      (local.set $s30 (f64x2.add (local.get $s30) (f64x2.mul (local.get $x) (local.get $y0))))
      (local.set $s31 (f64x2.add (local.get $s31) (f64x2.mul (local.get $x) (local.get $y1))))
      (local.set $a (i32.add (local.get $a) (i32.const 32)))
      (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (br_if $k (i32.lt_u (local.get $a) (local.get $end))))
    (v128.store (local.get $c) (local.get $s00))
    (v128.store offset=16 (local.get $c) (local.get $s01))
    (v128.store (local.get $c1) (local.get $s10))
    (v128.store offset=16 (local.get $c1) (local.get $s11))
    (v128.store (local.get $c2) (local.get $s20))
    (v128.store offset=16 (local.get $c2) (local.get $s21))
    (v128.store (local.get $c3) (local.get $s30))
    (v128.store offset=16 (local.get $c3) (local.get $s31)))

  ;; C (Mp × Np at c) += Ap · Bp, with K ≥ 1, Mp a multiple of 4 and Np of NR (8 if wide is 0, else 4): k in blocks of
  ;; kcb, rows in blocks of mcb (a multiple of 4); wide selects float64.
  (func (export "gemm")
    (param $ap i32) (param $bp i32) (param $c i32) (param $Mp i32) (param $K i32) (param $Np i32)
    (param $kcb i32) (param $mcb i32) (param $wide i32)
    (local $shift i32) (local $NR i32) (local $ldc i32)
    (local $k0 i32) (local $kc i32) (local $i1 i32) (local $i2 i32) (local $j0 i32) (local $i0 i32) (local $bpan i32)
    (local.set $shift (select (i32.const 3) (i32.const 2) (local.get $wide)))
    (local.set $NR (select (i32.const 4) (i32.const 8) (local.get $wide)))
    (local.set $ldc (i32.shl (local.get $Np) (local.get $shift)))
    (block $kDone (loop $kBlocks
      (br_if $kDone (i32.ge_u (local.get $k0) (local.get $K)))
      (local.set $kc (i32.sub (local.get $K) (local.get $k0)))
      (if (i32.gt_u (local.get $kc) (local.get $kcb)) (then (local.set $kc (local.get $kcb))))
      (local.set $i1 (i32.const 0))
      (block $mDone (loop $mBlocks
        (br_if $mDone (i32.ge_u (local.get $i1) (local.get $Mp)))
        (local.set $i2 (i32.add (local.get $i1) (local.get $mcb)))
        (if (i32.gt_u (local.get $i2) (local.get $Mp)) (then (local.set $i2 (local.get $Mp))))
        (local.set $j0 (i32.const 0))
        (block $jDone (loop $cols
          (br_if $jDone (i32.ge_u (local.get $j0) (local.get $Np)))
          ;; B's panel j0 / NR starts at element j0·K; its row k0 at + k0·NR
          (local.set $bpan (i32.add (local.get $bp) (i32.shl
            (i32.add (i32.mul (local.get $j0) (local.get $K)) (i32.mul (local.get $k0) (local.get $NR)))
            (local.get $shift))))
          (local.set $i0 (local.get $i1))
          (block $iDone (loop $rows
            (br_if $iDone (i32.ge_u (local.get $i0) (local.get $i2)))
            ;; A's panel i0 / 4 starts at element i0·K; its column k0 at + k0·4. C's block at (i0, j0).
            (if (local.get $wide)
              (then (call $kernel64
                (i32.add (local.get $ap) (i32.shl (i32.add (i32.mul (local.get $i0) (local.get $K))
                  (i32.shl (local.get $k0) (i32.const 2))) (i32.const 3)))
                (local.get $bpan) (local.get $kc)
                (i32.add (local.get $c) (i32.add (i32.mul (local.get $i0) (local.get $ldc))
                  (i32.shl (local.get $j0) (i32.const 3))))
                (local.get $ldc)))
              (else (call $kernel32
                (i32.add (local.get $ap) (i32.shl (i32.add (i32.mul (local.get $i0) (local.get $K))
                  (i32.shl (local.get $k0) (i32.const 2))) (i32.const 2)))
                (local.get $bpan) (local.get $kc)
                (i32.add (local.get $c) (i32.add (i32.mul (local.get $i0) (local.get $ldc))
                  (i32.shl (local.get $j0) (i32.const 2))))
                (local.get $ldc))))
            (local.set $i0 (i32.add (local.get $i0) (i32.const 4)))
            (br $rows)))
          (local.set $j0 (i32.add (local.get $j0) (local.get $NR)))
          (br $cols)))
        (local.set $i1 (local.get $i2))
        (br $mBlocks)))
      (local.set $k0 (i32.add (local.get $k0) (local.get $kc)))
      (br $kBlocks)))))
