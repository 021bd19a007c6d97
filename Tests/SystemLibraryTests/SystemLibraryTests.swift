import CCairo
import CCmark
import COpenBLAS
import CPNG
import Foundation
import XCTest

/// The four C libraries link and work through their module maps, including the PNG constants the shim
/// re-exports (composite macros do not import into Swift on their own).
final class SystemLibraryTests: XCTestCase {
    func testCmarkParsesFencedCode() throws {
        let markdown = "# Title\n\n```swift\nlet x = 1\n```\n"
        let root = try XCTUnwrap(cmark_parse_document(markdown, markdown.utf8.count, CMARK_OPT_DEFAULT))
        defer { cmark_node_free(root) }
        var infos: [String] = []
        let iter = cmark_iter_new(root)
        defer { cmark_iter_free(iter) }
        while case let ev = cmark_iter_next(iter), ev != CMARK_EVENT_DONE {
            let node = cmark_iter_get_node(iter)
            if ev == CMARK_EVENT_ENTER && cmark_node_get_type(node) == CMARK_NODE_CODE_BLOCK {
                infos.append(String(cString: cmark_node_get_fence_info(node)))
                XCTAssertEqual(String(cString: cmark_node_get_literal(node)), "let x = 1\n")
                XCTAssertEqual(cmark_node_get_start_line(node), 3)
            }
        }
        XCTAssertEqual(infos, ["swift"])
    }

    func testPNGRoundTripThroughSimplifiedAPI() throws {
        let (w, h) = (7, 5)
        var pixels = [UInt8](repeating: 0, count: w * h * 4)
        for i in 0..<(w * h) { pixels[i * 4] = UInt8(i * 7 % 256); pixels[i * 4 + 1] = UInt8(i); pixels[i * 4 + 3] = 255 }
        var image = png_image()
        image.version = QUIRE_PNG_IMAGE_VERSION
        image.width = png_uint_32(w)
        image.height = png_uint_32(h)
        image.format = QUIRE_PNG_FORMAT_RGBA
        var size: png_alloc_size_t = 0
        XCTAssertNotEqual(png_image_write_to_memory(&image, nil, &size, 0, pixels, 0, nil), 0)
        var encoded = [UInt8](repeating: 0, count: Int(size))
        XCTAssertNotEqual(png_image_write_to_memory(&image, &encoded, &size, 0, pixels, 0, nil), 0)
        XCTAssertEqual(Array(encoded.prefix(4)), [0x89, 0x50, 0x4E, 0x47])

        var read = png_image()
        read.version = QUIRE_PNG_IMAGE_VERSION
        XCTAssertNotEqual(png_image_begin_read_from_memory(&read, encoded, encoded.count), 0)
        read.format = QUIRE_PNG_FORMAT_RGBA
        var decoded = [UInt8](repeating: 0, count: quire_png_image_size(&read))
        XCTAssertNotEqual(png_image_finish_read(&read, nil, &decoded, 0, nil), 0)
        XCTAssertEqual(decoded, pixels)
    }

    func testCairoDrawsAntialiasedText() {
        let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 80, 30)
        defer { cairo_surface_destroy(surface) }
        let cr = cairo_create(surface)
        cairo_set_source_rgb(cr, 1, 1, 1)
        cairo_paint(cr)
        cairo_set_source_rgb(cr, 0, 0, 0)
        cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, 16)
        cairo_move_to(cr, 4, 20)
        cairo_show_text(cr, "loss")
        cairo_destroy(cr)
        cairo_surface_flush(surface)
        let data = cairo_image_surface_get_data(surface)!
        let stride = Int(cairo_image_surface_get_stride(surface))
        var levels = Set<UInt8>()
        for y in 0..<30 { for x in 0..<80 { levels.insert(data[y * stride + x * 4]) } }
        XCTAssertTrue(levels.contains(0) || levels.contains(where: { $0 < 64 }), "text was drawn")
        XCTAssertGreaterThan(levels.count, 4, "anti-aliased edges give intermediate grey levels")
    }

    func testOpenBLASMultipliesMatrices() {
        let a: [Float] = [1, 2, 3, 4, 5, 6]          // 2×3
        let b: [Float] = [1, 0, 0, 1, 1, 1]          // 3×2
        var c = [Float](repeating: 0, count: 4)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 3, 1, a, 3, b, 2, 0, &c, 2)
        XCTAssertEqual(c, [4, 5, 10, 11])
    }
}
