// The query form: proposals from the prompt and the backend, Tab between fields, messages inside the form.
import Analysis
import Foundation
import Testing
@testable import Explorer

@Suite struct QueryFormTests {
    static let skoda = "The capital of the country of origin of Skoda is"

    /// Types `text` into the focused field, key by key.
    func type(_ s: inout ExplorerState, _ text: String) { for ch in text { _ = s.handle(.char(ch)) } }

    /// The state with the form open on an empty prompt.
    func openEmpty() -> ExplorerState {
        var s = Fixture.state()
        _ = s.handle(.char("e"))
        _ = s.handle(.ctrl("u"))
        return s
    }

    @Test func opensOnTheCurrentQueryWithItsEntities() throws {
        var s = Fixture.state()
        _ = s.handle(.char("e"))
        #expect(s.overlay == .queryForm)
        let f = try #require(s.form)
        #expect(f.text(.prompt) == Fixture.query)
        #expect(f.text(.e1) == "Toyota" && f.text(.e2) == "Japan" && f.text(.e3) == "yen")
        #expect(f.focus == .prompt)
        #expect(f.note(.prompt) == "current query")
        _ = s.handle(.char("q"))                 // typed into the prompt, not quit
        _ = s.handle(.escape)
        #expect(s.overlay == nil && s.form == nil)
        #expect(s.layer.query.text == Fixture.query)
    }

    @Test func typingReplacesTheCurrentQueryAndAnEditingKeyKeepsIt() throws {
        // Typed at once: a new prompt, and the entities of the old one go with it.
        var s = Fixture.state()
        _ = s.handle(.char("e"))
        type(&s, Self.skoda)
        var f = try #require(s.form)
        #expect(f.text(.prompt) == Self.skoda)
        #expect(f.note(.prompt) == nil)
        #expect(f.text(.e1) == "Skoda" && f.note(.e1) == "from the prompt")
        #expect(f.text(.e2).isEmpty && f.text(.e3).isEmpty)
        // An editing key first: the current query is kept and edited where the cursor is.
        s = Fixture.state()
        _ = s.handle(.char("e"))
        _ = s.handle(.left)
        _ = s.handle(.left)
        _ = s.handle(.left)
        type(&s, " now")
        f = try #require(s.form)
        #expect(f.text(.prompt) == "The currency of the country of origin of Toyota now is")
        #expect(f.note(.prompt) == nil)
        // History on ↑ is a prompt to edit, not to replace.
        s = Fixture.state()
        _ = s.handle(.char("e"))
        type(&s, Self.skoda)
        _ = s.handle(.enter)
        s.apply(.analysis(try Fixture.backend.analyze(query: Self.skoda), id: s.analysisID), now: 0)
        _ = s.handle(.char("e"))
        _ = s.handle(.up)
        #expect(s.form?.note(.prompt) == nil)
        type(&s, "!")
        #expect(s.form?.text(.prompt).hasSuffix("!") == true && s.form?.text(.prompt).count ?? 0 > 1)
    }

    @Test func aPromptOfTheSampleShapeAnalysesAtOnceWithTheProposedE1() throws {
        var s = openEmpty()
        type(&s, Self.skoda)
        let f = try #require(s.form)
        #expect(f.text(.e1) == "Skoda")
        #expect(f.note(.e1) == "from the prompt")
        #expect(f.text(.e2).isEmpty && f.text(.e3).isEmpty)
        let fx = s.handle(.enter)
        // e2 and e3 are left for the backend to propose (the model's answers to the hops).
        #expect(fx.first == .analyze("\(Self.skoda) | Skoda", id: s.analysisID))
        #expect(s.overlay == nil)
        #expect(s.layer.query.history.last == Self.skoda)
    }

    @Test func tabAsksForTheModelsAnswersAndMarksThem() throws {
        var s = openEmpty()
        type(&s, Self.skoda)
        let fx = s.handle(.tab)
        guard case .propose(let line, let id)? = fx.first else { Issue.record("no proposal asked: \(fx)"); return }
        #expect(line == "\(Self.skoda) | Skoda")
        #expect(s.form?.focus == .e1)
        #expect(s.handle(.tab).isEmpty, "the same proposal is not asked twice")
        s.apply(.proposal(QueryProposal(prompt: Self.skoda, e1: "Skoda", e2: "Czech Republic", e3: "Prague",
                                        e1Note: "from the prompt", e2Note: "model's answer", e3Note: "model's answer"), id: id), now: 0)
        let f = try #require(s.form)
        #expect(f.text(.e2) == "Czech Republic" && f.note(.e2) == "model's answer")
        #expect(f.text(.e3) == "Prague" && f.note(.e3) == "model's answer")
        let g = Fixture.render(s, 80, 24).grid
        #expect(g.row(containing: "Czech Republic") != nil)
        #expect(g.row(containing: "model's answer") != nil)
        // Typing over a proposal replaces it and drops its mark.
        #expect(s.form?.focus == .e2)
        type(&s, "Czechia")
        #expect(s.form?.text(.e2) == "Czechia" && s.form?.note(.e2) == nil)
        let run = s.handle(.enter)
        // The model's answer still marked as such is left for the backend, which remembers it.
        #expect(run.first == .analyze("\(Self.skoda) | Skoda | Czechia | ?", id: s.analysisID))
    }

