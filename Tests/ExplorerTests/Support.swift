// Helpers for the Explorer tests: a demo state and grid text access.
import Foundation
@testable import Explorer

enum Fixture {
    static let backend = DemoBackend(cellDelay: 0, patchDelay: 0)
    static let query = "The currency of the country of origin of Toyota is"

    /// An explorer state with the demo analysis applied.
    static func state() -> ExplorerState {
        var s = ExplorerState(model: backend.model, query: query, samples: backend.sampleQueries())
        _ = s.analyzeCurrentQuery()
        s.apply(.analysis(try! backend.analyze(query: query), id: s.analysisID), now: 0)
        return s
    }

    /// A state with a full grid computed for `position`.
    static func gridState(_ position: TokenPosition = .t2) -> ExplorerState {
        var s = state()
        s.layer.panel.position = position
        let fx = s.openGrid()
        guard case .startGrid(let req, let id)? = fx.first(where: { if case .startGrid = $0 { true } else { false } }) else { fatalError() }
        let cells = gridCells(req)
        for (i, c) in cells.enumerated() { s.apply(.gridCell(c, id: id), now: Double(i) * 0.01) }
        s.apply(.gridFinished(id: id, cancelled: false), now: 5)
        return s
    }

    /// The demo grid's cells in order; with `cancelAfter`, the cancellation is set after that many.
    static func gridCells(_ req: GridRequest, cancelAfter: Int? = nil) -> [BackPatchResult] {
        let box = Box<[BackPatchResult]>([])
        let cancel = Cancellation()
        try! backend.grid(req, cancellation: cancel) { c in
            box.value.append(c)
            if box.value.count == cancelAfter { cancel.cancel() }
        }
        return box.value
    }

    static func render(_ s: ExplorerState, _ cols: Int, _ rows: Int, glyphs: Glyphs = .unicode) -> Frame {
        Renderer(glyphs: glyphs).render(s, rows: rows, cols: cols)
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}

extension CellGrid {
    /// Index of the first row containing `s`.
    func row(containing s: String) -> Int? { (0..<rows).first { line($0).contains(s) } }
    /// The column (in cells) where `s` starts on `row`.
    func column(of s: String, row: Int) -> Int? {
        var col = 0
        var text = ""
        var starts: [Int] = []
        for c in 0..<cols where !self[row, c].isContinuation { starts.append(c); text += self[row, c].text }
        guard let r = text.range(of: s) else { _ = col; return nil }
        col = text.distance(from: text.startIndex, to: r.lowerBound)
        // Map a Character offset to a cell column (cells hold one grapheme each).
        return col < starts.count ? starts[col] : nil
    }
}

/// A mutable box for collecting values in @Sendable callbacks that tests call on one thread.
final class Box<T>: @unchecked Sendable {
    var value: T
    init(_ v: T) { value = v }
}

extension Effect {
    /// The query of an `.analyze` effect.
    var analyzedQuery: String? { if case .analyze(let q, _) = self { q } else { nil } }
}
