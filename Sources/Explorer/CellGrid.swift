// Explorer module: screens render into a CellGrid, the Terminal draws CellGrids.
import Foundation
import CNCursesW

/// A UI role: what a cell *means*; a Theme decides how it looks.
public enum Role: String, CaseIterable, Sendable, Hashable {
    case text, dim, header, border, bridge, answer, correct, wrong
    case cursor, selection, bar, stage, status, title, key, warning
}

/// One terminal cell: a grapheme (possibly with combining marks) and its role.
///
/// A double-width grapheme occupies its cell and the next one; the next one is a
/// `continuation` cell with an empty string, which the Terminal never draws.
public struct Cell: Equatable, Sendable {
    public var text: String
    public var role: Role
    public var isContinuation: Bool { text.isEmpty }
    public init(_ text: String = " ", role: Role = .text) { self.text = text; self.role = role }
    public static let blank = Cell()
}

/// Display width of a grapheme in terminal columns, from `wcwidth`.
///
/// Combining marks (width 0) ride along with their base character; control
/// characters and unassigned code points count as 1 so layouts never collapse.
public func displayWidth(_ ch: Character) -> Int {
    guard let first = ch.unicodeScalars.first else { return 0 }
    if first.value < 0x20 || first.value == 0x7f { return 1 }
    let w = Int(hs_wcwidth(first.value))
    if w >= 0 { return w }
    return fallbackWidth(first)
}

/// Width when the C library cannot say (a non-UTF-8 locale): combining marks 0, East Asian wide 2, else 1.
func fallbackWidth(_ u: Unicode.Scalar) -> Int {
    switch u.properties.generalCategory {
    case .nonspacingMark, .enclosingMark: return 0
    default: break
    }
    let v = u.value
    let wide: [ClosedRange<UInt32>] = [0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
                                       0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
                                       0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD]
    return wide.contains { $0.contains(v) } ? 2 : 1
}

/// Display width of a string in terminal columns.
public func displayWidth(_ s: String) -> Int {
    s.reduce(0) { $0 + displayWidth($1) }
}

/// `s` cut to at most `width` columns; an ellipsis marks the cut when `ellipsis` is non-empty.
public func truncate(_ s: String, to width: Int, ellipsis: String = "…") -> String {
    if width <= 0 { return "" }
    if displayWidth(s) <= width { return s }
    let ew = displayWidth(ellipsis)
    var out = ""
    var used = 0
    for ch in s {
        let w = displayWidth(ch)
        if used + w > width - ew { break }
        out.append(ch); used += w
    }
    return out + (ew <= width ? ellipsis : "")
}

/// `s` padded with spaces (or cut) to exactly `width` columns.
public func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
    let t = truncate(s, to: width)
    let gap = String(repeating: " ", count: max(0, width - displayWidth(t)))
    return right ? gap + t : t + gap
}

/// A rectangle of cells, `rows × cols`, that views draw into and tests read as text.
public struct CellGrid: Equatable, Sendable {
    public let rows: Int
    public let cols: Int
    public internal(set) var cells: [Cell]

    public init(rows: Int, cols: Int) {
        self.rows = max(0, rows); self.cols = max(0, cols)
        cells = Array(repeating: .blank, count: self.rows * self.cols)
    }

    public subscript(row: Int, col: Int) -> Cell {
        get { cells[row * cols + col] }
        set { cells[row * cols + col] = newValue }
    }

    /// Writes `text` at (row, col) in `role`, clipped to the grid (and to `maxWidth` columns);
    /// returns the column after the last cell written.
    @discardableResult
    public mutating func put(_ text: String, row: Int, col: Int, role: Role = .text, maxWidth: Int? = nil) -> Int {
        guard row >= 0, row < rows else { return col }
        let limit = min(cols, maxWidth.map { col + $0 } ?? cols)
        var c = col
        for ch in text {
            var w = displayWidth(ch)
            var g = String(ch)
            if ch == "\t" || ch == "\n" || ch == "\r" { g = " "; w = 1 }
            if w == 0 {
                // A lone combining mark: attach it to the previous grapheme.
                if c > 0, c - 1 < cols, c - 1 >= 0 {
                    var p = c - 1
                    while p > 0 && self[row, p].isContinuation { p -= 1 }
                    self[row, p].text += g
                }
                continue
            }
            if c + w > limit { break }
            if c >= 0 {
                clearWide(row: row, col: c)
                self[row, c] = Cell(g, role: role)
                if w == 2 { clearWide(row: row, col: c + 1); self[row, c + 1] = Cell("", role: role) }
            }
            c += w
        }
        return c
    }

