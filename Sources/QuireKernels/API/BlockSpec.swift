import QuireTensor

/// An integer in an index map or a slice start: an `Int` known when tracing, or an int32 scalar value.
public protocol KernelIndex {}
extension Int: KernelIndex {}
extension KernelValue: KernelIndex {}

/// Which block of an array each program sees: a block shape and an index map from the program ids
/// (one int32 scalar per grid axis) to block indices (one per array axis). The map is traced, so it can
/// be any integer arithmetic on the ids.
///
/// ```swift
/// // program (i, j) of a matmul grid reads row block i of A and column block j of B
/// let a = BlockSpec([64, 1024], name: "a") { ids in [ids[0], 0] }
/// let b = BlockSpec([1024, 64], name: "b") { ids in [0, ids[1]] }
/// ```
public struct BlockSpec {
    /// The block shape; nil means the whole array (and block index 0 on every axis).
    public var blockShape: [Int]?
    public var name: String?
    let indexMap: (([KernelValue]) -> [any KernelIndex])?

    public init(_ blockShape: [Int], name: String? = nil, indexMap: @escaping ([KernelValue]) -> [any KernelIndex]) {
        self.blockShape = blockShape
        self.name = name
        self.indexMap = indexMap
    }

    /// The whole array as one block, the same for every program.
    public static func whole(name: String? = nil) -> BlockSpec { BlockSpec(name: name) }

    private init(name: String?) {
        self.blockShape = nil
        self.name = name
        self.indexMap = nil
    }
}

/// An output array: its shape, dtype and how programs write it. Outputs start zeroed (so masked-off
/// elements read 0 and `atomicAdd` accumulates from 0).
public struct OutputSpec {
    public var shape: [Int]
    public var dtype: DType
    public var block: BlockSpec

    public init(shape: [Int], dtype: DType = .float32, block: BlockSpec) {
        self.shape = shape
        self.dtype = dtype
        self.block = block
    }
}

/// A per-program buffer that persists across the program's loop iterations (zeroed when the program starts).
public struct ScratchSpec {
    public var shape: [Int]
    public var dtype: DType
    public var name: String?

    public init(shape: [Int], dtype: DType = .float32, name: String? = nil) {
        self.shape = shape
        self.dtype = dtype
        self.name = name
    }
}

/// Part of a ref's block along one axis: `size` elements from `start` (block coordinates).
public struct DSlice {
    let start: any KernelIndex
    let size: Int?
    /// The whole block extent along the axis.
    public static var all: DSlice { DSlice(start: 0, size: nil) }
}

/// A slice with a (possibly dynamic) start and a static size, as `pl.ds`.
///
/// ```swift
/// let row = scratch[ds(i * 8, 8), .all]
/// ```
public func ds(_ start: any KernelIndex, _ size: Int) -> DSlice { DSlice(start: start, size: size) }
