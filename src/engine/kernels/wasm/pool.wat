;; Max-pooling over 2×2 windows with stride 2 and no padding (the common pool of CNNs) of float32 values with SIMD, for
;; maxPool2d.ts: the same maxima and argmax indices as its loop. Each window's first element, then whichever of the
;; others is strictly greater or NaN, in window order (row by row): four outputs a vector, the windows' four elements
;; gathered from two rows by shuffles (even and odd columns), the choice by masks; the rest of a row one by one.
;; x, o and arg are byte addresses (values, maxima, argmax indices as i32); indices count elements of x.

(module
  ;; memory made by its caller (wasmKernel.ts): a bigger one is a new instance, never memory.grow
  (import "env" "memory" (memory 1))
  (export "memory" (memory 0))

  (func (export "maxpool2_f32")
    (param $x i32) (param $o i32) (param $arg i32)
    (param $planes i32) (param $H i32) (param $W i32) (param $OH i32) (param $OW i32)
    (local $p i32) (local $oh i32) (local $ow i32) (local $ow4 i32) (local $j i32) (local $jj i32) (local $r0 i32)
    (local $v0 v128) (local $v1 v128) (local $c v128) (local $m v128) (local $a v128) (local $t v128) (local $ib v128)
    (local $wv v128) (local $s f32) (local $sa i32) (local $cj i32)
    (local.set $wv (i32x4.splat (local.get $W)))
    (local.set $ow4 (i32.and (local.get $OW) (i32.const -4)))
    (block $planesDone (loop $plane
      (br_if $planesDone (i32.ge_u (local.get $p) (local.get $planes)))
      (local.set $oh (i32.const 0))
      (block $rowsDone (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $oh) (local.get $OH)))
        ;; the element index of the row's first window's first element
        (local.set $j (i32.mul (i32.add (i32.mul (local.get $p) (local.get $H)) (i32.shl (local.get $oh) (i32.const 1)))
          (local.get $W)))
        (local.set $ow (i32.const 0))
        (block $vecDone (loop $vec
          (br_if $vecDone (i32.ge_u (local.get $ow) (local.get $ow4)))
          (local.set $jj (i32.add (local.get $j) (i32.shl (local.get $ow) (i32.const 1))))
          (local.set $r0 (i32.add (local.get $x) (i32.shl (local.get $jj) (i32.const 2))))
          (local.set $ib (i32x4.add (i32x4.splat (local.get $jj)) (v128.const i32x4 0 2 4 6)))
          ;; (0, 0): the even columns of the first row
          (local.set $v0 (v128.load (local.get $r0)))
          (local.set $v1 (v128.load offset=16 (local.get $r0)))
          (local.set $m (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $v0) (local.get $v1)))
          (local.set $a (local.get $ib))
          ;; (0, 1): its odd columns
          (local.set $c (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $v0) (local.get $v1)))
          (local.set $t (v128.or (f32x4.gt (local.get $c) (local.get $m)) (f32x4.ne (local.get $c) (local.get $c))))
          (local.set $m (v128.bitselect (local.get $c) (local.get $m) (local.get $t)))
          (local.set $a (v128.bitselect (i32x4.add (local.get $ib) (v128.const i32x4 1 1 1 1)) (local.get $a) (local.get $t)))
          ;; (1, 0) and (1, 1): the second row's even and odd columns
          (local.set $r0 (i32.add (local.get $r0) (i32.shl (local.get $W) (i32.const 2))))
          (local.set $ib (i32x4.add (local.get $ib) (local.get $wv)))
          (local.set $v0 (v128.load (local.get $r0)))
          (local.set $v1 (v128.load offset=16 (local.get $r0)))
          (local.set $c (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $v0) (local.get $v1)))
          (local.set $t (v128.or (f32x4.gt (local.get $c) (local.get $m)) (f32x4.ne (local.get $c) (local.get $c))))
          (local.set $m (v128.bitselect (local.get $c) (local.get $m) (local.get $t)))
          (local.set $a (v128.bitselect (local.get $ib) (local.get $a) (local.get $t)))
          (local.set $c (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $v0) (local.get $v1)))
          (local.set $t (v128.or (f32x4.gt (local.get $c) (local.get $m)) (f32x4.ne (local.get $c) (local.get $c))))
          (local.set $m (v128.bitselect (local.get $c) (local.get $m) (local.get $t)))
          (local.set $a (v128.bitselect (i32x4.add (local.get $ib) (v128.const i32x4 1 1 1 1)) (local.get $a) (local.get $t)))
          (v128.store (local.get $o) (local.get $m))
          (v128.store (local.get $arg) (local.get $a))
          (local.set $o (i32.add (local.get $o) (i32.const 16)))
          (local.set $arg (i32.add (local.get $arg) (i32.const 16)))
          (local.set $ow (i32.add (local.get $ow) (i32.const 4)))
          (br $vec)))
        (block $tailDone (loop $tail
          (br_if $tailDone (i32.ge_u (local.get $ow) (local.get $OW)))
          (local.set $sa (i32.add (local.get $j) (i32.shl (local.get $ow) (i32.const 1))))
          (local.set $s (f32.load (i32.add (local.get $x) (i32.shl (local.get $sa) (i32.const 2)))))
          ;; (0, 1), (1, 0), (1, 1) in turn
          (local.set $cj (i32.add (local.get $sa) (i32.const 1)))
          (call $pick (local.get $x) (local.get $cj) (local.get $s) (local.get $sa))
          (local.set $sa) (local.set $s)
          (local.set $cj (i32.add (i32.add (local.get $j) (i32.shl (local.get $ow) (i32.const 1))) (local.get $W)))
          (call $pick (local.get $x) (local.get $cj) (local.get $s) (local.get $sa))
          (local.set $sa) (local.set $s)
          (local.set $cj (i32.add (local.get $cj) (i32.const 1)))
          (call $pick (local.get $x) (local.get $cj) (local.get $s) (local.get $sa))
          (local.set $sa) (local.set $s)
          (f32.store (local.get $o) (local.get $s))
          (i32.store (local.get $arg) (local.get $sa))
          (local.set $o (i32.add (local.get $o) (i32.const 4)))
          (local.set $arg (i32.add (local.get $arg) (i32.const 4)))
          (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
          (br $tail)))
        (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
        (br $row)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $plane))))

  ;; The running maximum s (at index sa) against element cj of x: cj's value and index if strictly greater or NaN.
  (func $pick (param $x i32) (param $cj i32) (param $s f32) (param $sa i32) (result f32 i32)
    (local $c f32) (local $take i32)
    (local.set $c (f32.load (i32.add (local.get $x) (i32.shl (local.get $cj) (i32.const 2)))))
    (local.set $take (i32.or (f32.gt (local.get $c) (local.get $s)) (f32.ne (local.get $c) (local.get $c))))
    (select (local.get $c) (local.get $s) (local.get $take))
    (select (local.get $cj) (local.get $sa) (local.get $take)))
)
