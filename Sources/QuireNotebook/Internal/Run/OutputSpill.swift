import Foundation

/// Keeps what one cell prints bounded: the first ``limit`` bytes go into the cell's outputs as they come;
/// past that, the whole text goes to `outputs/<cell id>.txt` beside the report and only the last
/// ``tailBytes`` are kept, shown after a note that links the file. A million printed lines then make a
/// report of a few hundred kilobytes, and the runner's time stays linear in what was printed.
final class OutputSpill {
    /// Text kept in the report before spilling.
    static let limit = 128 * 1024
    /// Text kept from the end of a spilled output.
    static let tailBytes = 32 * 1024

    let cellID: String
    /// The report folder.
    let folder: String
    private var keptBytes = 0
    private var file: FileHandle?
    private var tail = ""
    private var omittedLines = 0
    private var omittedBytes = 0
    let relativePath: String

    init(cellID: String, folder: String) {
        self.cellID = cellID
        self.folder = folder
        relativePath = "outputs/" + (SafeName.isPlainFileName(cellID + ".txt") ? cellID : "cell") + ".txt"
    }

    /// Whether `text` goes into the cell's outputs now; otherwise it was spilled (and `earlier` — what the
    /// cell printed before, which the file must start with — was written first when the spill began).
    func take(_ text: String, earlier: () -> String) -> Bool {
        if file == nil {
            guard keptBytes + text.utf8.count > Self.limit else {
                keptBytes += text.utf8.count
                return true
            }
            let path = folder + "/" + relativePath
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: path, contents: Data(earlier().utf8)), let handle = FileHandle(forWritingAtPath: path) else {
                keptBytes += text.utf8.count   // cannot spill: keep it
                return true
            }
            handle.seekToEndOfFile()
            file = handle
        }
        file?.write(Data(text.utf8))
        omittedBytes += text.utf8.count
        omittedLines += text.utf8.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
        tail += text
        if tail.utf8.count > 2 * Self.tailBytes { tail = String(tail.suffix(Self.tailBytes)) }
        return false
    }

    /// The note and the kept tail to show after the kept head, or nil when nothing was spilled.
    func finish() -> [CellOutput]? {
        guard let file else { return nil }
        file.closeFile()
        self.file = nil
        var shown = String(tail.suffix(Self.tailBytes))
        if shown.count < tail.count, let newline = shown.firstIndex(of: "\n") { shown = String(shown[shown.index(after: newline)...]) }
        let hidden = max(0, omittedLines - shown.utf8.reduce(0) { $0 + ($1 == 10 ? 1 : 0) })
        return [.stdout(Self.note(lines: hidden, path: relativePath)), .stdout(shown)]
    }

    static let notePrefix = "… "
    static let noteMiddle = " more lines not shown; the full output is in "

    static func note(lines: Int, path: String) -> String {
        notePrefix + "\(lines)" + noteMiddle + path + "\n"
    }

    /// The file a spill note names (nil for any other text).
    static func noteFile(_ text: String) -> (lines: String, path: String)? {
        guard text.hasPrefix(notePrefix), text.hasSuffix("\n"), let middle = text.range(of: noteMiddle) else { return nil }
        let lines = text[text.index(text.startIndex, offsetBy: notePrefix.count)..<middle.lowerBound]
        let path = text[middle.upperBound...].dropLast()
        guard lines.allSatisfy(\.isNumber), path.hasPrefix("outputs/"), !path.contains("\n") else { return nil }
        return (String(lines), String(path))
    }
}
