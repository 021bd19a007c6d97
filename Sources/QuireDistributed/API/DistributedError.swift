/// A collective that cannot proceed: ranks that disagree on the tensors they pass (each rank's view is
/// named), a dtype MPI cannot reduce, or an error reported by MPI itself.
public struct DistributedError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
