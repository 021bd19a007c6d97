import Foundation
import XCTest

/// `quire watch` in a real browser: headless Chromium driven over the WebDriver HTTP protocol by Debian's
/// chromedriver. The page is loaded once; after an edit the new output must appear without the test
/// reloading it (the injected script does).
final class WatchBrowserTests: XCTestCase {
    typealias Q = QuireCLIHarness

    func testThePageFollowsAnEditWithoutAManualReload() throws {
        let chromium = "/usr/bin/chromium", driver = "/usr/bin/chromedriver"
        guard FileManager.default.isExecutableFile(atPath: chromium), FileManager.default.isExecutableFile(atPath: driver) else {
            throw XCTSkip("needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)")
        }
        let dir = try Q.scratch()
        let notebook = dir + "/browser.md"
        try "# In a browser\n\n```swift\n//| id: shown\nprint(\"browser-one\")\n```\n".write(toFile: notebook, atomically: false, encoding: .utf8)
        let watch = try WatchTests.Watch(notebook, out: dir + "/report")
        defer { watch.stop() }
        _ = try watch.waitForPage(containing: "class=\"cell status-succeeded\" id=\"cell-shown\"", timeout: WatchTests.firstRun)

        let (probe, driverPort) = try HTTP.listen()
        close(probe)
        let chromedriver = Process()
        chromedriver.executableURL = URL(fileURLWithPath: driver)
        chromedriver.arguments = ["--port=\(driverPort)"]
        chromedriver.standardOutput = FileHandle.nullDevice
        chromedriver.standardError = FileHandle.nullDevice
        try chromedriver.run()
        defer { chromedriver.terminate(); chromedriver.waitUntilExit() }
        let ready = Date().addingTimeInterval(30)
        while (try? HTTP.get(port: driverPort, "/status"))?.body.contains("\"ready\":true") != true {
            guard Date() < ready else { throw XCTSkip("chromedriver did not start on port \(driverPort)") }
            usleep(100_000)
        }

        let capabilities = #"""
            {"capabilities":{"alwaysMatch":{"goog:chromeOptions":{"binary":"\#(chromium)",
             "args":["--headless=new","--no-sandbox","--disable-gpu","--disable-dev-shm-usage","--user-data-dir=\#(dir)/chrome"]}}}}
            """#
        let created = try HTTP.request("POST", port: driverPort, "/session", json: capabilities, timeout: 60)
        guard created.status == 200, let session = Self.value(created.body)?["sessionId"] as? String else {
            throw XCTSkip("chromium did not start a session: \(created.status) \(created.body.prefix(500))")
        }
        defer { _ = try? HTTP.request("DELETE", port: driverPort, "/session/\(session)") }
        let navigated = try HTTP.request("POST", port: driverPort, "/session/\(session)/url",
                                         json: #"{"url":"http://127.0.0.1:\#(watch.port)/"}"#, timeout: 60)
        XCTAssertEqual(navigated.status, 200, navigated.body)

        func pageText() -> String {
            let r = try? HTTP.request("POST", port: driverPort, "/session/\(session)/execute/sync",
                                      json: #"{"script":"return document.body.innerText","args":[]}"#)
            return (r.flatMap { Self.value($0.body) }?["value"] as? String) ?? ""
        }
        func waitForText(_ text: String, _ timeout: Double) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if pageText().contains(text) { return true }
                usleep(50_000)
            }
            return false
        }
        XCTAssertTrue(waitForText("browser-one", 30), "the page never showed the first output: \(pageText().prefix(300))")
        // The listener is connected once the page has loaded; give it a moment before editing.
        usleep(300_000)

        let saved = Date()
        try "# In a browser\n\n```swift\n//| id: shown\nprint(\"browser-two\")\n```\n".write(toFile: notebook, atomically: false, encoding: .utf8)
        XCTAssertTrue(waitForText("browser-two", WatchTests.rerun), "the page did not follow the edit: \(pageText().prefix(300))")
        print("watch (chromium): code edit → page text in \(String(format: "%.2f", Date().timeIntervalSince(saved))) s")
    }

    /// The `"value"` object of a WebDriver answer.
    static func value(_ body: String) -> [String: Any]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else { return nil }
        if let value = object["value"] as? [String: Any] { return value }
        return object
    }
}
