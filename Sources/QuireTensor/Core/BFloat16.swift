/// The 16-bit "brain" float: float32's sign and 8-bit exponent with a 7-bit mantissa.
///
/// Conversion from `Float` rounds to nearest, ties to even; NaN stays NaN (quiet).
///
/// ```swift
/// let b = BFloat16(1.0 / 3.0 as Float)
/// Float(b)   // 0.333984375
/// ```
@frozen public struct BFloat16: Sendable, Hashable, CustomStringConvertible {
    public var bitPattern: UInt16

    @inlinable public init(bitPattern: UInt16) { self.bitPattern = bitPattern }

    @inlinable public init(_ value: Float) {
        let bits = value.bitPattern
        if value.isNaN {
            bitPattern = UInt16(truncatingIfNeeded: bits >> 16) | 0x0040
        } else {
            // Round to nearest even: add 0x7FFF plus the lowest kept bit, then truncate.
            let lsb = (bits >> 16) & 1
            bitPattern = UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ lsb) >> 16)
        }
    }

    public var description: String { Float(self).description }
}

extension Float {
    @inlinable public init(_ value: BFloat16) {
        self = Float(bitPattern: UInt32(value.bitPattern) << 16)
    }
}
