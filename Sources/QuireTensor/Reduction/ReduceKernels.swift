// Per-dtype reduction kernels. Float sums run in SIMD lanes over blocks of a few thousand elements
// and add each block's total into a Double, so the error stays at a few ulp whatever the length while
// the loop runs at memory speed. Max/min propagate NaN like NumPy.

/// A float type the reduction kernels are written for (`Float`, `Double`).
protocol ReduceFloat: BinaryFloatingPoint, TensorScalar, Codable {
    associatedtype Vector: SIMD where Vector.Scalar == Self
    /// Elements per block before the lane totals are added into the Double accumulator.
    static var sumBlock: Int { get }
}

extension Float: ReduceFloat {
    typealias Vector = SIMD16<Float>
    static var sumBlock: Int { 4096 }
}

extension Double: ReduceFloat {
    typealias Vector = SIMD8<Double>
    static var sumBlock: Int { 2048 }
}

@inline(__always)
private func load<T: ReduceFloat>(_ p: UnsafePointer<T>, _ i: Int) -> T.Vector {
    UnsafeRawPointer(p + i).loadUnaligned(as: T.Vector.self)
}

/// Sum of `n` contiguous elements, accumulated blockwise (see the file comment).
@inline(__always)
func contiguousSum<T: ReduceFloat>(_ p: UnsafePointer<T>, _ n: Int) -> Double {
    let w = T.Vector.scalarCount, step = 4 * w
    var total = 0.0
    var i = 0
    while n - i >= step {
        let end = i + Swift.min(T.sumBlock, (n - i) / step * step)
        var a0 = T.Vector(), a1 = T.Vector(), a2 = T.Vector(), a3 = T.Vector()
        while i < end {
            a0 += load(p, i)
            a1 += load(p, i + w)
            a2 += load(p, i + 2 * w)
            a3 += load(p, i + 3 * w)
            i += step
        }
        total += ((a0 + a1) + (a2 + a3)).sum().doubleValue
    }
    while i < n {
        total += p[i].doubleValue
        i += 1
    }
    return total
}

/// The larger of two values, NaN winning (and staying once it is there).
@inline(__always) func nanMax<T: FloatingPoint>(_ a: T, _ b: T) -> T { (b > a || b != b) ? b : a }
/// The smaller of two values, NaN winning.
@inline(__always) func nanMin<T: FloatingPoint>(_ a: T, _ b: T) -> T { (b < a || b != b) ? b : a }

/// Maximum (or minimum when `isMax` is false) of `n` contiguous elements; NaN if any is NaN.
///
/// Runs 32 independent lanes held in a small stack buffer: the fixed-length lane update vectorizes
/// (compare and blend), where Swift's SIMD mask operators (`.|`) do not compile to vector code.
@inline(__always)
func contiguousExtremum<T: ReduceFloat>(_ p: UnsafePointer<T>, _ n: Int, isMax: Bool) -> T {
    let w = 32
    var m = isMax ? -T.infinity : T.infinity
    var i = 0
    if n >= w {
        withUnsafeTemporaryAllocation(of: T.self, capacity: w) { lanes in
            let a = lanes.baseAddress!
            for k in 0..<w { a[k] = p[k] }
            i = w
            if isMax {
                while n - i >= w {
                    let q = p + i
                    for k in 0..<w { a[k] = nanMax(a[k], q[k]) }
                    i += w
                }
                for k in 0..<w { m = nanMax(m, a[k]) }
            } else {
                while n - i >= w {
                    let q = p + i
                    for k in 0..<w { a[k] = nanMin(a[k], q[k]) }
                    i += w
                }
                for k in 0..<w { m = nanMin(m, a[k]) }
            }
        }
    }
    while i < n {
        m = isMax ? nanMax(m, p[i]) : nanMin(m, p[i])
        i += 1
    }
    return m
}

// MARK: - Float reducers

enum SumReducer<T: ReduceFloat>: Reducer {
    static var identity: Double { 0 }
    @inline(__always) static func row(_ p: UnsafePointer<T>, _ n: Int, _ s: Int) -> Double {
        if s == 1 { return contiguousSum(p, n) }
        var t = 0.0
        for i in 0..<n { t += p[i &* s].doubleValue }
        return t
    }
    @inline(__always) static func column(_ acc: UnsafeMutablePointer<Double>, _ p: UnsafePointer<T>, _ m: Int, _ s: Int) {
        if s == 1 {
            for j in 0..<m { acc[j] += p[j].doubleValue }
        } else {
            for j in 0..<m { acc[j] += p[j &* s].doubleValue }
        }
    }
    /// Contiguous rows add into a `T` buffer 64 rows at a time (vectorized, as fast as the input
    /// streams), and each group's partial sums then go into the Double accumulators.
    @inline(__always) static func columns(_ acc: UnsafeMutablePointer<Double>, _ p: UnsafePointer<T>, rows: Int,
                                          rowStride: Int, _ m: Int, _ s: Int) {
        guard s == 1 && rows > 1 else {
            for r in 0..<rows { column(acc, p + r &* rowStride, m, s) }
            return
        }
        withUnsafeTemporaryAllocation(of: T.self, capacity: m) { buffer in
            let part = buffer.baseAddress!
            var r = 0
            while r < rows {
                let end = Swift.min(rows, r + 64)
                let first = p + r &* rowStride
                for j in 0..<m { part[j] = first[j] }
                for i in (r + 1)..<end {
                    let q = p + i &* rowStride
                    for j in 0..<m { part[j] += q[j] }
                }
                for j in 0..<m { acc[j] += part[j].doubleValue }
                r = end
            }
        }
    }
    @inline(__always) static func merge(_ a: Double, _ b: Double) -> Double { a + b }
    @inline(__always) static func finish(_ a: Double, count: Int) -> T { T(converting: a) }
}

