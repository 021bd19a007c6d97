// Which primitive each elementwise kernel records when one of its inputs is traced. Kernels not
// listed (comparisons, integer-only ops) record nothing; sign has a zero derivative and is recorded
// only by a `jit` trace (comparisons are recorded by `Tensor.compare`).

extension AddKernel { static var primitive: Primitive? { .add } }
extension SubKernel { static var primitive: Primitive? { .subtract } }
extension MulKernel { static var primitive: Primitive? { .multiply } }
extension DivKernel { static var primitive: Primitive? { .divide } }
extension PowKernel { static var primitive: Primitive? { .pow } }
extension MaximumKernel { static var primitive: Primitive? { .maximum } }
extension MinimumKernel { static var primitive: Primitive? { .minimum } }
extension NegKernel { static var primitive: Primitive? { .negate } }
extension AbsKernel { static var primitive: Primitive? { .abs } }
extension SquareKernel { static var primitive: Primitive? { .square } }
extension ReluKernel { static var primitive: Primitive? { .relu } }
extension ExpKernel { static var primitive: Primitive? { .exp } }
extension LogKernel { static var primitive: Primitive? { .log } }
extension Log1pKernel { static var primitive: Primitive? { .log1p } }
extension Expm1Kernel { static var primitive: Primitive? { .expm1 } }
extension SqrtKernel { static var primitive: Primitive? { .sqrt } }
extension RsqrtKernel { static var primitive: Primitive? { .rsqrt } }
extension SinKernel { static var primitive: Primitive? { .sin } }
extension CosKernel { static var primitive: Primitive? { .cos } }
extension TanhKernel { static var primitive: Primitive? { .tanh } }
extension SigmoidKernel { static var primitive: Primitive? { .sigmoid } }
extension SiluKernel { static var primitive: Primitive? { .silu } }
extension SoftplusKernel { static var primitive: Primitive? { .softplus } }
extension GeluTanhKernel { static var primitive: Primitive? { .gelu(.tanh) } }
extension GeluErfKernel { static var primitive: Primitive? { .gelu(.none) } }
extension SignKernel { static var primitive: Primitive? { .sign } }
