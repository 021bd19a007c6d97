/// The series colours, in order, and the sequential colour map of heatmaps.
enum Palette {
    static let series: [Color] = [
        Color(hex: 0x2F6FB3), Color(hex: 0xE07B28), Color(hex: 0x3A9A4A), Color(hex: 0xC8403A),
        Color(hex: 0x7B5EA8), Color(hex: 0x8C5A3C), Color(hex: 0xD46FAE), Color(hex: 0x707070),
        Color(hex: 0xA3A33A), Color(hex: 0x2AA6B8),
    ]

    static func series(_ i: Int) -> Color { series[i % series.count] }

    static let text = Color(hex: 0x222222)
    static let mutedText = Color(hex: 0x555555)
    static let grid = Color(hex: 0xE4E4E4)
    static let frame = Color(hex: 0x888888)
    static let background = Color(hex: 0xFFFFFF)
    static let missing = Color(hex: 0xBBBBBB)

    /// Dark violet → blue → teal → green → yellow; perceptually ordered, readable in grey.
    private static let anchors: [Color] = [
        Color(hex: 0x2B0F4D), Color(hex: 0x35508F), Color(hex: 0x23888E), Color(hex: 0x44B56A), Color(hex: 0xF2E43A),
    ]

    /// The colour map at `t` in 0...1.
    static func colormap(_ t: Double) -> Color {
        let clamped = t.isFinite ? min(1, max(0, t)) : 0
        let position = clamped * Double(anchors.count - 1)
        let i = min(anchors.count - 2, Int(position))
        let f = position - Double(i)
        let a = anchors[i], b = anchors[i + 1]
        return Color(red: a.red + (b.red - a.red) * f, green: a.green + (b.green - a.green) * f,
                     blue: a.blue + (b.blue - a.blue) * f)
    }
}