enum MeanReducer<T: ReduceFloat>: Reducer {
    static var identity: Double { 0 }
    @inline(__always) static func row(_ p: UnsafePointer<T>, _ n: Int, _ s: Int) -> Double { SumReducer<T>.row(p, n, s) }
    @inline(__always) static func column(_ acc: UnsafeMutablePointer<Double>, _ p: UnsafePointer<T>, _ m: Int, _ s: Int) {
        SumReducer<T>.column(acc, p, m, s)
    }
    @inline(__always) static func columns(_ acc: UnsafeMutablePointer<Double>, _ p: UnsafePointer<T>, rows: Int,
                                          rowStride: Int, _ m: Int, _ s: Int) {
        SumReducer<T>.columns(acc, p, rows: rows, rowStride: rowStride, m, s)
    }
    @inline(__always) static func merge(_ a: Double, _ b: Double) -> Double { a + b }
    @inline(__always) static func finish(_ a: Double, count: Int) -> T { T(converting: a / Double(count)) }
}

enum ProdReducer<T: ReduceFloat>: Reducer {
    static var identity: Double { 1 }
    @inline(__always) static func row(_ p: UnsafePointer<T>, _ n: Int, _ s: Int) -> Double {
        var t = 1.0
        for i in 0..<n { t *= p[i &* s].doubleValue }
        return t
    }
    @inline(__always) static func column(_ acc: UnsafeMutablePointer<Double>, _ p: UnsafePointer<T>, _ m: Int, _ s: Int) {
        for j in 0..<m { acc[j] *= p[j &* s].doubleValue }
    }
    @inline(__always) static func merge(_ a: Double, _ b: Double) -> Double { a * b }
    @inline(__always) static func finish(_ a: Double, count: Int) -> T { T(converting: a) }
}

enum MaxReducer<T: ReduceFloat>: Reducer {
    static var identity: T { -T.infinity }
    @inline(__always) static func row(_ p: UnsafePointer<T>, _ n: Int, _ s: Int) -> T {
        if s == 1 { return contiguousExtremum(p, n, isMax: true) }
        var m = -T.infinity
        for i in 0..<n { m = nanMax(m, p[i &* s]) }
        return m
    }
    @inline(__always) static func column(_ acc: UnsafeMutablePointer<T>, _ p: UnsafePointer<T>, _ m: Int, _ s: Int) {
        if s == 1 {
            for j in 0..<m { acc[j] = nanMax(acc[j], p[j]) }
        } else {
            for j in 0..<m { acc[j] = nanMax(acc[j], p[j &* s]) }
        }
    }
    @inline(__always) static func merge(_ a: T, _ b: T) -> T { nanMax(a, b) }
    @inline(__always) static func finish(_ a: T, count: Int) -> T { a }
}

enum MinReducer<T: ReduceFloat>: Reducer {
    static var identity: T { T.infinity }
    @inline(__always) static func row(_ p: UnsafePointer<T>, _ n: Int, _ s: Int) -> T {
        if s == 1 { return contiguousExtremum(p, n, isMax: false) }
        var m = T.infinity
        for i in 0..<n { m = nanMin(m, p[i &* s]) }
        return m
    }
    @inline(__always) static func column(_ acc: UnsafeMutablePointer<T>, _ p: UnsafePointer<T>, _ m: Int, _ s: Int) {
        if s == 1 {
            for j in 0..<m { acc[j] = nanMin(acc[j], p[j]) }
        } else {
            for j in 0..<m { acc[j] = nanMin(acc[j], p[j &* s]) }
        }
    }
    @inline(__always) static func merge(_ a: T, _ b: T) -> T { nanMin(a, b) }
    @inline(__always) static func finish(_ a: T, count: Int) -> T { a }
}

// MARK: - Integer and bool reducers (int32 arithmetic wraps on overflow)

