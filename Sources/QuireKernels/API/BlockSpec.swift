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

/// A kernel's grid or an output's shape: fixed when the kernel is built (an array literal), or computed
/// from the shapes of each call's inputs, as Pallas computes `grid` and `out_shape` from `x.shape`. The
/// rule runs when a call with new input shapes is traced; calls with shapes seen before reuse that trace.
///
/// ```swift
/// let spec = BlockSpec([256]) { ids in [ids[0]] }
/// let double = pallasCall(grid: .from { shapes in [(shapes[0][0] + 255) / 256] }, inputs: [spec],
///                         outputs: [OutputSpec(shape: .from { shapes in shapes[0] }, block: spec)]) { k in
///     k.outputs[0].storeInBounds(k.inputs[0].loadInBounds() * 2)
/// }
/// try double([Tensor.ones([1000])])[0].shape   // [1000]
/// try double([Tensor.ones([300])])[0].shape    // [300]
/// ```
public struct KernelShape: ExpressibleByArrayLiteral {
    let rule: (_ inputShapes: [[Int]]) -> [Int]

    /// A fixed shape.
    public init(_ shape: [Int]) { rule = { _ in shape } }
    public init(arrayLiteral elements: Int...) { self.init(elements) }

    /// A shape computed from the input shapes of each call (`inputShapes[i]` is input `i`'s shape).
    public static func from(_ rule: @escaping (_ inputShapes: [[Int]]) -> [Int]) -> KernelShape {
        KernelShape(rule: rule)
    }

    private init(rule: @escaping ([[Int]]) -> [Int]) { self.rule = rule }
}

/// An output array: its shape (fixed, or computed per call with ``KernelShape/from(_:)``), dtype and how
/// programs write it. Outputs start zeroed (so masked-off elements read 0 and `atomicAdd` accumulates from 0).
public struct OutputSpec {
    public var shape: KernelShape
    public var dtype: DType
    public var block: BlockSpec

    public init(shape: KernelShape, dtype: DType = .float32, block: BlockSpec) {
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
