// A one-line text editor as a value: the query line and the `:` command line.
import Foundation

/// An input key, decoded from curses (or synthesised by tests).
public enum Key: Equatable, Sendable, Hashable {
    case char(Character)
    case ctrl(Character)          // Ctrl-A … Ctrl-Z, lower-case letter
    case enter, escape, tab, backTab, backspace, delete
    case up, down, left, right, home, end, pageUp, pageDown
    case resize
    case paste(String)            // a bracketed paste, delivered whole
    case function(Int)
    /// A raw mouse event from the terminal; the app turns it into `.click` or ↑/↓ through the screen's layout.
    case mouse(MouseEvent)
    /// A click on something on the screen (what the mouse event hit, so transcripts replay at any size).
    case click(Hit)
}

/// A single-line editor with a cursor, kill commands and history, edited grapheme by grapheme.
///
/// Cursor positions count Characters (grapheme clusters), so a combining accent never
/// separates from its base letter and a CJK character is one step.
public struct LineEditor: Equatable, Sendable {
    public private(set) var characters: [Character]
    /// Cursor index into `characters`, 0…count.
    public private(set) var cursor: Int
    public private(set) var history: [String]
    /// Index into history while browsing it with ↑/↓; nil when editing a fresh line.
    private var historyIndex: Int?
    /// The line being edited before ↑ started browsing history.
    private var draft: [Character] = []

    public init(_ text: String = "", history: [String] = []) {
        characters = Array(text); cursor = characters.count; self.history = history
    }

    public var text: String { String(characters) }

    /// Columns from the start of the line to the cursor (for placing the terminal cursor).
    public var cursorColumn: Int { characters[..<cursor].reduce(0) { $0 + displayWidth($1) } }

    public mutating func setText(_ s: String) { characters = Array(s); cursor = characters.count; historyIndex = nil }

    /// Inserts text at the cursor. Line breaks and tabs in pasted text become spaces.
    public mutating func insert(_ s: String) {
        // Insert into the string, not the array: a combining mark typed after a letter must merge with it.
        let before = String(characters[..<cursor]), after = String(characters[cursor...])
        let clean = String(s.map { $0.isNewline || $0 == "\t" ? " " : $0 }.filter { !($0.asciiValue.map { $0 < 0x20 || $0 == 0x7f } ?? false) })
        let head = before + clean
        characters = Array(head + after)
        cursor = head.count
        historyIndex = nil
    }

    /// Applies one key; returns false when the key is not an editing key (the caller handles it).
    @discardableResult
    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .char(let c): insert(String(c))
        case .paste(let s): insert(s)
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(characters.count, cursor + 1)
        case .home, .ctrl("a"): cursor = 0
        case .end, .ctrl("e"): cursor = characters.count
        case .backspace, .ctrl("h"):
            if cursor > 0 { characters.remove(at: cursor - 1); cursor -= 1 }
        case .delete, .ctrl("d"):
            if cursor < characters.count { characters.remove(at: cursor) }
        case .ctrl("u"): characters.removeSubrange(0..<cursor); cursor = 0
        case .ctrl("k"): characters.removeSubrange(cursor...)
        case .ctrl("w"):
            var i = cursor
            while i > 0 && characters[i - 1].isWhitespace { i -= 1 }
            while i > 0 && !characters[i - 1].isWhitespace { i -= 1 }
            characters.removeSubrange(i..<cursor); cursor = i
        case .ctrl("b"): cursor = max(0, cursor - 1)
        case .ctrl("f"): cursor = min(characters.count, cursor + 1)
        case .up, .ctrl("p"): historyUp()
        case .down, .ctrl("n"): historyDown()
        default: return false
        }
        return true
    }

    private mutating func historyUp() {
        guard !history.isEmpty else { return }
        if let i = historyIndex {
            guard i > 0 else { return }
            historyIndex = i - 1
        } else {
            draft = characters; historyIndex = history.count - 1
        }
        characters = Array(history[historyIndex!]); cursor = characters.count
    }

    private mutating func historyDown() {
        guard let i = historyIndex else { return }
        if i + 1 < history.count {
            historyIndex = i + 1; characters = Array(history[i + 1])
        } else {
            historyIndex = nil; characters = draft
        }
        cursor = characters.count
    }

    /// Finishes the line: records it in history (skipping blanks and repeats) and returns it.
    public mutating func commit() -> String {
        let s = text
        if !s.trimmingCharacters(in: .whitespaces).isEmpty && history.last != s { history.append(s) }
        historyIndex = nil
        return s
    }

    /// The visible part of the line for a field `width` columns wide, scrolled so the cursor shows;
    /// returns the text and the cursor's column within it.
    public func viewport(width: Int) -> (text: String, cursorColumn: Int) {
        guard width > 1 else { return ("", 0) }
        var start = 0
        func cols(_ a: Int, _ b: Int) -> Int { characters[a..<b].reduce(0) { $0 + displayWidth($1) } }
        while cols(start, cursor) > width - 1 { start += 1 }
        var end = cursor, used = cols(start, cursor)
        while end < characters.count && used + displayWidth(characters[end]) <= width { used += displayWidth(characters[end]); end += 1 }
        return (String(characters[start..<end]), cols(start, cursor))
    }
}