enum IntSumReducer: Reducer {
    static var identity: Int32 { 0 }
    @inline(__always) static func row(_ p: UnsafePointer<Int32>, _ n: Int, _ s: Int) -> Int32 {
        var t: Int32 = 0
        if s == 1 {
            for i in 0..<n { t &+= p[i] }
        } else {
            for i in 0..<n { t &+= p[i &* s] }
        }
        return t
    }
    @inline(__always) static func column(_ acc: UnsafeMutablePointer<Int32>, _ p: UnsafePointer<Int32>, _ m: Int, _ s: Int) {
        for j in 0..<m { acc[j] &+= p[j &* s] }
    }
    @inline(__always) static func merge(_ a: Int32, _ b: Int32) -> Int32 { a &+ b }
    @inline(__always) static func finish(_ a: Int32, count: Int) -> Int32 { a }
}

enum IntProdReducer: Reducer {
    static var identity: Int32 { 1 }
    @inline(__always) static func row(_ p: UnsafePointer<Int32>, _ n: Int, _ s: Int) -> Int32 {
        var t: Int32 = 1
        for i in 0..<n { t &*= p[i &* s] }
        return t
    }
    @inline(__always) static func column(_ acc: UnsafeMutablePointer<Int32>, _ p: UnsafePointer<Int32>, _ m: Int, _ s: Int) {
        for j in 0..<m { acc[j] &*= p[j &* s] }
    }
    @inline(__always) static func merge(_ a: Int32, _ b: Int32) -> Int32 { a &* b }
    @inline(__always) static func finish(_ a: Int32, count: Int) -> Int32 { a }
}

enum IntMaxReducer: Reducer {
    static var identity: Int32 { Int32.min }
    @inline(__always) static func row(_ p: UnsafePointer<Int32>, _ n: Int, _ s: Int) -> Int32 {
        var t = Int32.min
        if s == 1 {
            for i in 0..<n { t = Swift.max(t, p[i]) }
        } else {
            for i in 0..<n { t = Swift.max(t, p[i &* s]) }
        }
        return t
    }
    @inline(__always) static func column(_ acc: UnsafeMutablePointer<Int32>, _ p: UnsafePointer<Int32>, _ m: Int, _ s: Int) {
        for j in 0..<m { acc[j] = Swift.max(acc[j], p[j &* s]) }
    }
    @inline(__always) static func merge(_ a: Int32, _ b: Int32) -> Int32 { Swift.max(a, b) }
    @inline(__always) static func finish(_ a: Int32, count: Int) -> Int32 { a }
}

enum IntMinReducer: Reducer {
    static var identity: Int32 { Int32.max }
    @inline(__always) static func row(_ p: UnsafePointer<Int32>, _ n: Int, _ s: Int) -> Int32 {
        var t = Int32.max
        if s == 1 {
            for i in 0..<n { t = Swift.min(t, p[i]) }
        } else {
            for i in 0..<n { t = Swift.min(t, p[i &* s]) }
        }
        return t
    }
    @inline(__always) static func column(_ acc: UnsafeMutablePointer<Int32>, _ p: UnsafePointer<Int32>, _ m: Int, _ s: Int) {
        for j in 0..<m { acc[j] = Swift.min(acc[j], p[j &* s]) }
    }
    @inline(__always) static func merge(_ a: Int32, _ b: Int32) -> Int32 { Swift.min(a, b) }
    @inline(__always) static func finish(_ a: Int32, count: Int) -> Int32 { a }
}

enum AllReducer: Reducer {
    static var identity: Bool { true }
    @inline(__always) static func row(_ p: UnsafePointer<Bool>, _ n: Int, _ s: Int) -> Bool {
        for i in 0..<n where !p[i &* s] { return false }
        return true
    }
    @inline(__always) static func column(_ acc: UnsafeMutablePointer<Bool>, _ p: UnsafePointer<Bool>, _ m: Int, _ s: Int) {
        for j in 0..<m { acc[j] = acc[j] && p[j &* s] }
    }
    @inline(__always) static func merge(_ a: Bool, _ b: Bool) -> Bool { a && b }
    @inline(__always) static func finish(_ a: Bool, count: Int) -> Bool { a }
}

enum AnyReducer: Reducer {
    static var identity: Bool { false }
    @inline(__always) static func row(_ p: UnsafePointer<Bool>, _ n: Int, _ s: Int) -> Bool {
        for i in 0..<n where p[i &* s] { return true }
        return false
    }
    @inline(__always) static func column(_ acc: UnsafeMutablePointer<Bool>, _ p: UnsafePointer<Bool>, _ m: Int, _ s: Int) {
        for j in 0..<m { acc[j] = acc[j] || p[j &* s] }
    }
    @inline(__always) static func merge(_ a: Bool, _ b: Bool) -> Bool { a || b }
    @inline(__always) static func finish(_ a: Bool, count: Int) -> Bool { a }
}
