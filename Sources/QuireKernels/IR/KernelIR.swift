import QuireTensor

// The kernel IR: what a `pallasCall` body is traced into, once per set of input shapes. Both backends
// read only this. Values are SSA: every value is defined once, by one instruction, and has a static
// type (dtype + block shape; shape [] is a scalar). See docs/ARCHITECTURE.md, "QuireKernels".

/// The static type of a kernel value: element type and block shape (`[]` for a scalar).
public struct BlockType: Hashable, Sendable, CustomStringConvertible {
    public var dtype: DType
    public var shape: [Int]
    public var count: Int { shape.reduce(1, *) }
    public var isScalar: Bool { shape.isEmpty }
    public var description: String { "\(dtype)\(shape)" }
}

/// A value defined by one instruction (SSA), numbered in definition order; `%7` in IR listings.
struct ValueID: Hashable, Comparable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    let index: Int
    init(_ index: Int) { self.index = index }
    static func < (a: ValueID, b: ValueID) -> Bool { a.index < b.index }
    var description: String { "%\(index)" }
    var debugDescription: String { description }
}

/// One of a kernel's refs (inputs, then outputs, then scratch), in `KernelIR.refs` order.
struct RefID: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    let index: Int
    init(_ index: Int) { self.index = index }
    var description: String { "ref\(index)" }
    var debugDescription: String { description }
}

/// Something per value (the interpreter's elements), indexed by `ValueID`.
struct ValueTable<Element> {
    private var items: [Element]
    init(repeating x: Element, count: Int) { items = Array(repeating: x, count: count) }
    subscript(_ v: ValueID) -> Element {
        get { items[v.index] }
        set { items[v.index] = newValue }
    }
}

/// Something per ref (the interpreter's arrays), indexed by `RefID`.
struct RefTable<Element> {
    private(set) var items: [Element]
    init(_ items: [Element]) { self.items = items }
    subscript(_ r: RefID) -> Element {
        get { items[r.index] }
        set { items[r.index] = newValue }
    }
}

/// An integer that is either known when tracing or held in a scalar int32 value.
enum Operand: Hashable, Sendable {
    case constant(Int)
    case value(ValueID)
}

/// One axis of a ref access: `size` elements starting at `start`, in the block's coordinates.
struct AxisSlice: Hashable, Sendable {
    var start: Operand
    var size: Int
}

/// A read or write of part of a ref's block. Masked accesses touch only elements whose mask is true
/// and that lie inside the array; unmasked ones must stay inside the array (checked when tracing for
/// blocks that divide their array, and by the interpreter at run time).
struct Access: Hashable, Sendable {
    var ref: RefID
    var slices: [AxisSlice]
    var mask: ValueID?
}

enum UnaryOp: String, Sendable { case negate, exp, log, sqrt, rsqrt, tanh, erf, sigmoid, abs, logicalNot }
enum BinaryOp: String, Sendable { case add, subtract, multiply, divide, maximum, minimum, pow, remainder, logicalAnd, logicalOr }
enum CompareOp: String, Sendable { case less, lessEqual, greater, greaterEqual, equal, notEqual }
enum ReduceOp: String, Sendable { case sum, max, min }

/// A counted loop `for index in lower..<upper` whose `params` start as `inits` and become `yields`
/// after each iteration; the loop's results are the params' final values.
struct ForLoop: Sendable {
    var lower: Operand
    var upper: Operand
    var inits: [ValueID]
    var index: ValueID
    var params: [ValueID]
    var body: [Instruction]
    var yields: [ValueID]
}

indirect enum Op: Sendable {
    case programID(axis: Int)
    case numPrograms(axis: Int)
    case constant(Double)
    case iota(axis: Int)
    case unary(UnaryOp, ValueID)
    case binary(BinaryOp, ValueID, ValueID)          // same shapes, or one side a scalar
    case compare(CompareOp, ValueID, ValueID)        // same rule; result bool
    case select(ValueID, ValueID, ValueID)           // condition (bool), then, else
    case broadcast(ValueID)                          // NumPy rules to the result shape
    case reshape(ValueID)
    case transpose(ValueID)                          // 2-D only
    case reduce(ReduceOp, ValueID, axis: Int)        // drops the axis
    case cast(ValueID)
    case dot(ValueID, ValueID, transposeB: Bool)     // [M,K]·[K,N] (or [N,K]ᵀ) → [M,N], accumulating wide
    case load(Access, other: Double)
    case store(Access, value: ValueID)
    case atomicAdd(Access, value: ValueID)
    case forLoop(ForLoop)
    case when(condition: ValueID, body: [Instruction])
}

struct Instruction: Sendable {
    var results: [ValueID]
    var op: Op
}

/// Where a ref lives and which part of it one program sees.
struct RefInfo: Sendable {
    enum Role: String, Sendable { case input, output, scratch }
    var name: String
    var role: Role
    var dtype: DType
    var arrayShape: [Int]
    var blockShape: [Int]
    /// First element of this program's block along each axis (computed by the traced index map).
    var origin: [Operand]
}

/// A traced kernel: refs, grid, value types and one instruction list (index maps first, then the body).
struct KernelIR: Sendable {
    var name: String
    var grid: [Int]
    var refs: [RefInfo]
    var types: [BlockType]
    var body: [Instruction]

    var programCount: Int { grid.reduce(1, *) }
    var inputCount: Int { refs.filter { $0.role == .input }.count }
    var outputRefs: [RefID] { refs.indices.filter { refs[$0].role == .output }.map(RefID.init) }

    func type(_ v: ValueID) -> BlockType { types[v.index] }
    func ref(_ r: RefID) -> RefInfo { refs[r.index] }

    /// How many times each value is read anywhere in the kernel (operands, loop yields), by index.
    func useCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: types.count)
        func walk(_ body: [Instruction]) {
            for ins in body {
                for v in ins.op.operands { counts[v.index] += 1 }
                switch ins.op {
                case let .forLoop(l): walk(l.body); for y in l.yields { counts[y.index] += 1 }
                case let .when(_, b): walk(b)
                default: break
                }
            }
        }
        walk(body)
        return counts
    }
}

extension Op {
    /// The values an instruction reads where it stands (a loop's body and yields are inside it).
    var operands: [ValueID] {
        func of(_ o: Operand) -> [ValueID] { if case let .value(v) = o { return [v] } else { return [] } }
        func of(_ a: Access) -> [ValueID] { a.slices.flatMap { of($0.start) } + (a.mask.map { [$0] } ?? []) }
        switch self {
        case .programID, .numPrograms, .constant, .iota: return []
        case let .unary(_, a), let .broadcast(a), let .reshape(a), let .transpose(a), let .reduce(_, a, _), let .cast(a): return [a]
        case let .binary(_, a, b), let .compare(_, a, b), let .dot(a, b, _): return [a, b]
        case let .select(c, a, b): return [c, a, b]
        case let .load(access, _): return of(access)
        case let .store(access, v), let .atomicAdd(access, v): return of(access) + [v]
        case let .forLoop(l): return of(l.lower) + of(l.upper) + l.inits
        case let .when(c, _): return [c]
        }
    }
}
