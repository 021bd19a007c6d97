import Foundation
import Mustache

/// Renders the report from `templates/report.mustache` (+ `report.css`, inlined) and writes it
/// atomically: a reader never sees half a report, and a failed render leaves the previous one.
struct ReportWriter {
    let template: MustacheTemplate
    let css: String
    /// The report folder: `index.html` and `figures/`.
    let directory: String
    let embed: Bool
    /// Where the program writes its PNGs: `<directory>/figures`, or a scratch folder with `--embed`.
    let figuresDirectory: String

    static let figuresFolder = "figures"

    /// The folder's manifest and lock (nil in tests that render without one).
    let folder: ReportFolder?

    init(templatesDirectory: String, folder: ReportFolder, embed: Bool, scratch: String) throws(NotebookError) {
        try self.init(templatesDirectory: templatesDirectory, directory: folder.path, embed: embed, scratch: scratch, folder: folder)
    }

    init(templatesDirectory: String, directory: String, embed: Bool, scratch: String, folder: ReportFolder? = nil) throws(NotebookError) {
        self.folder = folder
        (template, css) = try HTML.loadTemplate("report", in: templatesDirectory)
        self.directory = directory
        self.embed = embed
        self.figuresDirectory = embed ? scratch + "/figures" : directory + "/" + ReportWriter.figuresFolder
    }

    func render(_ record: RunRecord) -> String {
        var images: [String: Data]?
        if embed {
            images = [:]
            for result in record.results {
                for case .image(let file, _, _, _) in result.outputs {
                    images?[file] = FileManager.default.contents(atPath: figuresDirectory + "/" + file)
                }
            }
        }
        var model = ReportModel(record: record, embeddedImages: images, figuresFolder: ReportWriter.figuresFolder)
        model.runFiles = runFiles(record)
        return template.render(model.context(css: css))
    }

    /// The downloadable files of each run log (`runs/<name>/metrics.jsonl`, `metrics.csv`) that exist in the
    /// report folder, relative to it.
    func runFiles(_ record: RunRecord) -> [String: [String]] {
        var files: [String: [String]] = [:]
        for run in record.runMetrics where ReportFolder.isPlainName(run.run) {
            files[run.run] = ["metrics.jsonl", "metrics.csv"].map { "runs/\(run.run)/\($0)" }
                .filter { FileManager.default.fileExists(atPath: directory + "/" + $0) }
        }
        return files
    }

    func write(_ record: RunRecord) throws(NotebookError) {
        let html = render(record)
        let target = directory + "/index.html"
        let temporary = directory + "/.index.html.\(getpid()).tmp"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try html.write(toFile: temporary, atomically: false, encoding: .utf8)
        } catch {
            throw NotebookError(.io, "cannot write the report to \(directory): \(error.localizedDescription)")
        }
        guard rename(temporary, target) == 0 else {
            throw NotebookError(.io, "cannot move the report into place at \(target)")
        }
        folder?.claimWrittenEntries()
    }
}