    @Test func entitiesTypedByHandAfterTab() throws {
        var s = openEmpty()
        type(&s, "Le yen est la monnaie du Japon")
        #expect(s.form?.text(.e1).isEmpty == true)
        _ = s.handle(.tab); type(&s, "Japon")
        _ = s.handle(.tab); type(&s, "Japan")
        _ = s.handle(.tab); type(&s, "yen")
        _ = s.handle(.tab); type(&s, "Nippon; Nihon")
        _ = s.handle(.backTab)                   // back to e3
        #expect(s.form?.focus == .e3)
        let fx = s.handle(.enter)
        #expect(fx.first == .analyze("Le yen est la monnaie du Japon | Japon | Japan; Nippon; Nihon | yen", id: s.analysisID))
    }

    @Test func noFindableE1KeepsTheFormOpenWithAMessageThatFits() throws {
        var s = openEmpty()
        type(&s, "Hello there")
        #expect(s.handle(.enter).isEmpty)
        #expect(s.overlay == .queryForm)
        #expect(s.form?.message == QueryWording.noE1Message)
        #expect(s.form?.focus == .e1)
        let g = Fixture.render(s, 80, 24).grid
        // The message sits inside the box, whole, at 80 columns.
        let top = try #require(g.row(containing: "┌ query"))
        let bottom = try #require((top..<g.rows).first { g.line($0).contains("└") })
        let text = (top...bottom).map { g.line($0) }.joined(separator: " ")
        let squeezed = text.split(separator: " ").joined(separator: " ")
        for word in QueryWording.noE1Message.split(separator: " ") { #expect(squeezed.contains(word), "\(word) missing") }
        for r in top...bottom { #expect(g.line(r).trimmingCharacters(in: .whitespaces).last.map { "│┐┘".contains($0) } == true, "row \(r)") }
        // Typing clears it.
        type(&s, "x")
        #expect(s.form?.message == nil)
    }

    @Test func aPromptTheModelCannotBeAskedAboutSaysToTypeE2AndE3() throws {
        var s = openEmpty()
        type(&s, "The language of the country where the Eiffel Tower stands is")
        #expect(s.form?.text(.e1) == "the country where the Eiffel Tower stands")
        _ = s.handle(.tab); _ = s.handle(.ctrl("u")); type(&s, "the Eiffel Tower")
        #expect(s.handle(.enter).isEmpty)
        #expect(s.form?.message?.contains("type e2 and e3") == true)
        #expect(s.form?.focus == .e2)
    }

    @Test func aSamplePromptBringsTheSamplesFields() throws {
        var s = openEmpty()
        type(&s, "The spouse of the performer of Imagine is")
        let f = try #require(s.form)
        #expect(f.text(.e1) == "Imagine" && f.text(.e2) == "John Lennon" && f.text(.e3) == "Yoko Ono")
        #expect(f.note(.e2) == "sample")
    }

    @Test func historyOnUpInThePrompt() throws {
        var s = openEmpty()
        type(&s, Self.skoda)
        _ = s.handle(.enter)
        s.apply(.analysis(try Fixture.backend.analyze(query: Self.skoda), id: s.analysisID), now: 0)
        _ = s.handle(.char("e"))
        _ = s.handle(.ctrl("u"))
        _ = s.handle(.up)
        #expect(s.form?.text(.prompt) == Self.skoda)
        #expect(s.form?.text(.e1) == "Skoda")
    }

    @Test func aFailedAnalysisReopensTheFormWithTheReason() throws {
        var s = openEmpty()
        type(&s, Self.skoda)
        _ = s.handle(.enter)
        s.apply(.analysisFailed("the model's answer to “The country of origin of Skoda is” names nothing", id: s.analysisID), now: 0)
        #expect(s.overlay == .queryForm)
        #expect(s.form?.message?.contains("names nothing") == true)
        #expect(s.form?.text(.prompt) == Self.skoda)
    }

    @Test func theModelsAnswersStayMarkedOnTheLayerView() throws {
        var s = Fixture.state()
        var a = try #require(s.layer.analysis)
        a.e2Note = "model's answer"; a.e3Note = "model's answer"
        s.apply(.analysis(a, id: s.analysisID), now: 0)
        #expect(Fixture.render(s, 160, 40).grid.line(2).contains("e2 Japan (model's answer)"))
        let narrow = Fixture.render(s, 80, 24).grid.line(2)
        #expect(narrow.contains("✗"), "the two-hop verdict is never cut for the marks: \(narrow)")
        #expect(narrow.contains("Japan (model)") || !narrow.contains("(model"))
        a.e2Note = "sample"; a.e3Note = nil
        s.apply(.analysis(a, id: s.analysisID), now: 0)
        #expect(!Fixture.render(s, 160, 40).grid.line(2).contains("sample"), "a sample's entities are not marked")
    }

    @Test func theOneLineFormRoundTrips() throws {
        for line in ["P is", "P of X is | X", "P | a | b; c | d", "P | a | ? | d"] {
            let r = try QueryRequest(line: line)
            #expect(try QueryRequest(line: r.line) == r, "\(line)")
        }
        #expect(throws: AnalysisError.self) { try QueryRequest(line: "P | a | b") }
        #expect(QueryWording.e1(in: Self.skoda) == "Skoda")
        #expect(QueryWording.e1(in: "The capital of France") == nil)
        #expect(QueryWording.relations(prompt: Self.skoda, e1: "Skoda")! == ("country of origin", "capital"))
        #expect(QueryWording.entity(inGeneration: " the Czech Republic. It is") == "Czech Republic")
        #expect(QueryWording.entity(inGeneration: " ...") == nil)
    }
}
