import Foundation

/// `quire publish --git-branch NAME`: commits the site folder's contents as the whole tree of a branch of
/// the current git repository, through a separate `git worktree` in a temporary folder, so the user's
/// working tree, index and checked-out branch are never touched. Nothing is pushed.
///
/// Idempotent: when the branch already holds exactly these files, no commit is made. A branch that does not
/// exist yet starts as an orphan (no history shared with the code). The branch must not be the one checked
/// out in the user's working tree (git refuses a second worktree on it, and Quire says so).
public enum SiteGit {
    public struct Result: Sendable {
        public var committed: Bool
        /// The branch's commit after the publish (short hash).
        public var commit: String
        /// The remote to name in the `git push` hint (`origin` when the repository has none).
        public var remote: String
    }

    public static func commit(site: String, branch: String, message: String, directory: String? = nil) throws(NotebookError) -> Result {
        func git(_ arguments: [String], in folder: String? = directory) -> Subprocess.Result {
            Subprocess.run(["git"] + arguments, directory: folder)
        }
        let top = git(["rev-parse", "--show-toplevel"])
        guard top.status == 0 else { throw NotebookError(.usage, "--git-branch: not inside a git repository (\(top.output.trimmed))") }
        let repository = top.output.trimmed
        guard git(["check-ref-format", "--branch", branch]).status == 0, !branch.hasPrefix("-") else {
            throw NotebookError(.usage, "--git-branch: '\(branch)' is not a valid branch name")
        }
        let siteURL = URL(fileURLWithPath: site).standardizedFileURL
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("quire-publish-\(getpid())-\(UUID().uuidString)").path
        let exists = git(["rev-parse", "--verify", "--quiet", "refs/heads/" + branch], in: repository).status == 0
        let add = exists ? git(["worktree", "add", "--quiet", scratch, branch], in: repository)
                         : git(["worktree", "add", "--quiet", "--detach", "--no-checkout", scratch], in: repository)
        guard add.status == 0 else {
            throw NotebookError(.usage, "--git-branch \(branch): cannot make a worktree for it: \(add.output.trimmed)")
        }
        defer {
            _ = git(["worktree", "remove", "--force", scratch], in: repository)
            try? FileManager.default.removeItem(atPath: scratch)
            _ = git(["worktree", "prune"], in: repository)
        }
        func step(_ arguments: [String]) throws(NotebookError) -> String {
            let r = git(arguments, in: scratch)
            guard r.status == 0 else { throw NotebookError(.io, "--git-branch \(branch): git \(arguments.joined(separator: " ")) failed: \(r.output.trimmed)") }
            return r.output
        }
        if !exists { _ = try step(["checkout", "--quiet", "--orphan", branch]) }
        _ = try step(["rm", "-r", "-q", "-f", "--ignore-unmatch", "--", "."])
        // The site's files replace the branch's; lock files are not content.
        let fm = FileManager.default
        for entry in (try? fm.contentsOfDirectory(atPath: siteURL.path)) ?? [] where entry != ReportFolder.lockName {
            do { try fm.copyItem(atPath: siteURL.path + "/" + entry, toPath: scratch + "/" + entry) } catch {
                throw NotebookError(.io, "--git-branch: cannot copy \(entry) into the worktree: \(error.localizedDescription)")
            }
        }
        if let walker = fm.enumerator(atPath: scratch) {
            for case let path as String in walker where (path as NSString).lastPathComponent == ReportFolder.lockName {
                try? fm.removeItem(atPath: scratch + "/" + path)
            }
        }
        _ = try step(["add", "-A", "-f", "--", "."])
        let remote = git(["remote"], in: repository).output.split(separator: "\n").first.map(String.init) ?? "origin"
        if exists && git(["diff", "--cached", "--quiet"], in: scratch).status == 0 {
            return Result(committed: false, commit: try step(["rev-parse", "--short", "HEAD"]).trimmed, remote: remote)
        }
        var identity: [String] = []
        if git(["config", "user.email"], in: scratch).output.trimmed.isEmpty {
            identity = ["-c", "user.name=quire publish", "-c", "user.email=quire@localhost"]
        }
        _ = try step(identity + ["commit", "--quiet", "--no-verify", "-m", message])
        return Result(committed: true, commit: try step(["rev-parse", "--short", "HEAD"]).trimmed, remote: remote)
    }
}

private extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
