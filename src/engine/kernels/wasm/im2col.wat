;; im2col for conv2d (kernels/conv.ts's, wasmIm2col.ts drives it): one image's patches laid out as rows of columns,
;; cols[((c·KH + kh)·KW + kw)·L + oh·OW + ow] = x[c, oh·SH − PH + kh, ow·SW − PW + kw], 0 in the padding (L = OH·OW).
;; Values are moved as bits (memory.copy for a row of stride 1, i32 or i64 loads and stores otherwise), never computed
;; with, so float32 and float64 alike (`shift`: log2 of the value's bytes), and the same bits as the loop's copies.
;; `span` holds, per kw, the output columns [lo, hi) whose input column lies inside the image (conv.ts's inside()).

(module
  ;; memory made by its caller (wasmKernel.ts): a bigger one is a new instance, never memory.grow
  (import "env" "memory" (memory 1))
  (export "memory" (memory 0))

  (func (export "im2col")
    (param $x i32) (param $cols i32) (param $span i32)
    (param $C i32) (param $H i32) (param $W i32) (param $KH i32) (param $KW i32)
    (param $SH i32) (param $SW i32) (param $PH i32) (param $PW i32) (param $OH i32) (param $OW i32) (param $shift i32)
    (local $c i32) (local $kh i32) (local $kw i32) (local $oh i32) (local $ow i32) (local $ih i32)
    (local $lo i32) (local $hi i32) (local $dst i32) (local $src i32) (local $row i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $OW) (local.get $shift)))
    (local.set $dst (local.get $cols))
    (block $cDone (loop $cLoop
      (br_if $cDone (i32.ge_u (local.get $c) (local.get $C)))
      (local.set $kh (i32.const 0))
      (block $khDone (loop $khLoop
        (br_if $khDone (i32.ge_u (local.get $kh) (local.get $KH)))
        (local.set $kw (i32.const 0))
        (block $kwDone (loop $kwLoop
          (br_if $kwDone (i32.ge_u (local.get $kw) (local.get $KW)))
          (local.set $lo (i32.load (i32.add (local.get $span) (i32.shl (local.get $kw) (i32.const 3)))))
          (local.set $hi (i32.load offset=4 (i32.add (local.get $span) (i32.shl (local.get $kw) (i32.const 3)))))
          (local.set $oh (i32.const 0))
          (block $ohDone (loop $ohLoop
            (br_if $ohDone (i32.ge_u (local.get $oh) (local.get $OH)))
            (local.set $ih (i32.add (i32.sub (i32.mul (local.get $oh) (local.get $SH)) (local.get $PH)) (local.get $kh)))
            (if (i32.or (i32.lt_s (local.get $ih) (i32.const 0)) (i32.ge_s (local.get $ih) (local.get $H)))
              (then (memory.fill (local.get $dst) (i32.const 0) (local.get $rowBytes)))
              (else
                ;; the input row's element for output column 0 (may lie left of the row: columns below lo are padding)
                (local.set $src (i32.add (i32.sub (i32.mul (i32.add (i32.mul (local.get $c) (local.get $H))
                  (local.get $ih)) (local.get $W)) (local.get $PW)) (local.get $kw)))
                (memory.fill (local.get $dst) (i32.const 0) (i32.shl (local.get $lo) (local.get $shift)))
                (if (i32.eq (local.get $SW) (i32.const 1))
                  (then
                    (memory.copy
                      (i32.add (local.get $dst) (i32.shl (local.get $lo) (local.get $shift)))
                      (i32.add (local.get $x) (i32.shl (i32.add (local.get $src) (local.get $lo)) (local.get $shift)))
                      (i32.shl (i32.sub (local.get $hi) (local.get $lo)) (local.get $shift))))
                  (else
                    (local.set $ow (local.get $lo))
                    (block $owDone (loop $owLoop
                      (br_if $owDone (i32.ge_s (local.get $ow) (local.get $hi)))
                      (local.set $row (i32.add (local.get $src) (i32.mul (local.get $ow) (local.get $SW))))
                      (if (i32.eq (local.get $shift) (i32.const 2))
                        (then (i32.store (i32.add (local.get $dst) (i32.shl (local.get $ow) (i32.const 2)))
                          (i32.load (i32.add (local.get $x) (i32.shl (local.get $row) (i32.const 2))))))
                        (else (i64.store (i32.add (local.get $dst) (i32.shl (local.get $ow) (i32.const 3)))
                          (i64.load (i32.add (local.get $x) (i32.shl (local.get $row) (i32.const 3)))))))
                      (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
                      (br $owLoop)))))
                (memory.fill (i32.add (local.get $dst) (i32.shl (local.get $hi) (local.get $shift))) (i32.const 0)
                  (i32.shl (i32.sub (local.get $OW) (local.get $hi)) (local.get $shift)))))
            (local.set $dst (i32.add (local.get $dst) (local.get $rowBytes)))
            (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
            (br $ohLoop)))
          (local.set $kw (i32.add (local.get $kw) (i32.const 1)))
          (br $kwLoop)))
        (local.set $kh (i32.add (local.get $kh) (i32.const 1)))
        (br $khLoop)))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $cLoop))))
)
