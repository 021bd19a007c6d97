// The module a notebook imports. It re-exports the engine (tensors and autodiff, modules, optimizers, the test asserts
// of QuireTesting, the distributions of QuireDistributions) and adds the
// notebook helpers (`display`, `table`, `markdown`, `image`, `plot`, `lossCurve`, `RunLog(named:)`). Notebook programs link it as the dynamic
// product `QuireEngine`; the C modules underneath (OpenBLAS, libpng, Cairo) stay internal, so a notebook compiles
// with nothing but `-I <.build/release/Modules>`.
@_exported import QuireTensor
@_exported import QuireOptim
@_exported import QuireNN
@_exported import QuirePlot
@_exported import QuireMetrics
@_exported import QuireKernels
@_exported import QuireData
@_exported import QuireCheckpoint
@_exported import QuireTesting
@_exported import QuireDistributions
@_exported import QuireDistributed
