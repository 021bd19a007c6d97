import Foundation
import QuireTensor

/// A folder of PNG images, one subfolder per class (`root/cat/1.png` → label = index of `cat` among
/// the sorted class names); with no subfolders, the PNG files in `root` itself, all labelled 0.
/// Images are decoded with libpng when read, so records cost only their file names until then.
/// Fields: `image` uint8 `[height, width, channels]` and `label` int32. A file that does not decode
/// throws a ``DataError`` naming it; a batch of images of different sizes names both files.
///
/// ```swift
/// let images = try ImageFolderSource(path: "data/shapes", channels: 3)
/// images.classes   // ["circle", "square"]
/// ```
public struct ImageFolderSource: RandomAccessSource {
    public let classes: [String]
    /// Every image's path and label, in order (classes sorted, files sorted by name within each).
    public let files: [(path: String, label: Int32)]
    /// Channels to decode to (nil: each file's own).
    public let channels: Int?
    public var count: Int { files.count }

    public init(path root: String, channels: Int? = nil) throws {
        precondition(channels.map { (1...4).contains($0) } ?? true, "ImageFolderSource: channels must be 1…4")
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(atPath: root) else { throw DataError("\(root): cannot list the folder") }
        func isDirectory(_ p: String) -> Bool { var d: ObjCBool = false; return fm.fileExists(atPath: p, isDirectory: &d) && d.boolValue }
        func pngs(in dir: String) throws -> [String] {
            guard let names = try? fm.contentsOfDirectory(atPath: dir) else { throw DataError("\(dir): cannot list the folder") }
            return names.filter { $0.lowercased().hasSuffix(".png") }.sorted().map { dir + "/" + $0 }
        }
        let classes = entries.filter { !$0.hasPrefix(".") && isDirectory(root + "/" + $0) }.sorted()
        var files: [(String, Int32)] = []
        if classes.isEmpty {
            files = try pngs(in: root).map { ($0, 0) }
        } else {
            for (k, c) in classes.enumerated() { files += try pngs(in: root + "/" + c).map { ($0, Int32(k)) } }
        }
        guard !files.isEmpty else { throw DataError("\(root): no .png files") }
        self.classes = classes
        self.files = files
        self.channels = channels
    }

    public func records(at indices: [Int]) throws -> TensorDict {
        try checkIndices(indices, count: count, "ImageFolderSource")
        let records = try indices.map { i -> TensorDict in
            ["image": try decodePNG(path: files[i].path, channels: channels), "label": Tensor(files[i].label)]
        }
        return try stackRecords(records, indices: indices) { "record \($0) (\(files[$0].path))" }
    }
}
