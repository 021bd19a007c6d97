/// Overflow-checked size arithmetic for shapes, strides and byte counts that come from outside the
/// program (file headers, declared image sizes, sums of recorded sizes). Every file reader goes
/// through these, so a lying header is a thrown ``TensorError`` rather than an arithmetic trap.
///
/// ```swift
/// try CheckedSize.byteCount(shape: [0, 1 << 32, 1 << 32], elementBytes: 4)   // throws: more elements than fit in memory
/// try CheckedSize.product([28, 28])                                            // 784
/// ```
public enum CheckedSize {
    /// `a * b`, or a ``TensorError`` naming `what` when it does not fit in `Int`.
    public static func multiply(_ a: Int, _ b: Int, _ what: @autoclosure () -> String) throws -> Int {
        let (p, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow else { throw TensorError(what(), "\(a) × \(b) does not fit in a 64-bit integer") }
        return p
    }

    /// `a + b`, or a ``TensorError`` naming `what` when it does not fit in `Int`.
    public static func add(_ a: Int, _ b: Int, _ what: @autoclosure () -> String) throws -> Int {
        let (s, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw TensorError(what(), "\(a) + \(b) does not fit in a 64-bit integer") }
        return s
    }

    /// The product of `factors`, or a ``TensorError`` when it overflows.
    public static func product(_ factors: [Int], _ what: @autoclosure () -> String = "size") throws -> Int {
        var p = 1
        for f in factors { p = try multiply(p, f, what()) }
        return p
    }

    /// The byte count of a contiguous tensor of `shape`, checking what every layout computation
    /// needs: no negative dimension, and the product of the *non-zero* dimensions times
    /// `elementBytes` fits in `Int`. A zero dimension makes the element count 0, but the row-major
    /// strides are still products of the other dimensions, so `[0, 2^32, 2^32]` is rejected too.
    public static func byteCount(shape: [Int], elementBytes: Int) throws -> Int {
        var nonZero = elementBytes
        var hasZero = false
        for d in shape {
            guard d >= 0 else { throw TensorError("shape", "negative dimension in shape \(shapeString(shape))") }
            if d == 0 { hasZero = true; continue }
            let (p, overflow) = nonZero.multipliedReportingOverflow(by: d)
            guard !overflow else {
                throw TensorError("shape", "shape \(shapeString(shape)) has more elements than fit in memory")
            }
            nonZero = p
        }
        return hasZero ? 0 : nonZero
    }
}
