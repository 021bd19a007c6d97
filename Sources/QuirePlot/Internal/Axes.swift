#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A data range for one axis.
struct AxisRange {
    var lo: Double
    var hi: Double

    /// The range of the finite `values` (positive only on a log axis), widened by `padding` of its span on
    /// each side; a single value gets a span around it. Nil when no value qualifies.
    static func covering(_ values: [Double], log: Bool = false, padding: Double = 0.04) -> AxisRange? {
        let usable = values.filter { $0.isFinite && (!log || $0 > 0) }
        guard var lo = usable.min(), var hi = usable.max() else { return nil }
        if log {
            var a = log10(lo), b = log10(hi)
            if b - a < 1e-9 { a -= 0.5; b += 0.5 }
            let pad = (b - a) * padding
            return AxisRange(lo: pow(10, a - pad), hi: pow(10, b + pad))
        }
        if hi - lo < 1e-12 * max(1, abs(hi)) {
            let half = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= half; hi += half
            return AxisRange(lo: lo, hi: hi)
        }
        let pad = (hi - lo) * padding
        return AxisRange(lo: lo - pad, hi: hi + pad)
    }
}

/// The frame of a chart with axes: layout, background, grid, ticks, labels and title, and the mapping from
/// data to canvas coordinates.
struct Axes {
    let canvas: Canvas
    let left: Double, top: Double, width: Double, height: Double
    let x: AxisRange, y: AxisRange
    let logY: Bool

    static let tickSize = 11.0, labelSize = 12.0, titleSize = 14.0

    /// Lays out and draws the frame. `extraRight` keeps room for a colour bar; `xTicks` replaces the
    /// computed ticks (bins, categories) with (position, label) pairs.
    init(canvas: Canvas, title: String?, xLabel: String?, yLabel: String?, x: AxisRange, y: AxisRange,
         logY: Bool = false, extraRight: Double = 0, xTicks: [(Double, String)]? = nil,
         yTicks: [(Double, String)]? = nil, grid: Bool = true) {
        self.canvas = canvas
        self.x = x
        self.y = y
        self.logY = logY
        let yTickValues = yTicks ?? {
            let values = logY ? Ticks.logarithmic(y.lo, y.hi) : Ticks.linear(y.lo, y.hi)
            return Array(zip(values, logY ? Ticks.logLabels(values) : Ticks.labels(values)))
        }()
        let xTickValues = xTicks ?? {
            let values = Ticks.linear(x.lo, x.hi, target: max(4, Int(canvas.width / 75)))
            return Array(zip(values, Ticks.labels(values)))
        }()
        let labelWidth = yTickValues.map { canvas.textWidth($0.1, size: Axes.tickSize) }.max() ?? 0
        let leftMargin = 10 + labelWidth + 8 + (yLabel == nil ? 0 : 20)
        let topMargin = title == nil ? 14.0 : 36.0
        let bottomMargin = 26.0 + (xLabel == nil ? 0 : 20)
        left = leftMargin
        top = topMargin
        width = max(10, canvas.width - leftMargin - 18 - extraRight)
        height = max(10, canvas.height - topMargin - bottomMargin)

        canvas.fillBackground(Palette.background)
        for (v, label) in yTickValues {
            let py = self.py(v)
            guard py >= top - 0.5 && py <= top + height + 0.5 else { continue }
            if grid { canvas.line(from: (left, py), to: (left + width, py), color: Palette.grid) }
            canvas.line(from: (left - 4, py), to: (left, py), color: Palette.frame)
            canvas.text(label, at: (left - 7, py), size: Axes.tickSize, color: Palette.mutedText, h: .right, v: .middle)
        }
        for (v, label) in xTickValues {
            let px = self.px(v)
            guard px >= left - 0.5 && px <= left + width + 0.5 else { continue }
            if grid { canvas.line(from: (px, top), to: (px, top + height), color: Palette.grid) }
            canvas.line(from: (px, top + height), to: (px, top + height + 4), color: Palette.frame)
            canvas.text(label, at: (px, top + height + 7), size: Axes.tickSize, color: Palette.mutedText, h: .center, v: .top)
        }
        canvas.strokeRect(x: left, y: top, width: width, height: height, color: Palette.frame)
        if let title {
            canvas.text(title, at: (left + width / 2, 22), size: Axes.titleSize, color: Palette.text, bold: true, h: .center)
        }
        if let xLabel {
            canvas.text(xLabel, at: (left + width / 2, canvas.height - 8), size: Axes.labelSize, color: Palette.text,
                        h: .center, v: .bottom)
        }
        if let yLabel {
            canvas.text(yLabel, at: (16, top + height / 2), size: Axes.labelSize, color: Palette.text,
                        h: .center, v: .middle, angle: -Double.pi / 2)
        }
    }

