// Drawing characters: Unicode box drawing and block bars, or plain ASCII when the locale is not UTF-8.

/// The characters screens draw frames, bars and markers with.
public struct Glyphs: Sendable, Equatable {
    public var horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight: String
    public var teeDown: String
    /// Bar levels from lowest to highest (8 levels).
    public var bars: [String]
    /// Heat levels for continuous values, lowest to highest (4 levels).
    public var heat: [String]
    public var pending, check, cross, ellipsis, arrow, marker, sourceMark, targetMark, cursorBar: String
    /// Stage markers ①②③.
    public var stages: [String]

    public static let unicode = Glyphs(
        horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        teeDown: "┬",
        bars: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"], heat: ["░", "▒", "▓", "█"],
        pending: "·", check: "✓", cross: "✗", ellipsis: "…", arrow: "→", marker: "▔",
        sourceMark: "◆", targetMark: "◇", cursorBar: "▏", stages: ["①", "②", "③", "④"])

    public static let ascii = Glyphs(
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        teeDown: "+",
        bars: [".", ".", "=", "=", "=", "#", "#", "#"], heat: [".", ":", "=", "#"],
        pending: ".", check: "v", cross: "x", ellipsis: "~", arrow: ">", marker: "^",
        sourceMark: "S", targetMark: "T", cursorBar: "|", stages: ["1", "2", "3", "4"])

    /// A bar for a rank: rank 1 is full, each doubling loses one level, ≥128 is the lowest.
    public func rankBar(_ rank: Int) -> String {
        guard rank >= 1 else { return pending }
        var level = 7, r = rank
        while r > 1 && level > 0 { r /= 2; level -= 1 }
        return bars[level]
    }

    /// A heat cell for a value in [0, 1].
    public func heatCell(_ v: Double) -> String {
        let i = min(heat.count - 1, max(0, Int((v * Double(heat.count)).rounded(.down))))
        return heat[i]
    }

    /// A horizontal progress bar of `width` columns for `fraction` ∈ [0, 1].
    public func progressBar(_ fraction: Double, width: Int) -> String {
        let f = min(1, max(0, fraction))
        let full = Int((f * Double(width)).rounded(.down))
        return String(repeating: bars[7], count: full) + String(repeating: " ", count: max(0, width - full))
    }
}
