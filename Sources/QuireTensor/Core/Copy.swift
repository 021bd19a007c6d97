#if canImport(Glibc)
import Glibc
#endif

/// Copies `src`'s elements into `dst` (same shape and dtype; any strides).
func copyElements(from src: Tensor, into dst: inout Tensor) {
    precondition(src.shape == dst.shape && src.dtype == dst.dtype)
    let loop = StridedLoop(shape: src.shape, strides: [dst.strides, src.strides])
    let size = src.dtype.byteSize
    let d0 = dst.rawPointer, s0 = src.rawPointer
    let inner = loop.innerStrides
    let (dsI, ssI) = (inner[0], inner[1])
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
