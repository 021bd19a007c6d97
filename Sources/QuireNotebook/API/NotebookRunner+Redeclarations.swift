extension NotebookRunner {
    /// A name declared in two cells, as a failed build whose errors sit on the second declarations.
    func redeclarations(in notebook: Notebook) -> ProgramBuilder.Output? {
        let diagnostics = Redeclarations.find(in: notebook)
        guard !diagnostics.isEmpty else { return nil }
        return ProgramBuilder.Output(executable: nil, diagnostics: diagnostics, log: "", cached: false, seconds: 0)
    }
}
