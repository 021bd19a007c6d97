internal import CCairo

/// An RGB colour with alpha, components in 0...1.
public struct Color: Sendable, Equatable {
    public var red, green, blue, alpha: Double

    public init(red: Double, green: Double, blue: Double, alpha: Double = 1) {
        self.red = red; self.green = green; self.blue = blue; self.alpha = alpha
    }

    /// A colour from `0xRRGGBB`.
    public init(hex: UInt32, alpha: Double = 1) {
        self.init(red: Double((hex >> 16) & 0xFF) / 255, green: Double((hex >> 8) & 0xFF) / 255,
                  blue: Double(hex & 0xFF) / 255, alpha: alpha)
    }

    public func withAlpha(_ alpha: Double) -> Color { Color(red: red, green: green, blue: blue, alpha: alpha) }
}

/// A Cairo image surface with its drawing context, in logical units (the surface is `scale` times larger).
/// Text uses DejaVu Sans through Cairo's toy font API (fontconfig), unhinted so glyphs land the same way on
/// every machine with the same fonts.
final class Canvas {
    let width: Double
    let height: Double
    let scale: Double
    private let surface: OpaquePointer
    private let cr: OpaquePointer

    static let fontFamily = "DejaVu Sans"

    init(width: Int, height: Int, scale: Double) throws(PlotError) {
        let pixelWidth = Int32((Double(width) * scale).rounded())
        let pixelHeight = Int32((Double(height) * scale).rounded())
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pixelWidth, pixelHeight),
              cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS,
              let cr = cairo_create(surface), cairo_status(cr) == CAIRO_STATUS_SUCCESS else {
            throw PlotError.renderingFailed("cairo could not create a \(pixelWidth)×\(pixelHeight) surface")
        }
        self.surface = surface
        self.cr = cr
        self.width = Double(width)
        self.height = Double(height)
        self.scale = scale
        cairo_scale(cr, scale, scale)
        let options = cairo_font_options_create()
        cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        cairo_set_font_options(cr, options)
        cairo_font_options_destroy(options)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND)
    }

    deinit {
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    // MARK: Paths and fills

    func setColor(_ c: Color) { cairo_set_source_rgba(cr, c.red, c.green, c.blue, c.alpha) }

    func fillBackground(_ c: Color) {
        cairo_save(cr)
        setColor(c)
        cairo_paint(cr)
        cairo_restore(cr)
    }

    func fillRect(x: Double, y: Double, width: Double, height: Double, color: Color) {
        setColor(color)
        cairo_rectangle(cr, x, y, width, height)
        cairo_fill(cr)
    }

    func strokeRect(x: Double, y: Double, width: Double, height: Double, color: Color, lineWidth: Double = 1) {
        setColor(color)
        cairo_set_line_width(cr, lineWidth)
        cairo_rectangle(cr, x, y, width, height)
        cairo_stroke(cr)
    }

    func line(from a: (Double, Double), to b: (Double, Double), color: Color, lineWidth: Double = 1, dash: [Double] = []) {
        setColor(color)
        cairo_set_line_width(cr, lineWidth)
        cairo_set_dash(cr, dash, Int32(dash.count), 0)
        cairo_move_to(cr, a.0, a.1)
        cairo_line_to(cr, b.0, b.1)
        cairo_stroke(cr)
        cairo_set_dash(cr, nil, 0, 0)
    }

    /// Strokes each run of points as one polyline (a gap in the data starts a new run).
    func polylines(_ runs: [[(Double, Double)]], color: Color, lineWidth: Double) {
        setColor(color)
        cairo_set_line_width(cr, lineWidth)
        for run in runs {
            guard let first = run.first else { continue }
            cairo_move_to(cr, first.0, first.1)
            if run.count == 1 { cairo_line_to(cr, first.0, first.1) }   // a lone point shows as a dot (round caps)
            for p in run.dropFirst() { cairo_line_to(cr, p.0, p.1) }
            cairo_stroke(cr)
        }
    }

    func circle(at p: (Double, Double), radius: Double, fill: Color?, stroke: Color? = nil, lineWidth: Double = 1) {
        cairo_new_sub_path(cr)
        cairo_arc(cr, p.0, p.1, radius, 0, 2 * Double.pi)
        if let fill {
            setColor(fill)
            if stroke != nil { cairo_fill_preserve(cr) } else { cairo_fill(cr) }
        }
        if let stroke {
            setColor(stroke)
            cairo_set_line_width(cr, lineWidth)
            cairo_stroke(cr)
        }
    }

    func clip(x: Double, y: Double, width: Double, height: Double) {
        cairo_save(cr)
        cairo_rectangle(cr, x, y, width, height)
        cairo_clip(cr)
    }

    func unclip() { cairo_restore(cr) }

    /// Draws 8-bit RGBA pixels (straight alpha) into a rectangle, each source pixel a sharp block.
    func drawPixels(_ rgba: [UInt8], columns: Int, rows: Int, x: Double, y: Double, width: Double, height: Double) {
        guard let image = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(columns), Int32(rows)) else { return }
        defer { cairo_surface_destroy(image) }
        cairo_surface_flush(image)
        let stride = Int(cairo_image_surface_get_stride(image))
        guard let data = cairo_image_surface_get_data(image) else { return }
        for r in 0..<rows {
            let row = UnsafeMutableRawPointer(data + r * stride).assumingMemoryBound(to: UInt32.self)
            for c in 0..<columns {
                let i = (r * columns + c) * 4
                let a = UInt32(rgba[i + 3])
                let premultiply = { (v: UInt8) -> UInt32 in (UInt32(v) * a + 127) / 255 }
                row[c] = (a << 24) | (premultiply(rgba[i]) << 16) | (premultiply(rgba[i + 1]) << 8) | premultiply(rgba[i + 2])
            }
        }
        cairo_surface_mark_dirty(image)
        cairo_save(cr)
        cairo_translate(cr, x, y)
        cairo_scale(cr, width / Double(columns), height / Double(rows))
        cairo_set_source_surface(cr, image, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST)
        cairo_rectangle(cr, 0, 0, Double(columns), Double(rows))
        cairo_fill(cr)
        cairo_restore(cr)
    }

    // MARK: Text

    enum HAlign { case left, center, right }
    enum VAlign { case top, middle, baseline, bottom }

    private func setFont(size: Double, bold: Bool) {
        cairo_select_font_face(cr, Canvas.fontFamily, CAIRO_FONT_SLANT_NORMAL,
                               bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, size)
    }

    /// The advance width of `text` in logical units.
    func textWidth(_ text: String, size: Double, bold: Bool = false) -> Double {
        setFont(size: size, bold: bold)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, text, &extents)
        return extents.x_advance
    }

    /// Draws one line of text anchored at `(x, y)`; `angle` in radians (−π/2 for a vertical axis label).
    func text(_ text: String, at p: (Double, Double), size: Double, color: Color, bold: Bool = false,
              h: HAlign = .left, v: VAlign = .baseline, angle: Double = 0) {
        setFont(size: size, bold: bold)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, text, &extents)
        var fontExtents = cairo_font_extents_t()
        cairo_font_extents(cr, &fontExtents)
        let dx: Double = switch h {
        case .left: 0
        case .center: -extents.x_advance / 2
        case .right: -extents.x_advance
        }
        let dy: Double = switch v {
        case .baseline: 0
        case .top: fontExtents.ascent * 0.8
        case .middle: fontExtents.ascent * 0.4
        case .bottom: -fontExtents.descent
        }
        cairo_save(cr)
        cairo_translate(cr, p.0, p.1)
        cairo_rotate(cr, angle)
        setColor(color)
        cairo_move_to(cr, dx, dy)
        cairo_show_text(cr, text)
        cairo_restore(cr)
    }

    // MARK: Result

    /// The surface's pixels as straight (un-premultiplied) 8-bit RGBA.
    func image() -> RGBAImage {
        cairo_surface_flush(surface)
        let w = Int(cairo_image_surface_get_width(surface))
        let h = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        var pixels = [UInt8](repeating: 0, count: w * h * 4)
        if let data = cairo_image_surface_get_data(surface) {
            for y in 0..<h {
                let row = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
                for x in 0..<w {
                    let argb = row[x]
                    let a = argb >> 24
                    let unpremultiply = { (v: UInt32) -> UInt8 in a == 0 ? 0 : UInt8(min(255, (v * 255 + a / 2) / a)) }
                    let i = (y * w + x) * 4
                    pixels[i] = unpremultiply((argb >> 16) & 0xFF)
                    pixels[i + 1] = unpremultiply((argb >> 8) & 0xFF)
                    pixels[i + 2] = unpremultiply(argb & 0xFF)
                    pixels[i + 3] = UInt8(a)
                }
            }
        }
        return RGBAImage(width: w, height: h, pixels: pixels)
    }
}
