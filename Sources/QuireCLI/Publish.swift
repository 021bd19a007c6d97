import ArgumentParser
import Foundation
import QuireNotebook

/// `quire publish`: a static site of experiment reports with an index that compares the runs.
struct Publish: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish notebooks' reports as a static site with an index comparing their runs.",
        discussion: """
            Each notebook runs as `quire run` would (unchanged cells come back from the cell cache) with its \
            report in SITE/<notebook name>/; SITE/index.html lists them all with their status, run time, the \
            final value of every logged metric and a thumbnail of the main loss curve. Every link is relative: \
            the folder works from file://, under any sub-path and after being moved. A folder argument \
            publishes its *.md files (README.md left out). \
            Exit status: 0 when every notebook published, 1 when a notebook failed (the publish stops there \
            unless --allow-failed), 2 for usage or input errors.
            """)

    @Argument(help: "Notebooks, or folders of notebooks, to publish.") var inputs: [String] = []
    @Option(help: ArgumentHelp("The site folder (created; Quire writes only into an empty folder or one it published).", valueName: "dir"))
    var out: String
    @Option(name: [.customShort("P"), .customLong("param")],
            help: ArgumentHelp("Override a front-matter parameter in every notebook that declares it.", valueName: "name=value"))
    var params: [String] = []
    @Flag(help: "Make each report one self-contained file (figures inlined).") var embed = false
    @Flag(help: "Publish a failed notebook, marked as failed, instead of stopping.") var allowFailed = false
    @Flag(help: "Build the notebook programs with -O.") var release = false
    @Flag(help: "Run every cell; read and write no cell snapshots.") var noCache = false
    @Option(help: ArgumentHelp("The cell cache folder (default: $QUIRE_CACHE_DIR, else .quire/cache beside each notebook).", valueName: "dir"))
    var cacheDir: String?
    @Option(help: ArgumentHelp("Also commit the site to this branch of the current git repository (through a separate worktree; never pushed).",
                               valueName: "name"))
    var gitBranch: String?

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("Missing expected argument '<inputs> ...'") }
        for p in params where !p.contains("=") { throw ValidationError("-P expects name=value, got '\(p)'") }
    }

    func run() throws {
        var options = PublishOptions(inputs: inputs, outputDirectory: out)
        options.overrides = parameterOverrides(params)
        options.embed = embed
        options.allowFailed = allowFailed
        options.release = release
        options.noCache = noCache
        options.cacheDirectory = cacheDir
        options.quireVersion = QuireVersion.string
        let outcome: PublishOutcome
        do throws(NotebookError) {
            outcome = try SitePublisher(engine: try Engine.locate(), options: options).publish()
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
        if let stopped = outcome.stopped {
            FileHandle.standardError.write(Data("error: \(stopped.path): \(stopped.failure.summary)\n".utf8))
            if stopped.exitCode == 1 {
                FileHandle.standardError.write(Data("publish stopped; the site's index was not rewritten (pass --allow-failed to publish it marked failed)\n".utf8))
            }
            throw ExitCode(stopped.exitCode)
        }
        for n in outcome.notebooks {
            if let failure = n.failure {
                FileHandle.standardError.write(Data("warning: \(n.record.notebook.path): \(failure.summary) (published marked failed)\n".utf8))
            }
        }
        print("site: \(outcome.index) (\(outcome.notebooks.count) notebook\(outcome.notebooks.count == 1 ? "" : "s"))")
        guard let gitBranch else { return }
        do throws(NotebookError) {
            let result = try SiteGit.commit(site: out, branch: gitBranch,
                                            message: "quire publish: " + outcome.notebooks.map(\.folder).joined(separator: ", "))
            print(result.committed ? "committed the site to branch \(gitBranch) (\(result.commit))"
                  : "branch \(gitBranch) already holds this site; nothing to commit")
            print("to publish it: git push \(result.remote) \(gitBranch)")
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
