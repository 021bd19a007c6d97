import Foundation
import XCTest
@testable import QuireNotebook

/// The compiled-program cache: a user cache folder, bounded, cleaned by `quire clean`.
final class ProgramCacheTests: XCTestCase {
    typealias Q = QuireCLIHarness

    /// Helper commands (swiftc, swift build, git) run with a private TMPDIR that is gone when they exit,
    /// so what the Swift driver leaves in its temporary directory (a `TemporaryDirectory.*` folder per
    /// `swiftc --version`) does not pile up in the shared one.
    func testHelperCommandsGetAPrivateTemporaryDirectoryThatIsRemoved() throws {
        let result = Subprocess.run(["sh", "-c", "echo \"$TMPDIR\"; mkdir \"$TMPDIR/TemporaryDirectory.left\""])
        XCTAssertEqual(result.status, 0, result.output)
        let tmp = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(tmp.hasPrefix(FileManager.default.temporaryDirectory.path + "/quire-tool-"), tmp)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp), "the private TMPDIR and what was left in it are removed")
    }

    func testLocationFollowsXDG() {
        XCTAssertEqual(ProgramCache.base(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/home/u"]), "/x/cache/quire")
        XCTAssertEqual(ProgramCache.base(environment: ["XDG_CACHE_HOME": "relative", "HOME": "/home/u"]), "/home/u/.cache/quire")
        XCTAssertEqual(ProgramCache.base(environment: ["HOME": "/home/u"]), "/home/u/.cache/quire")
        XCTAssertNil(ProgramCache.base(environment: [:]))
    }

    func testLeastRecentlyUsedProgramsAreEvicted() throws {
        let folder = try Q.scratch()
        let fm = FileManager.default
        var paths: [String] = []
        for (n, age) in [(1, 300.0), (2, 200), (3, 100)] {
            let path = folder + "/" + String(repeating: String(n), count: 32)
            try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
            XCTAssertTrue(fm.createFile(atPath: path + "/notebook", contents: Data(count: 1000)))
            try fm.setAttributes([.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: path)
            paths.append(path)
        }
        try fm.createDirectory(atPath: folder + "/embed-123", withIntermediateDirectories: true)
        ProgramCache.evict(in: folder, maxBytes: 2000, keep: paths[0])
        XCTAssertEqual(paths.map { fm.fileExists(atPath: $0) }, [true, false, true], "the oldest but kept one stays, the next oldest goes")
        XCTAssertTrue(fm.fileExists(atPath: folder + "/embed-123"), "only program folders are evicted")
    }

    func testProgramsLiveInTheUserCacheAndCleanRemovesThem() throws {
        let dir = try Q.scratch()
        let environment = ["XDG_CACHE_HOME": dir + "/xdg"]
        let r = try Q.quire(["run", Q.fixture("fatal.md"), "--out", dir + "/report"], environment: environment)
        XCTAssertEqual(r.status, 1, r.stderr)
        let programs = try FileManager.default.contentsOfDirectory(atPath: dir + "/xdg/quire")
        XCTAssertEqual(programs.count, 1)
        XCTAssertTrue(programs[0].hasPrefix("programs-"), "\(programs)")
        let clean = try Q.quire(["clean", "--out", dir + "/report", "--programs"], environment: environment)
        XCTAssertEqual(clean.status, 0, clean.stderr)
        XCTAssertTrue(clean.stdout.contains("removed \(dir)/xdg/quire/\(programs[0])"), clean.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/xdg/quire/" + programs[0]))
    }
}
