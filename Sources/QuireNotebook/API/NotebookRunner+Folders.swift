import Foundation

extension NotebookRunner {
    /// The run's report folder — `--out`, else `output/<notebook name>` — checked (Quire writes only into a
    /// missing, empty or report folder), locked for the run and marked (``ReportFolder``).
    func openReportFolder(_ notebook: Notebook) throws(NotebookError) -> ReportFolder {
        let directory: String
        if let out = options.outputDirectory {
            directory = out
        } else {
            guard ReportFolder.isPlainName(notebook.name) else {
                throw NotebookError(.usage, "\(notebook.path): the notebook's name '\(notebook.name)' cannot name a report folder; pass --out DIR")
            }
            directory = "output/" + notebook.name
        }
        return try ReportFolder.open(directory) { console.note($0) }
    }
}
