/// Shows a value in the cell's output, formatted for the report.
///
/// Tensors show their NumPy-style printout with shape and dtype; other values show
/// `String(describing:)`. A bare expression at the end of a cell is displayed the same way.
///
/// ```swift
/// let x = Tensor.arange(6).reshaped(2, 3)
/// display(x)          // the tensor's printout, labelled "[2, 3] float32"
/// display("done")     // done
/// ```
public func display(_ value: Any) {
    if let tensor = value as? Tensor {
        let label = "[" + tensor.shape.map(String.init).joined(separator: ", ") + "] \(tensor.dtype)"
        emitText(tensor.description, label: label)
    } else {
        emitText(String(describing: value), label: nil)
    }
}

/// Shows Markdown text in the cell's output, rendered like the notebook's prose.
///
/// ```swift
/// markdown("**Accuracy:** \(accuracy * 100) %")
/// ```
public func markdown(_ text: String) {
    if EventChannel.isConnected {
        EventChannel.send("markdown", [("text", .string(text))])
    } else {
        print(text)
    }
}

func emitText(_ text: String, label: String?) {
    if EventChannel.isConnected {
        var fields: [(String, JSONValue)] = [("text", .string(text))]
        if let label { fields.append(("label", .string(label))) }
        EventChannel.send("display", fields)
    } else {
        print(text)
    }
}
