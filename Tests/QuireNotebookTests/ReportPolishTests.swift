import XCTest
@testable import QuireNotebook

/// Report details: TeX in prose wrapped as text, figures numbered, params and seed in the header.
final class ReportPolishTests: XCTestCase {
    typealias Q = QuireCLIHarness

    func testMathSpansWrapTeXButNotMoneyOrCode() {
        XCTAssertEqual(MathSpans.wrap("<p>loss $\\mathcal{L}(x) &lt; 1$ here</p>"),
                       "<p>loss <span class=\"math\">$\\mathcal{L}(x) &lt; 1$</span> here</p>")
        XCTAssertEqual(MathSpans.wrap("<p>$$E = mc^2$$</p>"), "<p><span class=\"math display\">$$E = mc^2$$</span></p>")
        XCTAssertEqual(MathSpans.wrap("<p>costs $5 and $10 today</p>"), "<p>costs $5 and $10 today</p>")
        XCTAssertEqual(MathSpans.wrap("<p>from $ 3 to 4 $ no</p>"), "<p>from $ 3 to 4 $ no</p>")
        XCTAssertEqual(MathSpans.wrap("<p><code>$x$</code></p>"), "<p><code>$x$</code></p>")
        XCTAssertEqual(MathSpans.wrap("<pre><code>let s = \"$a$\"</code></pre><p>$a$</p>"),
                       "<pre><code>let s = \"$a$\"</code></pre><p><span class=\"math\">$a$</span></p>")
        XCTAssertEqual(MathSpans.wrap("<p>$a\nb$</p>"), "<p>$a\nb$</p>", "one line only")
        XCTAssertEqual(MathSpans.wrap("<p>$x$</p><a href=\"$y$\">t</a>"), "<p><span class=\"math\">$x$</span></p><a href=\"$y$\">t</a>",
                       "attributes are not text")
    }

    func testHeaderShowsParamsAndSeedAndFiguresAreNumbered() throws {
        let dir = try Q.scratch()
        try """
            ---
            title: Polish
            params:
              lr: 0.5
            seed: 3
            ---

            The loss is $\\ell = (y - \\hat y)^2$.

            ```swift
            //| id: pics
            image(Tensor.zeros([2, 2]))
            image(Tensor.zeros([2, 2]), caption: "second")
            ```
            """.write(toFile: dir + "/p.md", atomically: true, encoding: .utf8)
        let r = try Q.run(dir + "/p.md", out: dir + "/report")
        XCTAssertEqual(r.status, 0, r.stderr)
        let html = try XCTUnwrap(r.html)
        XCTAssertTrue(html.contains(#"<span class="param">seed <code>3</code></span> <span class="param">lr <code>0.5</code></span>"#), html)
        XCTAssertTrue(html.contains(##"<figure id="figure-1">"##) && html.contains(##"href="#figure-1">Figure 1</a></figcaption>"##), html)
        XCTAssertTrue(html.contains(##"href="#figure-2">Figure 2</a>: second</figcaption>"##), html)
        XCTAssertTrue(html.contains(#"<span class="math">$\ell = (y - \hat y)^2$</span>"#), html)
        XCTAssertTrue(html.contains("@media (prefers-color-scheme: dark)") && html.contains("@media print"))
    }
}
