import Foundation

extension NotebookRunner {
    /// Reads the notebook and applies the command line's notebook-wide settings: `--seed` replaces the front
    /// matter's seed, `--timeout` is the timeout of every cell without its own `//| timeout:`.
    func loadNotebook() throws(NotebookError) -> Notebook {
        var notebook = try NotebookParser.parse(contentsOf: options.notebookPath)
        if let seed = options.seed { notebook.frontMatter.seed = seed }
        if let timeout = options.defaultTimeout {
            notebook.blocks = notebook.blocks.map { block in
                guard case .cell(var cell) = block, cell.options.timeout == nil else { return block }
                cell.options.timeout = timeout
                return .cell(cell)
            }
        }
        return notebook
    }
}

extension Notebook {
    /// The folder holding the notebook file (`.` for a bare file name): where its program runs.
    var folder: String {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }
}
