// Where the clickable things sit on a rendered screen: the renderer draws with these layouts and
// returns them in the Frame; a mouse click is hit-tested against the very same values.
import Foundation

/// What a click on the screen points at.
public enum Hit: Equatable, Sendable, Hashable {
    /// A row of the layer table: an index into `analysis.rows`.
    case layerRow(Int)
    /// A cell of the back-patch grid, ℓs → ℓt.
    case gridCell(source: Int, target: Int)
    /// An entry of the sample browser: an index into `filteredSamples`.
    case sample(Int)
    /// Nothing clickable.
    case nothing
}

/// A mouse event from the terminal, in screen cells (0-based).
public struct MouseEvent: Equatable, Sendable, Hashable {
    public enum Kind: Equatable, Sendable, Hashable { case press, wheelUp, wheelDown }
    public var kind: Kind
    public var row: Int
    public var col: Int
    public init(_ kind: Kind, row: Int, col: Int) { self.kind = kind; self.row = row; self.col = col }
}

/// A window of `visible` consecutive items out of `count`, scrolled as little as possible from
/// `scrollTop` so that `selected` is inside it (a sticky scroll: clicking a visible item never moves the list).
public struct ScrollWindow: Equatable, Sendable {
    public let top: Int
    public let visible: Int
    public let count: Int
    public init(count: Int, visible: Int, scrollTop: Int, selected: Int) {
        let visible = max(1, visible)
        var top = max(0, min(scrollTop, count - visible))
        if selected < top { top = max(0, selected) }
        if selected >= top + visible { top = selected - visible + 1 }
        self.top = top; self.visible = visible; self.count = count
    }
    /// The item indices on screen.
    public var shown: Range<Int> { top..<max(top, min(count, top + visible)) }
    public var hiddenAbove: Int { top }
    public var hiddenBelow: Int { max(0, count - top - visible) }
}

/// A vertical list drawn one item per screen row: the layer table and the sample browser.
public struct ListLayout: Equatable, Sendable {
    /// The screen row of the first shown item.
    public var firstRow: Int
    /// The screen columns a click counts in.
    public var columns: Range<Int>
    public var window: ScrollWindow

    /// The screen row of item `index` (which must be in `window.shown`).
    public func screenRow(of index: Int) -> Int { firstRow + index - window.top }

    /// The item at a screen cell, if any.
    public func item(row: Int, col: Int) -> Int? {
        guard columns.contains(col) else { return nil }
        let i = window.top + row - firstRow
        return window.shown.contains(i) ? i : nil
    }
}

/// The back-patch grid's geometry: source rows (ℓs from the top, largest first) × target columns.
public struct GridLayout: Equatable, Sendable {
    public let layers: Int
    /// Screen column of target 0, and columns per cell (1–3).
    public let left: Int, cellWidth: Int
    /// Screen row of the first shown source row.
    public let firstRow: Int
    /// The rows: source layers L-1 … 1; `window` picks the ones on screen.
    public let sources: [Int]
    public let window: ScrollWindow

    /// The layout for a grid of `layers` at `cols` × `rows`, scrolled from `scrollTop` to show `cursorSource`.
    public init(layers: Int, cursorSource: Int, scrollTop: Int, rows H: Int, cols W: Int) {
        self.layers = layers
        left = 12
        cellWidth = max(1, min(3, (W - left - 2) / max(1, layers)))
        firstRow = 4
        // Rows 4 … H-4 are the heat map; H-3 is the cell detail, H-2 the status, H-1 the hints.
        sources = Array(stride(from: layers - 1, through: 1, by: -1))
        window = ScrollWindow(count: sources.count, visible: H - 4 - firstRow + 1, scrollTop: scrollTop,
                              selected: sources.firstIndex(of: cursorSource) ?? 0)
    }

    /// The screen column where target layer `t`'s cell starts.
    public func column(ofTarget t: Int) -> Int { left + t * cellWidth }
    /// The screen row of the source row with index `i` into `sources` (which must be shown).
    public func screenRow(ofSourceIndex i: Int) -> Int { firstRow + i - window.top }
    /// The last screen row of the heat map.
    public var lastRow: Int { firstRow + window.visible - 1 }

    /// The cell (ℓs, ℓt) at a screen cell, if it is one of the triangle ℓs > ℓt.
    public func cell(row: Int, col: Int) -> (source: Int, target: Int)? {
        let i = window.top + row - firstRow
        guard window.shown.contains(i), col >= left else { return nil }
        let s = sources[i], t = (col - left) / cellWidth
        return t < s ? (s, t) : nil
    }
}

/// Everything clickable on one rendered frame. Regions covered by an overlay are nil.
public struct ScreenLayout: Equatable, Sendable {
    public var layerTable: ListLayout?
    public var grid: GridLayout?
    public var samples: ListLayout?
    public init(layerTable: ListLayout? = nil, grid: GridLayout? = nil, samples: ListLayout? = nil) {
        self.layerTable = layerTable; self.grid = grid; self.samples = samples
    }

    /// What is at a screen cell.
    public func hit(row: Int, col: Int) -> Hit {
        if let l = samples { return l.item(row: row, col: col).map(Hit.sample) ?? .nothing }
        if let l = layerTable, let i = l.item(row: row, col: col) { return .layerRow(i) }
        if let g = grid, let c = g.cell(row: row, col: col) { return .gridCell(source: c.source, target: c.target) }
        return .nothing
    }

    /// The key a mouse event stands for on this screen: the wheel moves like ↑/↓, a press clicks what is under it.
    public func key(for m: MouseEvent) -> Key {
        switch m.kind {
        case .wheelUp: return .up
        case .wheelDown: return .down
        case .press: return .click(hit(row: m.row, col: m.col))
        }
    }
}
