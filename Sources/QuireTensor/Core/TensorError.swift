/// What went wrong when a tensor operation was misused.
///
/// Operators such as `+` cannot throw, so misuse stops the program with this error's description,
/// which names the operation and the shapes involved. The validating functions behind them
/// (for example ``Tensor/broadcastShape(_:_:op:)``) throw it, so callers can check first.
public struct TensorError: Error, CustomStringConvertible, Equatable, Sendable {
    public let operation: String
    public let message: String

    public init(_ operation: String, _ message: String) {
        self.operation = operation
        self.message = message
    }

    public var description: String { "\(operation): \(message)" }
}

/// Stops with a misuse message. Used where an operation cannot throw.
@usableFromInline
func tensorFailure(_ error: TensorError, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError(error.description, file: file, line: line)
}

/// Runs a throwing validator from an operation that cannot throw, stopping with the error's message.
@inline(__always)
func checked<R>(_ body: () throws -> R) -> R {
    do {
        return try body()
    } catch let e as TensorError {
        tensorFailure(e)
    } catch {
        fatalError("\(error)")
    }
}

@usableFromInline
func tensorCheck(_ condition: @autoclosure () -> Bool, _ operation: String,
                 _ message: @autoclosure () -> String) {
    if !condition() { tensorFailure(TensorError(operation, message())) }
}

/// Formats a shape the way error messages and descriptions print it: `[2, 3]`.
func shapeString(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