    func px(_ v: Double) -> Double { left + (v - x.lo) / (x.hi - x.lo) * width }

    func py(_ v: Double) -> Double {
        if logY { return top + height - (log10(v) - log10(y.lo)) / (log10(y.hi) - log10(y.lo)) * height }
        return top + height - (v - y.lo) / (y.hi - y.lo) * height
    }

    /// Whether a y value can be drawn on this axis (finite, and positive on a log axis).
    func drawable(_ v: Double) -> Bool { v.isFinite && (!logY || v > 0) }

    /// Clips drawing to the plot area while `body` runs.
    func clipped(_ body: () -> Void) {
        canvas.clip(x: left, y: top, width: width, height: height)
        body()
        canvas.unclip()
    }

    /// A legend box in the corner of the plot area that covers the fewest of `avoid` (canvas points), top
    /// right when there is a tie: a swatch and a name per entry.
    func legend(_ entries: [(String, Color)], marker: Bool = false, avoid: [(Double, Double)] = []) {
        guard !entries.isEmpty else { return }
        let size = Axes.tickSize
        let textWidth = entries.map { canvas.textWidth($0.0, size: size) }.max() ?? 0
        let boxWidth = 10 + 22 + 6 + textWidth + 10
        let rowHeight = 17.0
        let boxHeight = 8 + rowHeight * Double(entries.count)
        let corners = [(left + width - boxWidth - 8, top + 8), (left + 8, top + 8),
                       (left + width - boxWidth - 8, top + height - boxHeight - 8), (left + 8, top + height - boxHeight - 8)]
        let covered = corners.map { c in
            avoid.filter { $0.0 >= c.0 - 4 && $0.0 <= c.0 + boxWidth + 4 && $0.1 >= c.1 - 4 && $0.1 <= c.1 + boxHeight + 4 }.count
        }
        let best = covered.indices.min { covered[$0] < covered[$1] } ?? 0
        let (bx, by) = corners[best]
        canvas.fillRect(x: bx, y: by, width: boxWidth, height: boxHeight, color: Palette.background.withAlpha(0.88))
        canvas.strokeRect(x: bx, y: by, width: boxWidth, height: boxHeight, color: Palette.grid)
        for (i, (name, color)) in entries.enumerated() {
            let cy = by + 4 + rowHeight * (Double(i) + 0.5)
            if marker {
                canvas.circle(at: (bx + 21, cy), radius: 3.5, fill: color)
            } else {
                canvas.line(from: (bx + 10, cy), to: (bx + 32, cy), color: color, lineWidth: 2)
            }
            canvas.text(name, at: (bx + 38, cy), size: size, color: Palette.text, v: .middle)
        }
    }
}

/// Places short annotations near their points without overlapping each other: each label tries a few
/// positions around its point and takes the first that is free and inside the plot area.
struct LabelPlacer {
    let axes: Axes
    private var taken: [(x0: Double, y0: Double, x1: Double, y1: Double)] = []

    init(axes: Axes) { self.axes = axes }

    /// Reserves the area of a marker so labels keep off it.
    mutating func reserve(_ p: (Double, Double), radius: Double) {
        taken.append((p.0 - radius, p.1 - radius, p.0 + radius, p.1 + radius))
    }

    mutating func place(_ text: String, near p: (Double, Double), color: Color, preferBelow: Bool) {
        let size = 10.0
        let w = axes.canvas.textWidth(text, size: size), h = size
        // Candidate baselines-left corners: right/left of the point, above/below, then further away.
        var candidates: [(Double, Double)] = []
        for dy in preferBelow ? [14.0, -6, 26, -18, 38, -30] : [-6.0, 14, -18, 26, -30, 38] {
            candidates.append((p.0 + 7, p.1 + dy))
            candidates.append((p.0 - 7 - w, p.1 + dy))
        }
        let axes = self.axes, taken = self.taken
        let inside = { (c: (Double, Double)) in
            c.0 >= axes.left + 2 && c.0 + w <= axes.left + axes.width - 2 && c.1 - h >= axes.top + 2 && c.1 + 2 <= axes.top + axes.height
        }
        let free = { (c: (Double, Double)) in
            !taken.contains { r in c.0 < r.x1 && c.0 + w > r.x0 && c.1 - h < r.y1 && c.1 + 2 > r.y0 }
        }
        let spot = candidates.first { inside($0) && free($0) } ?? candidates.first(where: inside) ?? candidates[0]
        self.taken.append((spot.0, spot.1 - h, spot.0 + w, spot.1 + 2))
        axes.canvas.text(text, at: spot, size: size, color: color)
    }
}
