import Testing
@testable import Explorer

@Suite struct LineEditorTests {
    func typed(_ s: String) -> LineEditor {
        var e = LineEditor()
        for ch in s { e.handle(.char(ch)) }
        return e
    }

    @Test func typingAppends() {
        let e = typed("The capital")
        #expect(e.text == "The capital")
        #expect(e.cursor == 11)
    }

    @Test func cursorMovementAndInsertInTheMiddle() {
        var e = typed("Th capital")
        e.handle(.home); e.handle(.right); e.handle(.right)
        e.handle(.char("e"))
        #expect(e.text == "The capital")
        e.handle(.ctrl("a")); #expect(e.cursor == 0)
        e.handle(.ctrl("e")); #expect(e.cursor == 11)
        e.handle(.end); e.handle(.left); #expect(e.cursor == 10)
        e.handle(.left); e.handle(.left); e.handle(.left); e.handle(.left)
        e.handle(.left); e.handle(.left); e.handle(.left); e.handle(.left)
        e.handle(.left); e.handle(.left); e.handle(.left); e.handle(.left)
        #expect(e.cursor == 0, "left stops at the start")
    }

    @Test func backspaceAndDelete() {
        var e = typed("abcd")
        e.handle(.backspace)
        #expect(e.text == "abc")
        e.handle(.home); e.handle(.delete)
        #expect(e.text == "bc")
        e.handle(.home); e.handle(.backspace)
        #expect(e.text == "bc", "backspace at the start does nothing")
        e.handle(.end); e.handle(.delete)
        #expect(e.text == "bc", "delete at the end does nothing")
    }

    @Test func killCommands() {
        var e = typed("the capital of France")
        e.handle(.ctrl("w"))
        #expect(e.text == "the capital of ")
        e.handle(.ctrl("w"))
        #expect(e.text == "the capital ")
        e.handle(.home); e.handle(.right); e.handle(.right); e.handle(.right)
        e.handle(.ctrl("k"))
        #expect(e.text == "the")
        e.handle(.ctrl("u"))
        #expect(e.text == "")
        var f = typed("abc def")
        f.handle(.left); f.handle(.left); f.handle(.left)
        f.handle(.ctrl("u"))
        #expect(f.text == "def")
        #expect(f.cursor == 0)
    }

    @Test func wideAndCombiningCharacters() {
        var e = typed("日本")
        #expect(e.cursor == 2)
        #expect(e.cursorColumn == 4)
        e.handle(.backspace)
        #expect(e.text == "日")
        var f = typed("Tokyo")
        f.handle(.home); f.handle(.right); f.handle(.right)
        f.handle(.char("\u{304}"))          // combining macron typed after "o"
        #expect(f.text == "To\u{304}kyo")
        #expect(f.characters.count == 5, "the mark merged with its base letter")
        f.handle(.left); f.handle(.backspace)
        #expect(f.text == "o\u{304}kyo", "the base letter and its mark go together")
    }

    @Test func historyUpDownRestoresTheDraft() {
        var e = LineEditor("", history: ["first", "second"])
        for ch in "draft" { e.handle(.char(ch)) }
        e.handle(.up); #expect(e.text == "second")
        e.handle(.up); #expect(e.text == "first")
        e.handle(.up); #expect(e.text == "first", "stops at the oldest")
        e.handle(.down); #expect(e.text == "second")
        e.handle(.down); #expect(e.text == "draft")
    }

    @Test func commitRecordsHistoryWithoutRepeatsOrBlanks() {
        var e = typed("q1")
        #expect(e.commit() == "q1")
        e.setText("q1"); _ = e.commit()
        e.setText("  "); _ = e.commit()
        #expect(e.history == ["q1"])
    }

    @Test func pasteInsertsAllAndFlattensNewlines() {
        var e = typed("ab")
        e.handle(.left)
        e.handle(.paste("X\nY\tZ"))
        #expect(e.text == "aX Y Zb")
        #expect(e.cursor == 6)
        var f = LineEditor()
        for ch in "The spouse of the performer of Imagine is" { f.handle(.char(ch)) }   // a fast, unbracketed paste
        #expect(f.text == "The spouse of the performer of Imagine is")
    }

    @Test func nonEditingKeysAreNotConsumed() {
        var e = LineEditor()
        #expect(e.handle(.enter) == false)
        #expect(e.handle(.escape) == false)
        #expect(e.handle(.char("x")) == true)
    }

    @Test func viewportKeepsTheCursorVisible() {
        var e = LineEditor(String(repeating: "a", count: 50))
        let v = e.viewport(width: 20)
        #expect(displayWidth(v.text) <= 20)
        #expect(v.cursorColumn == 19)
        e.handle(.home)
        #expect(e.viewport(width: 20).cursorColumn == 0)
        #expect(e.viewport(width: 20).text.count == 20)
    }
}
