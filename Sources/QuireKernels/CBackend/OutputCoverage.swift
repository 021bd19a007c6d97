import QuireTensor

// Which outputs the compiled runner may leave uninitialized before the kernel runs: those whose every
// element is certainly written. Zero-filling a 4 MiB matmul result cost about 2 % of the call, and the
// BLAS path it is compared with does not pay it. The check is structural and conservative: anything
// it cannot prove keeps the zero fill (atomic adds and masked or conditional stores rely on it).

extension KernelIR {
    /// Whether every element of output `r` is written on every call: no atomic add to it, a store of
    /// the whole block with no mask at the top level of the body (so every program runs it), and block
    /// origins `programID(axis) × blockSize` on distinct grid axes whose extents tile the array.
    func overwritesWhole(_ r: RefID) -> Bool {
        let ref = self.ref(r)
        guard ref.role == .output, !hasAtomicAdd(to: r, in: body) else { return false }
        let wholeBlock = body.contains { ins in
            guard case let .store(access, _) = ins.op, access.ref == r, access.mask == nil else { return false }
            return access.slices.enumerated().allSatisfy { d, s in s.start == .constant(0) && s.size == ref.blockShape[d] }
        }
        guard wholeBlock else { return false }
        var definitions: [ValueID: Op] = [:]
        for ins in body { for v in ins.results { definitions[v] = ins.op } }
        var axesUsed = Set<Int>()
        for d in ref.arrayShape.indices {
            if ref.blockShape[d] == ref.arrayShape[d] {
                guard ref.origin[d] == .constant(0) else { return false }
                continue
            }
            guard case let .value(v) = ref.origin[d], let axis = programAxis(times: ref.blockShape[d], v, definitions),
                  grid[axis] * ref.blockShape[d] == ref.arrayShape[d], axesUsed.insert(axis).inserted else { return false }
        }
        return true
    }

    /// The grid axis `a` when `v` is `programID(a) × size` (either order), else nil.
    private func programAxis(times size: Int, _ v: ValueID, _ definitions: [ValueID: Op]) -> Int? {
        guard case let .binary(.multiply, x, y)? = definitions[v] else { return nil }
        for (p, c) in [(x, y), (y, x)] {
            if case let .programID(axis)? = definitions[p], case let .constant(k)? = definitions[c], k == Double(size) {
                return axis
            }
        }
        return nil
    }

    private func hasAtomicAdd(to r: RefID, in body: [Instruction]) -> Bool {
        body.contains { ins in
            switch ins.op {
            case let .atomicAdd(access, _): return access.ref == r
            case let .forLoop(l): return hasAtomicAdd(to: r, in: l.body)
            case let .when(_, b): return hasAtomicAdd(to: r, in: b)
            default: return false
            }
        }
    }
}
