import Foundation
import QuireCheckpoint

/// A step's checkpoint.json: decoded and validated, then every item's file opened, bounded to the
/// step directory (the scratch folder; only checkpoint.json exists there).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpointJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = scratchFile(data, size, name: "checkpoint.json")
    let step = URL(fileURLWithPath: path).deletingLastPathComponent()
    if let info = try? CheckpointInfo(stepDirectory: step) {
        for name in info.items.keys { _ = try? info.openItem(name, in: step) }
    }
    return 0
}
