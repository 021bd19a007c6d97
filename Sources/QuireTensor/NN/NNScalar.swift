// The two element types the NN kernels compute in (float32 and float64). Other dtypes are converted
// to one of them and back. The kernels are generic over this protocol; the compiler specializes them.

protocol NNFloat: TensorScalar, BinaryFloatingPoint, SIMDScalar, Codable {
    /// Row-major C[m×n] = A[m×k]·B[k×n] + beta·C, with leading dimensions (elements between rows).
    static func gemm(m: Int, n: Int, k: Int,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
}

extension Float: NNFloat {
    static func gemm(m: Int, n: Int, k: Int,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        sgemm(GemmOperand(transposed: false, ld: lda), GemmOperand(transposed: false, ld: ldb),
              m: m, n: n, k: k, a, b, c, ldc: ldc, beta: beta)
    }
}

extension Double: NNFloat {
    static func gemm(m: Int, n: Int, k: Int,
                     a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                     beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        dgemm(GemmOperand(transposed: false, ld: lda), GemmOperand(transposed: false, ld: ldb),
              m: m, n: n, k: k, a, b, c, ldc: ldc, beta: beta)
    }
}

/// The dtype a float-valued NN op returns for its operands: the promoted float dtype, or float32
/// when every operand is an integer or bool.
func nnResultType(_ dtypes: [DType]) -> DType {
    let p = dtypes.dropFirst().reduce(dtypes[0]) { DType.promoted($0, $1) }
    return p.isFloatingPoint ? p : .float32
}

/// A 4-D view `[N, H, W, C]` of a channels-last tensor with one spatial dimension (`[N, W, C]`),
/// adding a size-1 height; no copy.
func insertUnitHeight(_ x: Tensor) -> Tensor {
    Tensor(storage: x.storage, shape: [x.shape[0], 1, x.shape[1], x.shape[2]],
           strides: [x.strides[0], 0, x.strides[1], x.strides[2]], offset: x.offset, dtype: x.dtype)
}
