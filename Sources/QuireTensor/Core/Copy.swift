#if canImport(Glibc)
import Glibc
#endif

/// Copies `src`'s elements into `dst` (same shape and dtype; any strides).
///
/// Rows that are contiguous on both sides are `memcpy`d. When the source walks its last dimension
/// with a large stride but its second-to-last with unit stride (a transposed view), the copy goes
/// tile by tile so both sides stay in cache.
func copyElements(from src: Tensor, into dst: inout Tensor) {
    precondition(src.shape == dst.shape && src.dtype == dst.dtype)
    guard src.scalarCount > 0 else { return }
    let loop = StridedLoop(shape: src.shape, strides: [dst.strides, src.strides])
    let size = src.dtype.byteSize
    let d0 = dst.rawPointer, s0 = src.rawPointer
    let inner = loop.innerStrides
    let (dsI, ssI) = (inner[0], inner[1])
    let r = loop.shape.count
    if r >= 2 && ssI != 1 && loop.strides[1][r - 2] == 1 && loop.count >= 4096 {
        transposeCopy(loop, d0, s0, size)
        return
    }
    if r >= 2 && loop.shape[r - 1] < 16 {
        shortRowCopy(loop, d0, s0, size)
        return
    }
    loop.run(minimumChunk: 1 << 16) { offs, n in
        let d = d0 + offs[0] * size, s = s0 + offs[1] * size
        if dsI == 1 && ssI == 1 {
            memcpy(d, s, n * size)
            return
        }
        switch size {
        case 1: stridedCopy(UInt8.self, d, dsI, s, ssI, n)
        case 2: stridedCopy(UInt16.self, d, dsI, s, ssI, n)
        case 4: stridedCopy(UInt32.self, d, dsI, s, ssI, n)
        default: stridedCopy(UInt64.self, d, dsI, s, ssI, n)
        }
    }
}

@inline(__always)
private func stridedCopy<T>(_: T.Type, _ d: UnsafeMutableRawPointer, _ ds: Int,
                            _ s: UnsafeMutableRawPointer, _ ss: Int, _ n: Int) {
    let dp = d.assumingMemoryBound(to: T.self), sp = s.assumingMemoryBound(to: T.self)
    for i in 0..<n { dp[i &* ds] = sp[i &* ss] }
}

/// Copy for a short innermost dimension (e.g. `[2048, 2048, 2]` broadcast from `[2048, 1, 2]`):
/// the loop walks rows of the next dimension out and copies each short run inline, instead of
/// paying the row iterator's bookkeeping for every two or three elements.
private func shortRowCopy(_ loop: StridedLoop, _ d0: UnsafeMutableRawPointer, _ s0: UnsafeMutableRawPointer, _ size: Int) {
    let r = loop.shape.count
    let inner = loop.shape[r - 1]
    let (di, si) = (loop.strides[0][r - 1], loop.strides[1][r - 1])
    let outer = StridedLoop(shape: Array(loop.shape.dropLast()),
                            strides: [Array(loop.strides[0].dropLast()), Array(loop.strides[1].dropLast())])
    let os = outer.innerStrides
    outer.run(minimumChunk: Swift.max(1, (1 << 16) / inner)) { offs, n in
        for row in 0..<n {
            let d = d0 + (offs[0] + row * os[0]) * size
            let s = s0 + (offs[1] + row * os[1]) * size
            switch size {
            case 1: stridedCopy(UInt8.self, d, di, s, si, inner)
            case 2: stridedCopy(UInt16.self, d, di, s, si, inner)
            case 4: stridedCopy(UInt32.self, d, di, s, si, inner)
            default: stridedCopy(UInt64.self, d, di, s, si, inner)
            }
        }
    }
}

/// Tiled copy over the last two dimensions of a coalesced loop, for transposed sources.
private func transposeCopy(_ loop: StridedLoop, _ d0: UnsafeMutableRawPointer, _ s0: UnsafeMutableRawPointer, _ size: Int) {
    let r = loop.shape.count
    let rows = loop.shape[r - 2], cols = loop.shape[r - 1]
    let (dR, dC) = (loop.strides[0][r - 2], loop.strides[0][r - 1])
    let (sR, sC) = (loop.strides[1][r - 2], loop.strides[1][r - 1])
    let outerShape = Array(loop.shape.prefix(r - 2))
    let outerCount = outerShape.reduce(1, *)
    let tile = 32
    let rowTiles = (rows + tile - 1) / tile
    Parallelism.forEachChunk(count: outerCount * rowTiles, minimumChunk: 1) { range in
        for job in range {
            var rem = job / rowTiles
            var dOff = 0, sOff = 0
            for d in stride(from: r - 3, through: 0, by: -1) {
                let i = rem % loop.shape[d]
                rem /= loop.shape[d]
                dOff += i * loop.strides[0][d]
                sOff += i * loop.strides[1][d]
            }
            let i0 = (job % rowTiles) * tile, i1 = Swift.min(rows, i0 + tile)
            var j0 = 0
            while j0 < cols {
                let j1 = Swift.min(cols, j0 + tile)
                for i in i0..<i1 {
                    let d = d0 + (dOff + i * dR + j0 * dC) * size
                    let s = s0 + (sOff + i * sR + j0 * sC) * size
                    switch size {
                    case 1: stridedCopy(UInt8.self, d, dC, s, sC, j1 - j0)
                    case 2: stridedCopy(UInt16.self, d, dC, s, sC, j1 - j0)
                    case 4: stridedCopy(UInt32.self, d, dC, s, sC, j1 - j0)
                    default: stridedCopy(UInt64.self, d, dC, s, sC, j1 - j0)
                    }
                }
                j0 = j1
            }
        }
    }
}
