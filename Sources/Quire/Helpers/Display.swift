/// Shows a value in the cell's output, formatted for the report.
///
/// Tensors show their NumPy-style printout, which ends with shape and dtype; other values show
/// `String(describing:)`. A bare expression at the end of a cell is displayed the same way.
///
/// ```swift
/// let x = Tensor.arange(6).reshaped(2, 3)
/// display(x)          // [[0. 1. 2.] [3. 4. 5.]]  shape: [2, 3], dtype: float32
/// display("done")     // done
/// display(loss, label: "final loss")   // labelled above the value
/// ```
public func display(_ value: Any, label: String? = nil) {
    if let tensor = value as? Tensor {
        emitText(tensor.description, label: label)   // the printout ends with its shape and dtype
    } else {
        emitText(String(describing: value), label: label)
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
        var fields: [(String, EventJSON)] = [("text", .string(text))]
        if let label { fields.append(("label", .string(label))) }
        EventChannel.send("display", fields)
    } else {
        print(text)
    }
}