    /// Before overwriting (row, col), blanks the other half of a wide grapheme it belongs to.
    private mutating func clearWide(row: Int, col: Int) {
        let cell = self[row, col]
        if cell.isContinuation, col > 0 { self[row, col - 1] = .blank }
        else if col + 1 < cols, self[row, col + 1].isContinuation, displayWidth(cell.text) == 2 {
            self[row, col + 1] = .blank
        }
    }

    /// Fills a rectangle with one character in one role.
    public mutating func fill(row: Int, col: Int, height: Int, width: Int, char: String = " ", role: Role = .text) {
        for r in max(0, row)..<min(rows, row + height) {
            for c in max(0, col)..<min(cols, col + width) { self[r, c] = Cell(char, role: role) }
        }
    }

    /// Sets the role of a run of cells without changing their text.
    public mutating func paint(row: Int, col: Int, width: Int, role: Role) {
        guard row >= 0, row < rows else { return }
        for c in max(0, col)..<min(cols, col + width) { self[row, c].role = role }
    }

    /// Copies `other` into this grid with its top-left corner at (row, col).
    public mutating func blit(_ other: CellGrid, row: Int, col: Int) {
        for r in 0..<other.rows where row + r >= 0 && row + r < rows {
            for c in 0..<other.cols where col + c >= 0 && col + c < cols {
                self[row + r, col + c] = other[r, c]
            }
        }
    }

    /// One row as text (continuation cells dropped), trailing spaces kept.
    public func line(_ row: Int) -> String {
        var s = ""
        for c in 0..<cols where !self[row, c].isContinuation { s += self[row, c].text }
        return s
    }

    /// The whole grid as text, one line per row, trailing spaces trimmed.
    public var text: String {
        (0..<rows).map { line($0).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
            .joined(separator: "\n")
    }

    /// Columns of row `row` whose role is `role` (for tests asserting on colour).
    public func roles(row: Int) -> [Role] { (0..<cols).map { self[row, $0].role } }
}

extension CellGrid {
    /// Replacements for the non-ASCII characters the screens use, one column each so layouts hold.
    static let asciiFallback: [Character: String] = [
        "ℓ": "l", "·": ".", "→": ">", "←": "<", "↓": "v", "↑": "^", "↛": "/", "✓": "v", "✗": "x", "▲": "^", "▼": "v",
        "⏎": "<", "“": "\"", "”": "\"", "‘": "'", "’": "'", "×": "x", "…": "~", "▸": ">", "①": "1", "②": "2", "③": "3",
        "◆": "S", "◇": "T", "▔": "^", "▕": "[", "▏": "]", "─": "-", "│": "|", "┌": "+", "┐": "+", "└": "+", "┘": "+",
        "░": ".", "▒": ":", "▓": "=", "█": "#", "▁": ".", "▂": ".", "▃": "=", "▄": "=", "▅": "=", "▆": "#", "▇": "#",
        "≥": ">", "≤": "<", "–": "-", "—": "-",
    ]

    /// The grid with every non-ASCII grapheme replaced (for terminals whose locale is not UTF-8):
    /// known symbols by their ASCII look-alikes, anything else by "?" (two for a double-width one).
    public func asciified() -> CellGrid {
        var g = self
        for i in g.cells.indices {
            let t = g.cells[i].text
            guard !t.isEmpty, !t.allSatisfy(\.isASCII) else { continue }
            if g.cells[i].isContinuation { continue }
            let ch = t.first!
            g.cells[i].text = CellGrid.asciiFallback[ch] ?? "?"
            if displayWidth(ch) == 2, i + 1 < g.cells.count, g.cells[i + 1].isContinuation { g.cells[i + 1].text = "?" }
        }
        return g
    }
}
